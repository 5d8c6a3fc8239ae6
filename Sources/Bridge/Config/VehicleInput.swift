/// What an incoming topic of a vehicle carries.
public enum VehicleInput: String, Sendable, Hashable, CaseIterable {
    case plug, soc, power, energy, readyBy, targetSoc, mode, boost
    /// The charger's answer to a command (`topics.command_result`).
    case commandResult
}
