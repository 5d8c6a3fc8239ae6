import Foundation
import Tariffs

/// Sums priced energy into consecutive periods.
public enum CostAggregator {
    /// Cuts every interval at every price change and every period boundary and sums the parts
    /// into the periods `[boundaries[i], boundaries[i+1])`. Energy outside
    /// `[boundaries.first, boundaries.last)` is left out (pro rata for intervals crossing it).
    /// As ``SessionCost``: an interval's solar energy is priced on `solarTimeline` (nil: none is
    /// solar), the rest on its tariff's timeline.
    public static func aggregate(
        _ intervals: some Sequence<EnergyInterval>, boundaries: [Date],
        timelines: [EnergyDirection: RateTimeline], solarTimeline: RateTimeline? = nil
    ) -> [CostBucket] {
        guard boundaries.count >= 2 else { return [] }
        var buckets = zip(boundaries, boundaries.dropFirst()).map { CostBucket(start: $0, end: $1) }
        let edges = boundaries.map(\.timeIntervalSince1970)
        let window = (from: boundaries.first!, to: boundaries.last!)
        for interval in intervals {
            let solarWh = solarTimeline == nil ? 0 : min(interval.energyWh, max(0, interval.solarWh))
            if solarWh < interval.energyWh || interval.energyWh <= 0 {
                add(interval, energyWh: interval.energyWh - solarWh, timeline: timelines[interval.tariffRate])
            }
            if solarWh > 0 { add(interval, energyWh: solarWh, timeline: solarTimeline) }
        }
        return buckets

        func add(_ interval: EnergyInterval, energyWh: Double, timeline: RateTimeline?) {
            EnergyPricing.forEachPart(start: interval.start, end: interval.end, energyWh: energyWh,
                                      timeline: timeline, within: window) { part in
                let s = part.start.timeIntervalSince1970
                let e = part.end.timeIntervalSince1970
                var bucket = bucketIndex(of: s, edges: edges)
                if e <= edges[bucket + 1] || e <= s {
                    buckets[bucket].summary.add(part)
                    return
                }
                let whPerSecond = part.energyWh / (e - s)
                var cursor = s
                while cursor < e, bucket < buckets.count {
                    let cut = min(e, edges[bucket + 1])
                    buckets[bucket].summary.add(PricedEnergy(
                        start: Date(timeIntervalSince1970: cursor), end: Date(timeIntervalSince1970: cut),
                        energyWh: whPerSecond * (cut - cursor), rate: part.rate))
                    cursor = cut
                    bucket += 1
                }
            }
        }
    }

    /// Index of the bucket holding instant `t` (edges sorted, `edges.first <= t < edges.last`).
    static func bucketIndex(of t: Double, edges: [Double]) -> Int {
        // The last edge at or before `t`, kept within the buckets (0 before the first edge).
        max(0, min(edges.partitioningIndex { $0 > t } - 1, edges.count - 2))
    }
}
