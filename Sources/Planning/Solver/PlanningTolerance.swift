/// Numerical slack of the planner: amounts below these are treated as zero.
enum PlanningTolerance {
    /// Energy in Wh.
    static let energyWh = 1e-6
    /// Time in seconds.
    static let seconds = 1e-6
}
