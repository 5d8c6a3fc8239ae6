import Documents
import Foundation
import Tariffs

/// Costs as ChargeBridge reports them (docs/costs.md): FlatPeak's `energy_cost` object,
/// as JSON, CSV or a readable table.
///
/// Each `data` item has `start_time`, `end_time`, `session_reference_id`, `energy.value` (WH)
/// and `tariff.value` (cost) with `tariff.confidence`. Extensions: per item the record, device,
/// `rate` and tariff `type` where one price applies; on the object the totals (`energy`,
/// `tariff`), the session summary with savings, the per-tariff breakdown, and `unpriced_energy`
/// wherever some energy had no price (its confidence is then 0: the cost is not complete).
public struct EnergyCostReport: Sendable {
    /// One `data` item.
    public struct Line: Sendable {
        public var start: Date
        public var end: Date
        public var sessionReferenceId: String?
        public var recordReferenceId: String?
        public var deviceId: String?
        public var summary: CostSummary
        /// The slice in force when the line is a single priced part.
        public var rate: RateSlice?
        /// Solar energy priced at the export price (a session with solar energy), else `nil`
        /// (grid energy: `false` in such a session).
        public var solar: Bool? = nil
    }

    public var objectId: String
    public var direction: EnergyDirection
    /// The tariff's IANA time zone.
    public var timeZone: String
    /// ISO 4217 code of the tariff's currency.
    public var currency: String
    public var lines: [Line]
    public var total: CostSummary
    public var session: SessionCost?
    public var breakdown: TariffBreakdown?
    /// `day`, `month` or `year` for interval reports.
    public var aggregation: String?
    /// The device an interval report is limited to.
    public var deviceId: String?

    /// The cost of one session: one line per record part, cut at every price change.
    public init(session: SessionCost, currency: String, timeZone: String, includeTariff: Bool) {
        objectId = session.sessionReferenceId
        direction = session.direction
        self.timeZone = timeZone
        self.currency = currency
        let hasSolar = session.solar.energyWh > 0
        lines = session.parts.map { part in
            var summary = CostSummary()
            summary.add(part.priced)
            return Line(start: part.priced.start, end: part.priced.end, sessionReferenceId: session.sessionReferenceId,
                        recordReferenceId: part.recordReferenceId, deviceId: session.deviceId, summary: summary,
                        rate: part.priced.rate, solar: hasSolar ? part.solar : nil)
        }
        if hasSolar { lines.sort { ($0.start, $0.solar == true ? 1 : 0) < ($1.start, $1.solar == true ? 1 : 0) } }
        total = session.total
        self.session = session
        breakdown = includeTariff ? session.breakdown : nil
    }

    /// Costs per period (`aggregation` is `day`, `month` or `year`), one line per period.
    public init(buckets: [CostBucket], objectId: String, direction: EnergyDirection, currency: String,
                timeZone: String, aggregation: String, deviceId: String?) {
        self.objectId = objectId
        self.direction = direction
        self.timeZone = timeZone
        self.currency = currency
        lines = buckets.map {
            Line(start: $0.start, end: $0.end, sessionReferenceId: nil, recordReferenceId: nil, deviceId: deviceId,
                 summary: $0.summary, rate: nil)
        }
        var total = CostSummary()
        for bucket in buckets { total.add(bucket.summary) }
        self.total = total
        self.aggregation = aggregation
        self.deviceId = deviceId
    }

    /// The cost of one record, one line per part cut at every price change.
    public init(record: MeterRecord, parts: [PricedEnergy], currency: String, timeZone: String) {
        objectId = record.recordReferenceId
        direction = record.direction
        self.timeZone = timeZone
        self.currency = currency
        var total = CostSummary()
        lines = parts.map { part in
            var summary = CostSummary()
            summary.add(part)
            total.add(part)
            return Line(start: part.start, end: part.end, sessionReferenceId: record.sessionReferenceId,
                        recordReferenceId: record.recordReferenceId, deviceId: record.deviceId, summary: summary,
                        rate: part.rate)
        }
        self.total = total
    }

    /// One sentence per stretch of energy without a price, for stderr.
    public var warnings: [String] {
        guard !total.isComplete else { return [] }
        let spans = total.unpricedIntervals.prefix(5).map { "\(Timestamp.format($0.start)) to \(Timestamp.format($0.end))" }
        let more = total.unpricedIntervals.count > 5 ? " and \(total.unpricedIntervals.count - 5) more" : ""
        return ["No \(direction.rawValue.lowercased()) price is known for \(Self.wh(total.unpricedEnergyWh)) Wh "
            + "(\(spans.joined(separator: ", "))\(more)); the cost covers only the priced energy."]
    }

