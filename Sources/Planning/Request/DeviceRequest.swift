import Foundation
import Tariffs

/// What one device asks of the planner, normalised to W, Wh and instants (docs/schedules.md).
public struct DeviceRequest: Sendable, Hashable {
    /// The device's id, echoed in the response.
    public var deviceId: String
    /// Import (charge from the grid, minimise cost) or export (send to the grid, maximise revenue).
    public var direction: EnergyDirection
    /// The earliest instant charging may run (inclusive).
    public var start: Date
    /// The departure: charging ends before this instant (exclusive).
    public var end: Date
    /// The device's own power limit in W.
    public var maxPowerW: Double
    /// The energy to deliver in Wh.
    public var energyWh: Double
    /// Energy charged at once at full power from `start`, whatever the price, in Wh.
    public var minEnergyWh: Double
    /// Whether the flexible part of the charge must be one uninterrupted block.
    public var continuous: Bool
    /// Minutes before `end` that are always charged (battery warm at departure).
    public var preconditionMinutes: Double
    /// Never charge in a slot priced above this (per kWh), except for `minEnergyWh`.
    public var priceCapPerKWh: Double?
    /// What the device's charger can draw (docs/site.md); nil: any power from 0 to `maxPowerW`.
    public var charger: Charger?

    public init(
        deviceId: String, direction: EnergyDirection = .import, start: Date, end: Date,
        maxPowerW: Double, energyWh: Double, minEnergyWh: Double = 0, continuous: Bool = false,
        preconditionMinutes: Double = 0, priceCapPerKWh: Double? = nil, charger: Charger? = nil
    ) {
        self.deviceId = deviceId
        self.direction = direction
        self.start = start
        self.end = end
        self.maxPowerW = maxPowerW
        self.energyWh = energyWh
        self.minEnergyWh = minEnergyWh
        self.continuous = continuous
        self.preconditionMinutes = preconditionMinutes
        self.priceCapPerKWh = priceCapPerKWh
        self.charger = charger
    }
}
