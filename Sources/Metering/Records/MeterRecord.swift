import Foundation
import Tariffs

/// One meter reading: the energy that flowed through a device's meter over `[start, end)`.
///
/// A meter record (docs/meter-records.md) carries either the average power over the
/// interval (`W`, `KW`) or the energy (`WH`, `KWH`); both are normalised to `energyWh` here and
/// the energy is taken as spread evenly over the interval (constant power) when it is split.
public struct MeterRecord: Sendable, Hashable {
    /// Inclusive start instant.
    public var start: Date
    /// Exclusive end instant (after `start`).
    public var end: Date
    /// The metered device (a vehicle or charger id).
    public var deviceId: String
    /// The location the device is at, if given.
    public var locationId: String?
    /// The charging session the record belongs to, if any.
    public var sessionReferenceId: String?
    /// Unique id of the record: a second record with the same id is a duplicate.
    public var recordReferenceId: String
    /// Which way the energy flowed.
    public var direction: EnergyDirection
    /// Which tariff prices the energy (the direction's own unless the record says otherwise).
    public var tariffRate: EnergyDirection
    /// What was measured, as the sender named it (`TRANSFERRED` when not given).
    public var measurand: String
    /// Energy over the interval in watt-hours (never negative).
    public var energyWh: Double
    /// The meter's cumulative counter at `end` in watt-hours, when it has one (kept so that
    /// metering can continue from it after a restart).
    public var counterWh: Double?
    /// The part of `energyWh` that a solar surplus covered, in watt-hours (the extension field
    /// `solar_wh`; at most `energyWh`); `nil` when not known (priced as none).
    public var solarWh: Double?

    public init(
        start: Date, end: Date, deviceId: String, locationId: String? = nil,
        sessionReferenceId: String? = nil, recordReferenceId: String,
        direction: EnergyDirection = .import, tariffRate: EnergyDirection? = nil,
        measurand: String = "TRANSFERRED", energyWh: Double, counterWh: Double? = nil,
        solarWh: Double? = nil
    ) {
        self.start = start
        self.end = end
        self.deviceId = deviceId
        self.locationId = locationId
        self.sessionReferenceId = sessionReferenceId
        self.recordReferenceId = recordReferenceId
        self.direction = direction
        self.tariffRate = tariffRate ?? direction
        self.measurand = measurand
        self.energyWh = energyWh
        self.counterWh = counterWh
        self.solarWh = solarWh
    }

    /// The solar part of the energy, Wh: `solarWh` within `0...energyWh`, 0 when not known.
    public var solarEnergyWh: Double { min(energyWh, max(0, solarWh ?? 0)) }

    /// Length of the interval in seconds.
    public var duration: TimeInterval { end.timeIntervalSince(start) }

    /// Average power over the interval in watts.
    public var averagePowerW: Double { duration > 0 ? energyWh * 3600 / duration : 0 }
}
