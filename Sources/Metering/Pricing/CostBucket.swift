import Foundation
import Tariffs

/// The energy and cost inside one aggregation period `[start, end)` (a local day, month or year).
public struct CostBucket: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var summary: CostSummary

    public init(start: Date, end: Date, summary: CostSummary = CostSummary()) {
        self.start = start
        self.end = end
        self.summary = summary
    }
}
