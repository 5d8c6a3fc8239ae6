import Foundation
import Tariffs

/// Energy spread evenly over `[start, end)`, priced by the tariff of `tariffRate`: a meter
/// record, or the sum of several records with the same interval (costing is linear in energy).
public struct EnergyInterval: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var energyWh: Double
    public var tariffRate: EnergyDirection

    public init(start: Date, end: Date, energyWh: Double, tariffRate: EnergyDirection = .import) {
        self.start = start
        self.end = end
        self.energyWh = energyWh
        self.tariffRate = tariffRate
    }
}
