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
    /// Payload values that mean "plugged in", "unplugged" and "unknown" (`plug_connected`,
    /// `plug_disconnected`, `plug_unknown`; docs/bridge.md, "Plug states").
    public var plugMapping: PlugMapping
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
    /// Where `commandPower` goes (`command_power_topic`); nil: on `command`. When it is another
    /// topic, `command` carries only the on/off (docs/bridge.md, "Two command topics").
    public var commandPowerTopic: String? = nil
    /// `{current_a}` rounded down to whole amperes (`whole_amps`), for chargers that refuse decimals.
    public var wholeAmps = false
    /// Phase switching (`command_phases_topic`, `command_phases_1`, `command_phases_3`): a
    /// current charger on three phases then draws its powers below the three-phase minimum on
    /// one (docs/site.md, "Phase switching").
    public var commandPhases: PhaseCommands? = nil
    /// Topics where the charger answers a command (`command_result`, go-e's `<key>/result`):
    /// an answer that reports an error is logged.
    public var commandResult: [String] = []
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
        for topic in commandResult { list.append((topic, .commandResult)) }
        return list
    }

    /// The topic the power or current limit goes to.
    public var powerTopic: String { commandPowerTopic ?? command }

    /// Phase switching payloads and where they go.
    public struct PhaseCommands: Sendable, Equatable {
        public var topic: String
        public var onePhase: String
        public var threePhases: String
    }
}
