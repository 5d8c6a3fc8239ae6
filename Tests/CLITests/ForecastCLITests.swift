import Foundation
import Testing
import TestSupport

@Suite struct ForecastCLITests {
    private let prices = RepositoryPrices.url(RepositoryPrices.quarterHours).path

    @Test func backtestTablePrintsSevenDaysBesideSeasonalNaive() throws {
        let result = try CLIRunner.run(["forecast", "backtest", "--prices", prices, "--from", "2026-03-01", "--to", "2026-03-28"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.contains("28 forecast origins, 2026-03-01 to 2026-03-28 (Europe/Berlin)"))
        #expect(result.stdout.contains("day ahead  forecast MAE  seasonal-naive MAE  improvement  4-week mean  4-week median  yesterday  vs best"))
        let tables = result.stdout.components(separatedBy: "\n\n")
        let table = try #require(tables.first { $0.hasPrefix("day ahead  forecast MAE") })
        let rows = table.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(rows.map { $0.split(separator: " ").first! } == ["1", "2", "3", "4", "5", "6", "7", "1-7"])
        #expect(rows.allSatisfy { $0.hasSuffix("%") && $0.split(separator: " ").count == 10 })
        // The band's calibration per day ahead: 80 % nominal, the share inside between 0 and 100 %.
        let bands = try #require(tables.first { $0.hasPrefix("day ahead  band width  inside band  quarter-hours") })
        let bandRows = bands.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(bandRows.map { $0.split(separator: " ").first! } == ["1", "2", "3", "4", "5", "6", "7", "1-7"])
        for row in bandRows {
            let share = try #require(Double(row.split(separator: " ")[2]))
            #expect((0...100).contains(share))
        }
        // The forecast days 2026-03-01..04-03 are all spring days: one season, days 1-7 and together.
        #expect(result.stdout.contains("season  day ahead  forecast MAE"))
        let seasonRows = result.stdout.split(separator: "\n").filter { ["DJF", "MAM", "JJA", "SON"].contains($0.prefix(3)) }
        #expect(seasonRows.map { $0.split(separator: " ")[1] } == ["1", "2", "3", "4", "5", "6", "7", "1-7"])
        #expect(seasonRows.allSatisfy { $0.hasPrefix("MAM") })
        // Spring is all there is, so its rows are the first table's.
        #expect(zip(rows, seasonRows).allSatisfy { $0.split(separator: " ").dropFirst() == $1.split(separator: " ").dropFirst(2) })
    }

    @Test func backtestJSONAgreesWithItself() throws {
        let result = try CLIRunner.run(["forecast", "backtest", "--prices", prices, "--from", "2026-03-01", "--to", "2026-03-28", "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["object"] as? String == "forecast_backtest")
        #expect(object["origins"] as? Int == 28)
        #expect(object["unit"] as? String == "eur_per_mwh")
        let horizons = try #require(object["horizons"] as? [[String: Any]])
        #expect(horizons.map { $0["day"] as? Int } == [1, 2, 3, 4, 5, 6, 7])
        for horizon in horizons {
            let model = try #require(horizon["forecast_mae"] as? Double)
            let naive = try #require(horizon["seasonal_naive_mae"] as? Double)
            let improvement = try #require(horizon["improvement_percent"] as? Double)
            #expect(model > 0 && naive > 0)
            #expect(abs(improvement - (1 - model / naive) * 100) < 0.05)
            // 28 days of 96 quarter-hours, less the four that do not exist on 2026-03-29.
            #expect((2684...2688).contains(horizon["quarter_hours"] as? Int ?? 0))
        }
        for horizon in horizons {
            let baselines = try #require(horizon["baselines"] as? [String: Double])
            #expect(Set(baselines.keys) == ["seasonal_naive", "weekday_mean_4w", "weekday_median_4w", "yesterday"])
            #expect(baselines["seasonal_naive"] == horizon["seasonal_naive_mae"] as? Double)
            let model = try #require(horizon["forecast_mae"] as? Double)
            let best = try #require(baselines.values.min())
            #expect(abs((horizon["improvement_over_best_baseline_percent"] as? Double ?? .nan) - (1 - model / best) * 100) < 0.05)
        }
        let seasons = try #require(object["seasons"] as? [[String: Any]])
        #expect(seasons.map { $0["season"] as? String } == ["DJF", "MAM", "JJA", "SON"])
        #expect(seasons.map { $0["quarter_hours"] as? Int } == [0, object["quarter_hours"] as? Int, 0, 0])
        // Day 1 is where the recent prices tell most.
        #expect((horizons[0]["improvement_percent"] as? Double ?? 0) > 10)
    }

    @Test func sessionsCostAtLeastPerfectForesight() throws {
        // The Fridays 2026-03-06, 13, 20 and 27 of the March origins; no plan beats perfect
        // foresight, and the table gives the three plans.
        let window = ["forecast", "backtest", "--prices", prices, "--from", "2026-03-01", "--to", "2026-03-28", "--sessions"]
        let json = try CLIRunner.run(window + ["--format", "json"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let sessions = try #require(object["sessions"] as? [String: Any])
        #expect(sessions["count"] as? Int == 4)
        #expect(sessions["first_friday"] as? String == "2026-03-06")
        let perfect = try #require(sessions["perfect_cost"] as? Double)
        let forecast = try #require(sessions["forecast_cost"] as? Double)
        let known = try #require(sessions["known_only_cost"] as? Double)
        #expect(perfect > 0 && forecast >= perfect - 1e-9 && known >= perfect - 1e-9)
        #expect(abs((sessions["forecast_extra_percent"] as? Double ?? .nan) - (forecast / perfect - 1) * 100) < 0.05)
        let table = try CLIRunner.run(window)
        #expect(table.stdout.contains("4 Fridays (2026-03-06 to 2026-03-27)"))
        let planRows = table.stdout.split(separator: "\n").filter { (line: Substring) in
            line.hasPrefix("perfect foresight") || line.hasPrefix("forecast ") || line.hasPrefix("known prices only")
        }
        #expect(planRows.count == 3)
        // Without --sessions there is none.
        let plain = try CLIRunner.run(["forecast", "backtest", "--prices", prices, "--from", "2026-03-01", "--to", "2026-03-28", "--format", "json"])
        #expect(!plain.stdout.contains("\"sessions\""))
    }

    @Test func anHourlyHistoryTeachesTheFirstWeeksOfAShortFile() throws {
        // The 15-minute file starts 2025-09-30: its first origins have too few past forecasts to
        // learn from. The hourly file's earlier years fill that in; the origins, the prices
        // compared and the seasonal-naive error stay those of the 15-minute file.
        let window = ["forecast", "backtest", "--prices", prices, "--to", "2025-10-28", "--format", "json"]
        let alone = try CLIRunner.run(window)
        let history = try CLIRunner.run(window + ["--history", RepositoryPrices.url(RepositoryPrices.hours).path])
        #expect(alone.status == 0 && history.status == 0)
        let a = try #require(try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any])
        let b = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])
        #expect(a["origins"] as? Int == 21 && b["origins"] as? Int == 21)
        #expect(a["first_origin"] as? String == "2025-10-08" && b["first_origin"] as? String == "2025-10-08")
        #expect(a["seasonal_naive_mae"] as? Double == b["seasonal_naive_mae"] as? Double)
        let before = try #require(a["forecast_mae"] as? Double)
        let after = try #require(b["forecast_mae"] as? Double)
        #expect(after < before * 0.97)
    }

    @Test func missingPricesFileIsBadInput() throws {
        let result = try CLIRunner.run(["forecast", "backtest", "--prices", "/nonexistent/prices.csv"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("chargebridge: /nonexistent/prices.csv"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func tooShortAHistoryIsBadInput() throws {
        let folder = CLIRunner.temporaryDirectory()
        let path = folder.appendingPathComponent("short.csv").path
        try "start,end,eur_per_mwh\n2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,80\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["forecast", "backtest", "--prices", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("too little history"))
    }

    @Test func missingHistoryFileIsBadInput() throws {
        let result = try CLIRunner.run(["forecast", "backtest", "--prices", prices, "--history", "/nonexistent/history.csv"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("chargebridge: /nonexistent/history.csv"))
    }

    @Test(arguments: [["--format", "chart"], ["--from", "March"], ["--time-zone", "Mars/Olympus"], ["--training-days", "0"], []])
    func usageErrorsExitTwo(extra: [String]) throws {
        let arguments = extra.isEmpty ? ["forecast", "backtest"] : ["forecast", "backtest", "--prices", prices] + extra
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }

    @Test func ratesTableMarksForecastSlices() throws {
        let folder = CLIRunner.temporaryDirectory()
        let path = folder.appendingPathComponent("tariff.json").path
        try """
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": "\(prices)", "unit": "EUR/MWh", "charges": 0.12, "vat": 0.19}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let table = try CLIRunner.run(["tariff", "rates", "--tariff", path, "--from", "2026-05-31T21:30:00Z", "--to", "2026-05-31T22:30:00Z"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.filter { $0.contains("dynamic forecast") && $0.hasSuffix("0.90") }.count == 2)
        #expect(lines.filter { $0.contains("dynamic ") && !$0.contains("forecast") && $0.hasSuffix("1.00") }.count == 2)
        let json = try CLIRunner.run(["tariff", "rates", "--tariff", path, "--from", "2026-06-07T21:00:00Z", "--to", "2026-06-08T00:00:00Z", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let data = try #require(object["data"] as? [[String: Any]])
        #expect(data.allSatisfy { ($0["tariff"] as? [String: Any])?["confidence"] as? Double == 0.3 })
        #expect((object["gaps"] as? [[String: String]])?.first?["valid_from"] == "2026-06-07T22:00:00Z")
        #expect(json.stderr.contains("warning: no price is known for 2026-06-07T22:00:00Z-2026-06-08T00:00:00Z"))
        let chart = try CLIRunner.run(["tariff", "rates", "--tariff", path, "--from", "2026-06-01T00:00", "--to", "2026-06-01T01:00", "--format", "chart"])
        #expect(chart.stdout.contains("(forecast 90%)"))
        #expect(chart.stdout.contains("from 2026-06-01 00:00 +02:00 the prices are a forecast (confidence in brackets)"))
    }
}
