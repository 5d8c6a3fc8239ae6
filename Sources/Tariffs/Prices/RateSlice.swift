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
