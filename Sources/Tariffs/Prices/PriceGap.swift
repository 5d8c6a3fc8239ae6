import Foundation

/// A stretch `[start, end)` inside a requested window for which no price is known.
public struct PriceGap: Sendable, Hashable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}