    // MARK: JSON

    /// The `energy_cost` object.
    public var json: DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [
            ("object", .string("energy_cost")),
            ("object_id", .string(objectId)),
            ("direction", .string(direction.rawValue)),
            ("location_timezone", .string(timeZone)),
            ("currency_code", .string(currency)),
            ("energy_units", .string("WH")),
        ]
        if let aggregation { members.append(("aggregation", .string(aggregation))) }
        if let deviceId, session == nil { members.append(("device_id", .string(deviceId))) }
        members.append(("energy", .object([("value", .number(Self.round(total.energyWh, 3)))])))
        members.append(("tariff", Self.tariff(total)))
        if !total.isComplete { members.append(("unpriced_energy", Self.unpriced(total, intervals: true))) }
        if let session { members.append(("session", Self.sessionJSON(session))) }
        if let breakdown {
            members.append(("tariff_breakdown", .array(breakdown.lines.map { line in
                .object([
                    ("type", .string(line.type.rawValue)),
                    ("rate", .number(Self.round(line.pricePerKWh, 6))),
                    ("energy", .object([("value", .number(Self.round(line.energyWh, 3)))])),
                    ("tariff", .object([("value", .number(Self.round(line.cost, 6))),
                                        ("confidence", .number(Self.round(line.confidence, 4)))])),
                ])
            })))
        }
        members.append(("data", .array(lines.map(Self.lineJSON))))
        return .object(members)
    }

    static func lineJSON(_ line: Line) -> DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [
            ("start_time", .string(Timestamp.format(line.start))),
            ("end_time", .string(Timestamp.format(line.end))),
            ("session_reference_id", .optionalString(line.sessionReferenceId)),
        ]
        if let id = line.recordReferenceId { members.append(("record_reference_id", .string(id))) }
        if let device = line.deviceId { members.append(("device_id", .string(device))) }
        members.append(("energy", .object([("value", .number(round(line.summary.energyWh, 3)))])))
        members.append(("tariff", tariff(line.summary)))
        if let rate = line.rate {
            members.append(("rate", .number(round(rate.pricePerKWh, 6))))
            members.append(("type", .string(line.solar == true ? "solar" : rate.type.rawValue)))
        }
        if let solar = line.solar { members.append(("source", .string(solar ? "solar" : "grid"))) }
        if !line.summary.isComplete { members.append(("unpriced_energy", unpriced(line.summary, intervals: false))) }
        return .object(members)
    }

    static func tariff(_ summary: CostSummary) -> DocumentValue {
        .object([("value", .number(round(summary.cost, 6))), ("confidence", .number(round(summary.reportedConfidence, 4)))])
    }

    static func unpriced(_ summary: CostSummary, intervals: Bool) -> DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [("value", .number(round(summary.unpricedEnergyWh, 3)))]
        if intervals {
            members.append(("intervals", .array(summary.unpricedIntervals.map {
                .object([("start_time", .string(Timestamp.format($0.start))), ("end_time", .string(Timestamp.format($0.end)))])
            })))
        }
        return .object(members)
    }

    static func sessionJSON(_ session: SessionCost) -> DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [
            ("session_reference_id", .string(session.sessionReferenceId)),
            ("device_id", .string(session.deviceId)),
            ("start_time", .string(Timestamp.format(session.start))),
            ("end_time", .string(Timestamp.format(session.end))),
            ("records", .number(Double(session.recordCount))),
            ("energy", .object([("value", .number(round(session.total.energyWh, 3)))])),
            ("tariff", tariff(session.total)),
            ("average_price", .finiteNumber(session.total.averagePricePerKWh.map { round($0, 6) })),
            ("peak_power", .object([("units", .string("W")), ("value", .number(round(session.peakPowerW, 1)))])),
            ("solar_wh", .number(round(session.solar.energyWh, 3))),
            ("solar_share", .number(round(session.solarSharePercentage, 2))),
        ]
        if session.solar.energyWh > 0 {
            members.append(("solar", .object([
                ("energy", .object([("value", .number(round(session.solar.energyWh, 3)))])),
                ("tariff", tariff(session.solar)),
            ])))
        }
        if let baseline = session.baseline {
            members.append(("baseline", tariff(baseline)))
        }
        if let savings = session.savings {
            members.append(("savings", .object([
                ("value", .number(round(savings, 6))),
                ("percentage", .finiteNumber(session.savingsPercentage.map { round($0, 2) })),
            ])))
        } else {
            members.append(("savings", .null))
        }
        return .object(members)
    }

    // MARK: CSV and table

    /// One row per `data` item with a header.
    public func csv() -> String {
        var out = "start_time,end_time,session_reference_id,record_reference_id,device_id,direction,energy_wh,cost,currency,rate,type,confidence,unpriced_wh\n"
        for line in lines {
            let fields: [String] = [
                Timestamp.format(line.start), Timestamp.format(line.end), line.sessionReferenceId ?? "",
                line.recordReferenceId ?? "", line.deviceId ?? "", direction.rawValue,
                Self.wh(line.summary.energyWh), Self.money(line.summary.cost), currency,
                line.rate.map { Self.money($0.pricePerKWh) } ?? "", line.solar == true ? "solar" : line.rate?.type.rawValue ?? "",
                JSONWriter.number(Self.round(line.summary.reportedConfidence, 4)), Self.wh(line.summary.unpricedEnergyWh),
            ]
            out += fields.map(Self.csvField).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A readable table with a heading and totals.
    public func table() -> String {
        var out = ""
        if let session {
            out += "Session \(session.sessionReferenceId)  device \(session.deviceId)  \(direction.rawValue)\n"
            out += "  \(Timestamp.format(session.start)) to \(Timestamp.format(session.end)), \(session.recordCount) records\n"
            out += "  energy \(Self.wh(session.total.energyWh)) Wh, cost \(Self.money(session.total.cost)) \(currency)"
            if let average = session.total.averagePricePerKWh { out += ", average \(Self.money(average)) \(currency)/kWh" }
            out += "\n"
            if session.solar.energyWh > 0 {
                out += "  solar \(Self.wh(session.solar.energyWh)) Wh (\(String(format: "%.1f", session.solarSharePercentage)) %) at the export price: \(Self.money(session.solar.cost)) \(currency)\n"
            }
            if let baseline = session.baseline, let savings = session.savings {
                out += "  charged at once from the grid at \(Self.wh(session.peakPowerW)) W: \(Self.money(baseline.cost)) \(currency); savings \(Self.money(savings)) \(currency)"
                if let percentage = session.savingsPercentage { out += " (\(String(format: "%.1f", percentage)) %)" }
                out += "\n"
            }
            out += "\n"
        } else if aggregation == nil, let line = lines.first {
            out += "Meter record \(objectId)  device \(line.deviceId ?? "-")  \(direction.rawValue), \(timeZone), \(currency)\n\n"
        } else {
            let scope = deviceId.map { "device \($0)" } ?? "all devices"
            out += "\(direction.rawValue) costs per \(aggregation ?? "record"), \(scope), \(timeZone), \(currency)\n\n"
        }
        var rows: [[String]] = [["start", "end", "energy Wh", "cost", "rate/kWh", "type", "conf"]]
        for line in lines {
            let rate = line.rate?.pricePerKWh ?? line.summary.averagePricePerKWh
            rows.append([
                Timestamp.format(line.start), Timestamp.format(line.end), Self.wh(line.summary.energyWh),
                Self.money(line.summary.cost) + (line.summary.isComplete ? "" : " *"),
                rate.map(Self.money) ?? "-", line.solar == true ? "solar" : line.rate?.type.rawValue ?? (aggregation == nil ? "no price" : "avg"),
                String(format: "%.2f", line.summary.reportedConfidence),
            ])
        }
        rows.append(["total", "", Self.wh(total.energyWh), Self.money(total.cost) + (total.isComplete ? "" : " *"),
                     total.averagePricePerKWh.map(Self.money) ?? "-", "", String(format: "%.2f", total.reportedConfidence)])
        out += Self.render(rows)
        if let breakdown, !breakdown.lines.isEmpty {
            out += "\nBy tariff:\n"
            var tariffRows: [[String]] = [["type", "rate/kWh", "energy Wh", "cost"]]
            for line in breakdown.lines {
                tariffRows.append([line.type.rawValue, Self.money(line.pricePerKWh), Self.wh(line.energyWh), Self.money(line.cost)])
            }
            if breakdown.unpricedEnergyWh > 0 { tariffRows.append(["no price", "-", Self.wh(breakdown.unpricedEnergyWh), "-"]) }
            out += Self.render(tariffRows)
        }
        if !total.isComplete { out += "\n* " + warnings.joined(separator: " ") + "\n" }
        return out
    }

    static func render(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index < 2 || index == 5 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func round(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10.0, Double(digits))
        let result = (value * scale).rounded() / scale
        return result == 0 ? 0 : result // no -0
    }

    static func wh(_ value: Double) -> String { JSONWriter.number(round(value, 3)) }
    static func money(_ value: Double) -> String { JSONWriter.number(round(value, 6)) }
}
