/// A request the planner cannot work with, as one sentence that names the field and what is wrong,
/// for example `data[0].end_time: 2025-10-06T16:00:00Z is not after start_time 2025-10-06T17:00:00Z`.
public struct PlanningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sentence shown to the user.
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
