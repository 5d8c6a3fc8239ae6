import Foundation

/// One forecast quarter-hour: `[start, end)`, the spot price in the source's unit and how
/// sure the forecast is (below 1).
public struct ForecastPrice: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var price: Double
    public var confidence: Double

    public init(start: Date, end: Date, price: Double, confidence: Double) {
        self.start = start
        self.end = end
        self.price = price
        self.confidence = confidence
    }
}
