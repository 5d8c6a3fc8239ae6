import Documents
import Foundation
import PriceSources
import Tariffs

/// The retained `<base>/prices/status` payload: how the live price source is doing, e.g.
/// `{"source": "awattar DE-LU", "state": "up_to_date", "known_until": "2026-11-23T23:00:00Z",
/// "message": "prices known until 2026-11-23T23:00:00Z", "updated": "2026-11-22T12:05:03Z"}`.
/// `state` is `up_to_date`, `waiting` (the next day is not published yet) or `failing` (the
/// message says why; planning goes on with the known prices and the forecast).
struct PriceStatusPayload: Equatable {
    var source: String
    var status: PriceSourceStatus
    var knownUntil: Date?
    var updated: Date

    var state: String {
        switch status {
        case .upToDate: "up_to_date"
        case .waiting: "waiting"
        case .failing: "failing"
        }
    }

    func json() -> String {
        JSONWriter(sortsKeys: true).text(.object([
            ("source", .string(source)),
            ("state", .string(state)),
            ("message", .string(status.description)),
            ("updated", .string(Timestamp.format(updated))),
            ("known_until", .optionalString(knownUntil.map { Timestamp.format($0) })),
        ]))
    }
}
