/// How a vehicle charges.
public enum ChargingMode: String, Sendable, Hashable, CaseIterable {
    /// The cheapest schedule that meets the ready-by time (and, with `location.solar`, the live
    /// surplus beyond the plan while below the target).
    case smart
    /// Charge at full power now.
    case fast
    /// Charge only from the solar surplus, following it (docs/site.md, "Solar").
    case solar
    /// Charge at least at the charger's minimum, more as the solar surplus allows.
    case minSolar = "min_solar"
    /// Do not charge.
    case off

    /// Whether the mode follows the solar surplus, which needs the grid meter.
    var followsSurplus: Bool { self == .solar || self == .minSolar }
}
