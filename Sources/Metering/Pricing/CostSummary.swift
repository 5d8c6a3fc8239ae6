import Foundation
import Tariffs

/// Running totals of priced energy: energy, cost, the lowest confidence of the prices used,
/// and the energy (and when) for which no price was known.
public struct CostSummary: Sendable, Hashable {
    /// All energy added, priced or not, in watt-hours.
    public var energyWh: Double = 0
    /// Cost of the priced energy in the tariff's currency.
    public var cost: Double = 0
    /// Energy for which no price is known, in watt-hours.
    public var unpricedEnergyWh: Double = 0
    /// The lowest confidence among the prices used (1 when all were published prices).
    public var confidence: Double = 1
    /// The stretches of time whose energy had no price, merged and sorted.
    public var unpricedIntervals: [PriceGap] = []

    public init() {}

    /// Energy that had a price, in watt-hours.
    public var pricedEnergyWh: Double { energyWh - unpricedEnergyWh }

    /// Whether every watt-hour had a price (else `cost` covers only `pricedEnergyWh`).
    public var isComplete: Bool { unpricedEnergyWh <= 0 }

    /// The confidence to report for `cost` as the total: 0 when some energy had no price.
    public var reportedConfidence: Double { isComplete ? confidence : 0 }

    /// Average price of the priced energy per kWh; `nil` when nothing was priced.
    public var averagePricePerKWh: Double? {
        pricedEnergyWh > 0 ? cost / (pricedEnergyWh / 1000) : nil
    }

    /// Adds one part.
    public mutating func add(_ part: PricedEnergy) {
        energyWh += part.energyWh
        if let rate = part.rate {
            cost += part.energyWh / 1000 * rate.pricePerKWh
            if part.energyWh > 0 { confidence = min(confidence, rate.confidence) }
        } else if part.energyWh > 0 {
            unpricedEnergyWh += part.energyWh
            noteUnpriced(start: part.start, end: part.end)
        }
    }

    /// Adds another summary's totals.
    public mutating func add(_ other: CostSummary) {
        energyWh += other.energyWh
        cost += other.cost
        unpricedEnergyWh += other.unpricedEnergyWh
        confidence = min(confidence, other.confidence)
        for gap in other.unpricedIntervals { noteUnpriced(start: gap.start, end: gap.end) }
    }

    private mutating func noteUnpriced(start: Date, end: Date) {
        if let last = unpricedIntervals.last, start >= last.start, start <= last.end {
            unpricedIntervals[unpricedIntervals.count - 1].end = max(last.end, end)
            return
        }
        unpricedIntervals.append(PriceGap(start: start, end: end))
        if unpricedIntervals.count > 1, unpricedIntervals[unpricedIntervals.count - 2].start > start {
            let sorted = unpricedIntervals.sorted { $0.start < $1.start }
            var merged: [PriceGap] = []
            for gap in sorted {
                if let last = merged.last, gap.start <= last.end {
                    merged[merged.count - 1].end = max(last.end, gap.end)
                } else {
                    merged.append(gap)
                }
            }
            unpricedIntervals = merged
        }
    }
}
