import Foundation

/// Accumulates slices and gaps in time order, merging neighbours that do not differ.
struct TimelineBuilder {
    private(set) var timeline: RateTimeline

    init(from: Date, to: Date) {
        timeline = RateTimeline(from: from, to: to, slices: [], gaps: [])
    }

    mutating func append(_ slice: RateSlice) {
        if let last = timeline.slices.last, last.end == slice.start, last.pricePerKWh == slice.pricePerKWh,
           last.type == slice.type, last.confidence == slice.confidence {
            timeline.slices[timeline.slices.count - 1].end = slice.end
        } else {
            timeline.slices.append(slice)
        }
    }

    mutating func appendGap(from: Date, to: Date) {
        guard from < to else { return }
        if let last = timeline.gaps.last, last.end == from {
            timeline.gaps[timeline.gaps.count - 1].end = to
        } else {
            timeline.gaps.append(PriceGap(start: from, end: to))
        }
    }
}
