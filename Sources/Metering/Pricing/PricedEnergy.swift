import Foundation
import Tariffs

/// A part of some metered energy that lies wholly inside one rate slice, or inside a stretch
/// of time for which no price is known (`rate == nil`).
public struct PricedEnergy: Sendable, Hashable {
    /// Inclusive start instant of the part.
    public var start: Date
    /// Exclusive end instant of the part.
    public var end: Date
    /// The energy of the part in watt-hours (pro rata of its record's energy over time).
    public var energyWh: Double
    /// The rate in force over the part; `nil` when no price is known there (a gap).
    public var rate: RateSlice?

    public init(start: Date, end: Date, energyWh: Double, rate: RateSlice?) {
        self.start = start
        self.end = end
        self.energyWh = energyWh
        self.rate = rate
    }

    /// Whether a price is known for the part.
    public var isPriced: Bool { rate != nil }

    /// The cost in the tariff's currency; 0 when the part has no price (see `isPriced`).
    public var cost: Double {
        guard let rate else { return 0 }
        return energyWh / 1000 * rate.pricePerKWh
    }
}
