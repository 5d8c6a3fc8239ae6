import Planning

extension ChargerCommand {
    /// The messages that take the charger from `previous` (nil: unknown, after a start or a
    /// reconnect) to this command, in order (docs/bridge.md, "Two command topics").
    ///
    /// With one command topic: the payload, when it differs from the previous one's.
    /// With `command_power_topic` another topic than `command`:
    /// - to charge from stopped (or unknown): the limit on the power topic first, then
    ///   `command_start` on `command` (the charger never runs at a stale, higher limit);
    /// - a new limit while charging: only the limit, and only when its payload changes;
    /// - to stop: only `command_stop` on `command` (the limit is left as it is).
    func messages(after previous: ChargerCommand?, topics: VehicleTopics, charger: Charger) -> [(topic: String, payload: String)] {
        guard let powerTopic = topics.commandPowerTopic, powerTopic != topics.command, topics.commandPower != nil else {
            let payload = payload(topics: topics, charger: charger)
            if let previous, previous.payload(topics: topics, charger: charger) == payload { return [] }
            return [(topics.command, payload)]
        }
        switch self {
        case .stop:
            if previous == .stop { return [] }
            return [(topics.command, topics.commandStop)]
        case .start:
            let limit = payload(topics: topics, charger: charger)
            if case .start? = previous {
                return previous?.payload(topics: topics, charger: charger) == limit ? [] : [(powerTopic, limit)]
            }
            return [(powerTopic, limit), (topics.command, topics.commandStart)]
        }
    }
}
