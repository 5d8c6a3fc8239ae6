/// The topics and payload mappings of one vehicle.
public struct VehicleTopics: Sendable, Equatable {
    /// An input: a topic and, for JSON payloads, the path of the value (`$.battery.level`).
    public struct Input: Sendable, Equatable {
        public var topic: String
        public var path: String?
        /// Multiplies the payload's number into the bridge's unit (1000 for kW or kWh).
        public var scale: Double = 1
    }

    public var plug: Input
    /// Payload words (case-insensitive) that mean "plugged in"; the bridge also understands
    /// connected/disconnected, ON/OFF, true/false and 1/0.
    public var plugConnected: [String]
    public var soc: Input
    public var power: Input
    /// The charger's cumulative energy counter, Wh; optional.
    public var energy: Input?
    public var readyBySet: String
    public var targetSocSet: String
    public var modeSet: String
    public var boostSet: String
    /// Where start/stop commands go.
    public var command: String
    public var commandStart: String
    public var commandStop: String
    /// Optional payload template for a power limit, with `{power_w}` or `{current_a}` placeholders.
    public var commandPower: String?
    public var schedule: String
    public var session: String
    public var costToday: String
    public var costMonth: String
    /// Retained state of the vehicle as the bridge sees it (mode, plugged, ready-by, target).
    public var state: String

    /// Every input topic with what it feeds.
    public var inputs: [(topic: String, kind: VehicleInput)] {
        var list: [(String, VehicleInput)] = [
            (plug.topic, .plug), (soc.topic, .soc), (power.topic, .power),
            (readyBySet, .readyBy), (targetSocSet, .targetSoc), (modeSet, .mode), (boostSet, .boost),
        ]
        if let energy { list.append((energy.topic, .energy)) }
        return list
    }
}
