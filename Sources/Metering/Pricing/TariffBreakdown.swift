import Foundation
import Tariffs

/// Energy and cost per tariff type and price level (`costs session --include-tariff`).
public struct TariffBreakdown: Sendable, Hashable {
    /// One price level: all energy charged at one type and one price per kWh.
    public struct Line: Sendable, Hashable {
        public var type: TariffType
        public var pricePerKWh: Double
        public var energyWh: Double
        public var cost: Double
        /// The lowest confidence of the slices at this level.
        public var confidence: Double
    }

    /// Lines sorted by tariff type, then price.
    public var lines: [Line] {
        levels.values.sorted { ($0.type, $0.pricePerKWh) < ($1.type, $1.pricePerKWh) }
    }
    /// Energy without any price, in watt-hours.
    public private(set) var unpricedEnergyWh: Double = 0

    private var levels: [Key: Line] = [:]
    private struct Key: Hashable {
        var type: TariffType
        var price: Double
    }

    public init() {}

    /// The breakdown of `parts`.
    public init(_ parts: some Sequence<PricedEnergy>) {
        for part in parts { add(part) }
    }

    /// Adds one part to its line.
    public mutating func add(_ part: PricedEnergy) {
        guard let rate = part.rate else {
            unpricedEnergyWh += part.energyWh
            return
        }
        let key = Key(type: rate.type, price: rate.pricePerKWh)
        if var line = levels[key] {
            line.energyWh += part.energyWh
            line.cost += part.cost
            line.confidence = min(line.confidence, rate.confidence)
            levels[key] = line
        } else {
            levels[key] = Line(type: rate.type, pricePerKWh: rate.pricePerKWh, energyWh: part.energyWh,
                               cost: part.cost, confidence: rate.confidence)
        }
    }
}
