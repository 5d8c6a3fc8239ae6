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
    public private(set) var lines: [Line] = []
    /// Energy without any price, in watt-hours.
    public private(set) var unpricedEnergyWh: Double = 0

    private var index: [Key: Int] = [:]
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
        if let at = index[key] {
            lines[at].energyWh += part.energyWh
            lines[at].cost += part.cost
            lines[at].confidence = min(lines[at].confidence, rate.confidence)
        } else {
            let line = Line(type: rate.type, pricePerKWh: rate.pricePerKWh, energyWh: part.energyWh,
                            cost: part.cost, confidence: rate.confidence)
            let at = lines.firstIndex { ($0.type, $0.pricePerKWh) > (line.type, line.pricePerKWh) } ?? lines.count
            lines.insert(line, at: at)
            index = Dictionary(uniqueKeysWithValues: lines.enumerated().map {
                (Key(type: $0.element.type, price: $0.element.pricePerKWh), $0.offset)
            })
        }
    }
}
