import Foundation
import Tariffs

/// Where day-ahead spot prices come from. Prices are returned in EUR/MWh as published,
/// `[start, end)` in UTC; a day not yet published is an empty answer, not an error.
public protocol DayAheadPriceSource: Sendable {
    /// A short name for messages, e.g. `aWATTar DE-LU`.
    var name: String { get }
    /// The published prices whose intervals overlap `[from, to)`.
    func prices(from: Date, to: Date) async throws(PriceSourceError) -> [SpotPriceSeries.Row]
}
