import Foundation

/// The home's meter at the connection, as the emulated site publishes it: the house load plus
/// what the emulated chargers draw, import positive, every `everySeconds` of the devices' clock.
/// Its format follows the bridge's `location.grid` options (docs/bridge.md).
public struct EmulatedGridMeter: Sendable, Equatable {
    public var topic: String
    /// How often it publishes, seconds of the devices' clock.
    public var everySeconds: Double
    /// Publish JSON `{"<key>": value}` instead of a bare number.
    public var jsonKey: String?
    /// Publish kW instead of W.
    public var kilowatts: Bool
    /// Report export as positive (import negative), as some meters do.
    public var exportPositive: Bool

    public init(topic: String, everySeconds: Double = 1, jsonKey: String? = nil, kilowatts: Bool = false, exportPositive: Bool = false) {
        self.topic = topic
        self.everySeconds = everySeconds
        self.jsonKey = jsonKey
        self.kilowatts = kilowatts
        self.exportPositive = exportPositive
    }

    /// The payload for a grid power of `gridW` (import positive).
    public func payload(gridW: Double) -> String {
        var value = exportPositive ? -gridW : gridW
        if kilowatts { value /= 1000 }
        let number = kilowatts ? String(format: "%.3f", value) : String(Int(value.rounded()))
        return jsonKey.map { "{\"\($0)\": \(number)}" } ?? number
    }
}
