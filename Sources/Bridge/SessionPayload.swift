import Foundation
import Metering
import Tariffs

/// The retained `<base>/<vehicle>/session` payload:
/// `{"session_reference_id", "start_time", "energy_wh", "cost", "currency", "average_price", "state"}`
/// plus `end_time`, `savings` and `confidence`.
struct SessionPayload {
    var sessionId: String
    var start: Date
    var end: Date?
    var energyWh: Double
    var cost: Double = 0
    var currency: String
    var averagePrice: Double?
    var savings: Double?
    var confidence: Double = 1
    var open: Bool

    init(info: SessionInfo, currency: String) {
        sessionId = info.sessionReferenceId
        start = info.openedAt ?? info.start
        end = info.closedAt
        energyWh = info.importEnergyWh
        self.currency = currency
        open = info.closedAt == nil
    }

    func json() -> String {
        var object: [String: Any] = [
            "session_reference_id": sessionId,
            "start_time": Timestamp.format(start),
            "energy_wh": (energyWh * 1000).rounded() / 1000,
            "cost": Double(Self.money(cost))!,
            "currency": currency,
            "average_price": averagePrice.map { ($0 * 1e6).rounded() / 1e6 } as Any,
            "state": open ? "open" : "closed",
            "confidence": confidence,
        ]
        if averagePrice == nil { object["average_price"] = NSNull() }
        if let end { object["end_time"] = Timestamp.format(end) }
        if let savings { object["savings"] = Double(Self.money(savings))! }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Money as a plain number with at most 6 decimals.
    static func money(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        return rounded == 0 ? "0" : String(rounded)
    }
}
