import Foundation

/// One stretch of time `[start, end)` during which a single price per kWh is in force.
public struct RateSlice: Sendable, Hashable {
    /// Inclusive start instant.
    public var start: Date
    /// Exclusive end instant.
    public var end: Date
    /// Price in the tariff's currency per kWh (may be negative for dynamic tariffs).
    public var pricePerKWh: Double
    /// The tariff layer in force.
    public var type: TariffType
    /// 1 for a known price; below 1 for a forecast (falling with distance).
    public var confidence: Double

    public init(start: Date, end: Date, pricePerKWh: Double, type: TariffType, confidence: Double = 1) {
        self.start = start
        self.end = end
        self.pricePerKWh = pricePerKWh
        self.type = type
        self.confidence = confidence
    }

    /// Length of the slice in seconds.
    public var duration: TimeInterval { end.timeIntervalSince(start) }

    /// Whether the price is a forecast rather than a published one.
    public var isForecast: Bool { confidence < 1 }
}

/// A stretch `[start, end)` inside a requested window for which no price is known.
public struct PriceGap: Sendable, Hashable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}

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
        var low = 0
        var high = slices.count
        while low < high {
            let mid = (low + high) / 2
            if slices[mid].end <= instant {
                low = mid + 1
            } else {
                high = mid
            }
        }
        guard low < slices.count, slices[low].start <= instant else { return nil }
        return slices[low]
    }
}
