import Foundation
import Tariffs

/// How a price source is doing, for the log and a retained status topic. The poller
/// reports it only when it changes, so a failing source is reported once.
public enum PriceSourceStatus: Sendable, Equatable, CustomStringConvertible {
    /// Prices are known until `knownUntil`, as far as the market has published.
    case upToDate(knownUntil: Date)
    /// The source works but the next day is not published yet; prices are known until `knownUntil`.
    case waiting(knownUntil: Date?)
    /// The last attempt failed; planning goes on with what is known plus the forecast.
    case failing(PriceSourceError)

    public var description: String {
        switch self {
        case let .upToDate(until): "prices known until \(Timestamp.format(until))"
        case let .waiting(until): "waiting for the next day's prices" + (until.map { "; known until \(Timestamp.format($0))" } ?? "")
        case let .failing(error): error.description
        }
    }
}

