/// How a vehicle charges.
public enum ChargingMode: String, Sendable, Hashable, CaseIterable {
    /// The cheapest schedule that meets the ready-by time.
    case smart
    /// Charge at full power now.
    case fast
    /// Do not charge.
    case off
}
