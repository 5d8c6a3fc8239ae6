import Foundation

/// The prices over a window: sorted, non-overlapping slices split at every price change,
/// plus the gaps where no price is known (a gap is reported, never invented).
public struct RateTimeline: Sendable, Hashable {
    /// Inclusive start of the window asked for.
    public var from: Date
    /// Exclusive end of the window asked for.
    public var to: Date
    /// Slices sorted by start; adjacent slices with identical price, type and confidence are merged.
    public var slices: [RateSlice]
    /// Parts of the window without any price, sorted.
    public var gaps: [PriceGap]

    public init(from: Date, to: Date, slices: [RateSlice], gaps: [PriceGap]) {
        self.from = from
        self.to = to
        self.slices = slices
        self.gaps = gaps
    }

    /// The slice in force at `instant`, if a price is known there (binary search).
    public func slice(at instant: Date) -> RateSlice? {
        let index = slices.partitioningIndex { $0.end > instant }
        guard index < slices.count, slices[index].start <= instant else { return nil }
        return slices[index]
    }
}
