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
        var object = JSONObjectText()
        object.set("session_reference_id", sessionId)
        object.set("start_time", Timestamp.format(start))
        object.set("energy_wh", (energyWh * 1000).rounded() / 1000)
        object.set("cost", Double(Self.money(cost))!)
        object.set("currency", currency)
        if let averagePrice { object.set("average_price", (averagePrice * 1e6).rounded() / 1e6) } else { object.setNull("average_price") }
        object.set("state", open ? "open" : "closed")
        object.set("confidence", confidence)
        if let end { object.set("end_time", Timestamp.format(end)) }
        if let savings { object.set("savings", Double(Self.money(savings))!) }
        return object.text
    }

    /// Money as a plain number with at most 6 decimals.
    static func money(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        return rounded == 0 ? "0" : String(rounded)
    }
}
