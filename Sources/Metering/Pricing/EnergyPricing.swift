import Foundation
import Tariffs

/// The pure core of costing: spreads energy evenly over its interval and cuts it at every
/// price change of a rate timeline, pro rata of time.
///
/// Nothing here reads a file, a clock or a database: costs are a function of the energy and
/// the prices as they stand, so a corrected price gives a corrected cost.
public enum EnergyPricing {
    /// Calls `body` with the parts of `energyWh` (spread evenly over `[start, end)`) cut at
    /// every slice boundary of `timeline`, in time order, clipped to `window` when given.
    ///
    /// A stretch without any slice (a gap in the prices, or no timeline at all) gives a part
    /// with `rate == nil`: unpriced energy is reported, never costed at 0 silently.
    /// An empty interval (`end <= start`) is priced at the slice in force at `start`.
    public static func forEachPart(
        start: Date, end: Date, energyWh: Double, timeline: RateTimeline?,
        within window: (from: Date, to: Date)? = nil,
        _ body: (PricedEnergy) -> Void
    ) {
        let s = start.timeIntervalSince1970
        let e = end.timeIntervalSince1970
        let duration = e - s
        if duration <= 0 {
            if let window, start < window.from || start >= window.to { return }
            body(PricedEnergy(start: start, end: end, energyWh: energyWh, rate: timeline?.slice(at: start)))
            return
        }
        var low = s
        var high = e
        if let window {
            low = max(low, window.from.timeIntervalSince1970)
            high = min(high, window.to.timeIntervalSince1970)
        }
        guard low < high else { return }
        let whPerSecond = energyWh / duration
        func emit(_ a: Double, _ b: Double, _ rate: RateSlice?) {
            body(PricedEnergy(
                start: Date(timeIntervalSince1970: a), end: Date(timeIntervalSince1970: b),
                energyWh: whPerSecond * (b - a), rate: rate))
        }
        guard let slices = timeline?.slices, !slices.isEmpty else {
            emit(low, high, nil)
            return
        }
        var index = firstSlice(endingAfter: low, in: slices)
        var cursor = low
        while cursor < high {
            if index < slices.count {
                let slice = slices[index]
                let sliceStart = slice.start.timeIntervalSince1970
                let sliceEnd = slice.end.timeIntervalSince1970
                if sliceEnd <= cursor {
                    index += 1
                } else if sliceStart <= cursor {
                    let partEnd = min(high, sliceEnd)
                    emit(cursor, partEnd, slice)
                    cursor = partEnd
                    index += 1
                } else {
                    let gapEnd = min(high, sliceStart)
                    emit(cursor, gapEnd, nil)
                    cursor = gapEnd
                }
            } else {
                emit(cursor, high, nil)
                cursor = high
            }
        }
    }

    /// The parts of `energyWh` over `[start, end)` cut at every price change (see `forEachPart`).
    public static func parts(
        start: Date, end: Date, energyWh: Double, timeline: RateTimeline?,
        within window: (from: Date, to: Date)? = nil
    ) -> [PricedEnergy] {
        var result: [PricedEnergy] = []
        forEachPart(start: start, end: end, energyWh: energyWh, timeline: timeline, within: window) { result.append($0) }
        return result
    }

    /// The parts of a meter record's energy cut at every price change of `timeline`.
    public static func parts(of record: MeterRecord, timeline: RateTimeline?) -> [PricedEnergy] {
        parts(start: record.start, end: record.end, energyWh: record.energyWh, timeline: timeline)
    }

    /// Index of the first slice whose end lies after `instant` (binary search).
    static func firstSlice(endingAfter instant: TimeInterval, in slices: [RateSlice]) -> Int {
        slices.partitioningIndex { $0.end.timeIntervalSince1970 > instant }
    }
}
