import Documents
import Foundation
import Metering
import Tariffs
import Testing

struct EnergyCostReportTests {
    func decode(_ report: EnergyCostReport) throws -> [String: Any] {
        let text = report.json.jsonText(.indented)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func sessionReportHasTheContractsShape() throws {
        let prices = timeline(from: "2025-10-07T01:00:00Z", prices: [0.10, 0.20])
        let records = [record("r1", "2025-10-07T01:05:00Z", minutes: 20, energyWh: 2000)]
        let session = try #require(SessionCost(sessionReferenceId: "S1", direction: .import, records: records,
                                               timelines: [.import: prices]))
        let report = EnergyCostReport(session: session, currency: "EUR", timeZone: "Europe/Berlin", includeTariff: true)
        let json = try decode(report)
        #expect(json["object"] as? String == "energy_cost")
        #expect(json["object_id"] as? String == "S1")
        #expect(json["direction"] as? String == "IMPORT")
        #expect(json["location_timezone"] as? String == "Europe/Berlin")
        #expect(json["currency_code"] as? String == "EUR")
        #expect(json["energy_units"] as? String == "WH")
        let data = try #require(json["data"] as? [[String: Any]])
        #expect(data.count == 2)
        #expect(data[0]["start_time"] as? String == "2025-10-07T01:05:00Z")
        #expect(data[0]["end_time"] as? String == "2025-10-07T01:15:00Z")
        #expect(data[1]["start_time"] as? String == "2025-10-07T01:15:00Z")
        #expect(data[0]["session_reference_id"] as? String == "S1")
        #expect((data[0]["energy"] as? [String: Any])?["value"] as? Double == 1000)
        #expect((data[0]["tariff"] as? [String: Any])?["value"] as? Double == 0.1)
        #expect((data[1]["tariff"] as? [String: Any])?["value"] as? Double == 0.2)
        #expect((data[1]["tariff"] as? [String: Any])?["confidence"] as? Double == 1)
        let breakdown = try #require(json["tariff_breakdown"] as? [[String: Any]])
        #expect(breakdown.compactMap { $0["rate"] as? Double } == [0.1, 0.2])
        #expect(json["unpriced_energy"] == nil)
        // The shortest exact numbers, no binary noise.
        #expect(report.json.jsonText(.indented).contains("\"value\": 0.3"))
    }

    @Test func unpricedEnergyIsSaidInJSONCSVTableAndWarnings() throws {
        let prices = timeline(from: "2025-10-07T01:00:00Z", prices: [0.10])
        let meter = record("r1", "2025-10-07T01:00:00Z", minutes: 30, energyWh: 1000)
        let report = EnergyCostReport(record: meter, parts: EnergyPricing.parts(of: meter, timeline: prices),
                                      currency: "EUR", timeZone: "UTC")
        let json = try decode(report)
        let unpriced = try #require(json["unpriced_energy"] as? [String: Any])
        #expect(unpriced["value"] as? Double == 500)
        #expect((json["tariff"] as? [String: Any])?["confidence"] as? Double == 0)
        let data = try #require(json["data"] as? [[String: Any]])
        #expect(data.count == 2)
        #expect(data[1]["unpriced_energy"] != nil)
        #expect(report.warnings.count == 1)
        #expect(report.warnings[0].contains("500 Wh"))
        #expect(report.warnings[0].contains("2025-10-07T01:15:00Z to 2025-10-07T01:30:00Z"))
        #expect(report.table().contains("no price"))
        let csv = report.csv().split(separator: "\n")
        #expect(csv.count == 3)
        #expect(csv[2].hasSuffix(",0,500"))
    }
}
