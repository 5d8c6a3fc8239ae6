import Foundation
import Tariffs

/// Energy spread evenly over `[start, end)`, priced by the tariff of `tariffRate`: a meter
/// record, or the sum of several records with the same interval (costing is linear in energy).
/// Its `solarWh` (a record's ``MeterRecord/solarEnergyWh``) is priced as solar energy instead
/// (docs/costs.md, "Solar energy").
public struct EnergyInterval: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var energyWh: Double
    public var tariffRate: EnergyDirection
    /// The part of `energyWh` the solar surplus covered (0 to `energyWh`).
    public var solarWh: Double

    public init(start: Date, end: Date, energyWh: Double, tariffRate: EnergyDirection = .import, solarWh: Double = 0) {
        self.start = start
        self.end = end
        self.energyWh = energyWh
        self.tariffRate = tariffRate
        self.solarWh = solarWh
    }
}
