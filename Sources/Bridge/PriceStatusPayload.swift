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
        var object: [String: Any] = [
            "source": source,
            "state": state,
            "message": status.description,
            "updated": Timestamp.format(updated),
        ]
        object["known_until"] = knownUntil.map { Timestamp.format($0) } ?? NSNull()
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
