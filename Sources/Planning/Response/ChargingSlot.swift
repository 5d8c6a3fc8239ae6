import Foundation

/// One stretch `[start, end)` of a device's schedule at one constant power.
public struct ChargingSlot: Sendable, Hashable {
    /// Inclusive start instant.
    public var start: Date
    /// Exclusive end instant.
    public var end: Date
    /// Constant power over the slot, in W.
    public var powerW: Double
    /// Energy over the slot, in Wh (`powerW` times the slot's length).
    public var energyWh: Double
    /// Cost of that energy in the tariff's currency (revenue for an export device).
    public var cost: Double
    /// Energy-weighted confidence of the prices used (1 when all are known prices).
    public var confidence: Double
    /// The part of `energyWh` expected from the solar surplus (``ChargeRequest/solarForecast``),
    /// Wh; priced at the export price in `cost`.
    public var solarWh: Double = 0

    public init(start: Date, end: Date, powerW: Double, energyWh: Double, cost: Double, confidence: Double = 1) {
        self.start = start
        self.end = end
        self.powerW = powerW
        self.energyWh = energyWh
        self.cost = cost
        self.confidence = confidence
    }

    /// Length of the slot in seconds.
    public var duration: TimeInterval { end.timeIntervalSince(start) }
}
