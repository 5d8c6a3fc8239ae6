/// What the bridge wants the charger to do.
public enum ChargerCommand: Sendable, Equatable {
    /// Charge, at `powerW` when the charger takes a power limit.
    case start(powerW: Double)
    /// Do not charge.
    case stop

    /// The payload for `topics`: the configured start/stop words, or the power template with
    /// `{power_w}` and `{current_a}` (per phase at 230 V) filled in.
    func payload(topics: VehicleTopics, phases: Int) -> String {
        switch self {
        case .stop:
            return topics.commandStop
        case let .start(powerW):
            guard let template = topics.commandPower else { return topics.commandStart }
            let current = powerW / (230 * Double(max(phases, 1)))
            return template
                .replacingOccurrences(of: "{power_w}", with: String(Int(powerW.rounded())))
                .replacingOccurrences(of: "{current_a}", with: String(format: "%.1f", current))
        }
    }
}
