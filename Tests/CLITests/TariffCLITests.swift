import Foundation
import Testing
import TestSupport

@Suite struct TariffCLITests {
    private let examples = CLIRunner.packageRoot.appendingPathComponent("Examples")

    @Test func checkPrintsOneLineSummaryForAValidFile() throws {
        let result = try CLIRunner.run(["tariff", "check", examples.appendingPathComponent("tariff-tou.json").path])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stdout.contains("valid; import tariff in EUR, Europe/Amsterdam, layers: peak 0.4123, offPeak 0.3242"))
    }

    @Test func checkJSONListsTheLayers() throws {
        let result = try CLIRunner.run(["tariff", "check", "--format", "json", examples.appendingPathComponent("tariff-dynamic.yaml").path])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == true)
        let tariffs = try #require(object["tariffs"] as? [[String: Any]])
        #expect(tariffs.first?["types"] as? [String] == ["dynamic"])
        #expect(tariffs.first?["dynamic_price_rows"] as? Int == 2112)
    }

    @Test func checkRejectsAGapWithOneSentenceNamingFileAndField() throws {
        let folder = CLIRunner.temporaryDirectory()
        let path = folder.appendingPathComponent("gap.json").path
        let text = try String(contentsOf: examples.appendingPathComponent("tariff-tou.json"), encoding: .utf8)
            .replacingOccurrences(of: #""startTime": "23:00", "endTime": "24:00""#, with: #""startTime": "23:30", "endTime": "24:00""#)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["tariff", "check", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "chargebridge: \(path): tariffIntervals: monday 23:00-23:30 is not covered\n")
    }

    @Test func missingFileIsBadInput() throws {
        let result = try CLIRunner.run(["tariff", "check", "/nonexistent/tariff.json"])
        #expect(result.status == 1)
        #expect(result.stderr == "chargebridge: /nonexistent/tariff.json: cannot read the file (no such file)\n")
    }

    @Test(arguments: [
        ["tariff", "check"],
        ["tariff", "rates", "--tariff", "x.json"],
        ["tariff", "rates", "--tariff", "x.json", "--from", "a", "--to", "b", "--format", "pie"],
        ["tariff", "frobnicate"],
    ])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }

    @Test func helpExitsZero() throws {
        let result = try CLIRunner.run(["tariff", "rates", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--from"))
    }

    @Test func ratesJSONIsFlatPeakShaped() throws {
        let result = try CLIRunner.run([
            "tariff", "rates", "--tariff", examples.appendingPathComponent("tariff-tou.json").path,
            "--from", "2025-11-17T00:00:00Z", "--to", "2025-11-18T00:00:00Z", "--format", "json",
        ])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["currency_code"] as? String == "EUR")
        #expect(object["timezone"] as? String == "Europe/Amsterdam")
        let data = try #require(object["data"] as? [[String: Any]])
        #expect(data.map { $0["valid_from"] as? String } == ["2025-11-17T00:00:00Z", "2025-11-17T06:00:00Z", "2025-11-17T22:00:00Z"])
        #expect(data.map { $0["valid_to"] as? String } == ["2025-11-17T06:00:00Z", "2025-11-17T22:00:00Z", "2025-11-18T00:00:00Z"])
        #expect(data.map { $0["type"] as? String } == ["offPeak", "peak", "offPeak"])
        let rates = data.compactMap { ($0["tariff"] as? [String: Any])?["rate"] as? Double }
        #expect(rates == [0.3242, 0.4123, 0.3242])
        #expect(data.allSatisfy { ($0["tariff"] as? [String: Any])?["confidence"] as? Double == 1 })
    }

    @Test func ratesOnRealPricesReportGapsOnStderr() throws {
        let folder = CLIRunner.temporaryDirectory()
        let path = folder.appendingPathComponent("dyn.json").path
        try """
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": "\(RepositoryPrices.url(RepositoryPrices.hours).path)", "charges": 0.12, "vat": 0.19}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["tariff", "rates", "--tariff", path, "--from", "2017-10-29", "--to", "2017-10-30", "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("no price is known for 2017-10-29T22:00:00Z-2017-10-29T23:00:00Z"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((object["data"] as? [Any])?.count == 24)
        #expect((object["gaps"] as? [[String: String]])?.first?["valid_from"] == "2017-10-29T22:00:00Z")
    }

    @Test func chartDrawsABarPerSliceAndMarksTheCheapest() throws {
        let result = try CLIRunner.run([
            "tariff", "rates", "--tariff", examples.appendingPathComponent("tariff-dynamic.yaml").path,
            "--from", "2026-05-30T22:00", "--to", "2026-05-31T06:00", "--format", "chart",
        ])
        #expect(result.status == 0)
        let barLines = result.stdout.split(separator: "\n").filter { $0.contains("│") }
        #expect(barLines.count >= 8 * 4 - 4) // 15-minute slices, some merged
        #expect(barLines.filter { $0.contains("◀ cheapest") }.count >= 1)
        #expect(barLines.contains { $0.contains("█") })
        #expect(result.stdout.contains("Europe/Berlin"))
    }

    @Test func badWindowIsBadInput() throws {
        let tariff = examples.appendingPathComponent("tariff-tou.json").path
        let backwards = try CLIRunner.run(["tariff", "rates", "--tariff", tariff, "--from", "2025-11-18", "--to", "2025-11-17"])
        #expect(backwards.status == 1)
        #expect(backwards.stderr.contains("--to (2025-11-16T23:00:00Z) must be after --from (2025-11-17T23:00:00Z)"))
        let garbage = try CLIRunner.run(["tariff", "rates", "--tariff", tariff, "--from", "soon", "--to", "2025-11-17"])
        #expect(garbage.status == 1)
        #expect(garbage.stderr.contains("--from: 'soon' is not an ISO 8601 instant"))
    }
}
