/// Which way energy flows through the meter: bought from the grid or sold to it.
public enum EnergyDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Energy taken from the grid (the default).
    case `import` = "IMPORT"
    /// Energy sent to the grid.
    case export = "EXPORT"
}
