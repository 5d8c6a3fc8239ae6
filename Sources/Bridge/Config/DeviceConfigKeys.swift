import Documents

/// The keys that map a real device's own payloads (docs/bridge.md, "Plug states", "Two command
/// topics"): plug values, a second command topic for the limit, whole amperes, phase switching
/// and the charger's answers.
extension Reader {
    static let deviceTopicKeys = ["plug_disconnected", "plug_unknown", "command_power_topic", "command_phases_topic",
                                  "command_phases_1", "command_phases_3", "command_result"]

    /// `plug_connected`, `plug_disconnected`, `plug_unknown`: lists of numbers, booleans or text.
    func plugMapping(_ value: DocumentValue, _ path: String) throws -> PlugMapping {
        func list(_ key: String) throws -> [String]? {
            guard let item = value[key], !item.isNull else { return nil }
            let items: [DocumentValue] = if case let .array(items) = item { items } else { [item] }
            guard !items.isEmpty, items.allSatisfy({ PlugMapping.token($0) != nil && !(PlugMapping.token($0)!.isEmpty) }) else {
                throw ConfigError(key: "\(path).\(key)", problem: "must be a list of payload values (numbers, true/false or words) such as [2, 3, 4] or [\"charging\"]")
            }
            return items.compactMap(PlugMapping.token)
        }
        let connected = try list("plug_connected") ?? []
        let disconnected = try list("plug_disconnected")
        let unknown = try list("plug_unknown") ?? []
        let named: [(key: String, tokens: [String])] = [("plug_connected", connected), ("plug_disconnected", disconnected ?? []), ("plug_unknown", unknown)]
        for (position, first) in named.enumerated() {
            for second in named[(position + 1)...] {
                if let shared = first.tokens.first(where: second.tokens.contains) {
                    throw ConfigError(key: "\(path).\(second.key)", problem: "lists '\(shared)', which \(first.key) lists too; a value means one thing")
                }
            }
        }
        if disconnected != nil, connected.isEmpty {
            throw ConfigError(key: "\(path).plug_connected", problem: "is required with plug_disconnected (which values mean plugged in?)")
        }
        return PlugMapping(connected: connected, disconnected: disconnected, unknown: unknown)
    }

    /// `command_power_topic`, `command_phases_*`, `command_result`.
    func deviceCommands(_ value: DocumentValue, _ path: String, into topics: inout VehicleTopics) throws {
        if let topic = try string(value["command_power_topic"], "\(path).command_power_topic") {
            try checkTopic(topic, "\(path).command_power_topic")
            guard topics.commandPower != nil else {
                throw ConfigError(key: "\(path).command_power_topic", problem: "needs command_power (the payload that goes there, with {current_a} or {power_w})")
            }
            topics.commandPowerTopic = topic
        }
        let phaseTopic = try string(value["command_phases_topic"], "\(path).command_phases_topic")
        let one = try string(value["command_phases_1"], "\(path).command_phases_1")
        let three = try string(value["command_phases_3"], "\(path).command_phases_3")
        if let phaseTopic {
            try checkTopic(phaseTopic, "\(path).command_phases_topic")
            guard let one, let three else {
                throw ConfigError(key: "\(path).\(one == nil ? "command_phases_1" : "command_phases_3")", problem: "is required with command_phases_topic (the payloads for one and three phases)")
            }
            topics.commandPhases = .init(topic: phaseTopic, onePhase: one, threePhases: three)
        } else if one != nil || three != nil {
            throw ConfigError(key: "\(path).\(one != nil ? "command_phases_1" : "command_phases_3")", problem: "needs command_phases_topic (where the phase payloads go)")
        }
        if let results = value["command_result"], !results.isNull {
            let items: [DocumentValue] = if case let .array(items) = results { items } else { [results] }
            var list: [String] = []
            for (index, item) in items.enumerated() {
                guard let topic = item.text else {
                    throw ConfigError(key: "\(path).command_result[\(index)]", problem: "must be a topic, such as go-eCharger/123456/amp/result")
                }
                try checkTopic(topic, "\(path).command_result[\(index)]")
                list.append(topic)
            }
            topics.commandResult = list
        }
    }

    /// `whole_amps`: only for a charger told a current, whose minimum and step are whole amperes.
    func wholeAmps(_ value: DocumentValue, _ path: String, topics: VehicleTopics) throws -> Bool {
        guard try bool(value["whole_amps"], "\(path).whole_amps") == true else { return false }
        guard topics.commandPower?.contains("{current_a}") == true else {
            throw ConfigError(key: "\(path).whole_amps", problem: "applies only to a charger told a current ({current_a} in command_power)")
        }
        for key in ["min_current_a", "current_step_a"] {
            if let number = try number(value[key], "\(path).\(key)", positive: true), number != number.rounded() {
                throw ConfigError(key: "\(path).\(key)", problem: "(\(number)) must be whole amperes with whole_amps: true")
            }
        }
        return true
    }
}
