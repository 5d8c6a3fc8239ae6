import Documents
import Foundation
import Metering
import Tariffs

/// The retained `<base>/<vehicle>/session` payload:
/// `{"session_reference_id", "start_time", "energy_wh", "cost", "currency", "average_price", "state"}`
/// plus `end_time`, `savings` and `confidence`, and the solar part of the energy, `solar_wh`,
/// with its share of the energy, `solar_share` (percent).
struct SessionPayload {
    var sessionId: String
    var start: Date
    var end: Date?
    var energyWh: Double
    /// The part of `energyWh` a solar surplus covered (0 without a grid meter).
    var solarWh: Double
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
        solarWh = min(info.importSolarWh, info.importEnergyWh)
        self.currency = currency
        open = info.closedAt == nil
    }

    func json() -> String {
        var object: [(key: String, value: DocumentValue)] = [
            ("session_reference_id", .string(sessionId)),
            ("start_time", .string(Timestamp.format(start))),
            ("energy_wh", .number((energyWh * 1000).rounded() / 1000)),
            ("solar_wh", .number((solarWh * 1000).rounded() / 1000)),
            ("solar_share", .number(energyWh > 0 ? (solarWh / energyWh * 1000).rounded() / 10 : 0)),
            ("cost", .number(Double(Self.money(cost))!)),
            ("currency", .string(currency)),
            ("average_price", averagePrice.map { .number(($0 * 1e6).rounded() / 1e6) } ?? .null),
            ("state", .string(open ? "open" : "closed")),
            ("confidence", .number(confidence)),
        ]
        if let end { object.append(("end_time", .string(Timestamp.format(end)))) }
        if let savings { object.append(("savings", .number(Double(Self.money(savings))!))) }
        return JSONWriter(sortsKeys: true).text(.object(object))
    }

    /// Money as a plain number with at most 6 decimals.
    static func money(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        return rounded == 0 ? "0" : String(rounded)
    }
}
