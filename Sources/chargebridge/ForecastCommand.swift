import ArgumentParser
import Documents
import Foundation
import Tariffs

/// `chargebridge forecast ...`: the day-ahead price forecast.
struct ForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "The 7-day spot price forecast.",
        subcommands: [ForecastBacktestCommand.self]
    )
}

struct ForecastBacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Walk-forward error of the 7-day price forecast, days 1 to 7, beside the seasonal-naive forecast.",
        discussion: """
        At the start of every local day the forecast is fitted on the prices known then and predicts the \
        next seven days; the mean absolute error per quarter-hour (in the file's unit) is printed per day \
        ahead, beside the seasonal-naive forecast (the same local quarter-hour one week earlier), with the \
        improvement in percent. --from and --to limit the forecast origins (local dates); the history \
        before --from is still used for fitting.
        """
    )

    @Option(help: "A CSV of start,end,price rows, plain or gzip-compressed (such as Examples/prices/de-lu-dayahead-15min.csv.gz).")
    var prices: String

    @Option(help: FormatOption<TableOrJSON>.help)
    var format = FormatOption<TableOrJSON>(.table)

    @Option(name: .customLong("time-zone"), help: "The IANA time zone whose days and quarter-hours the model learns.")
    var timeZone: String = "Europe/Berlin"

    @Option(help: "The bidding zone, for its public holidays (DE-LU adds 3 October).")
    var zone: String = "DE-LU"

    @Option(help: "First forecast origin, a local date (YYYY-MM-DD).")
    var from: String?

    @Option(help: "Last forecast origin, a local date (YYYY-MM-DD).")
    var to: String?

    @Option(help: "A CSV of earlier prices (such as the 60-minute file) used for learning where --prices has none, that is before its first price only.")
    var history: String?

    @Option(name: .customLong("training-days"), help: "How many days of past forecasts the weights are fitted on.")
    var trainingDays: Int = PriceForecaster.defaultTrainingDays

    @Flag(help: "Also plan weekend sessions with the forecast: plugged Friday 18:00, needed Monday 07:00, 50 kWh at 3.7 kW, against perfect foresight and known prices only.")
    var sessions = false

    func run() async throws {
        guard let zoneInfo = TimeZone(identifier: timeZone) else {
            throw ValidationError("--time-zone: '\(timeZone)' is not an IANA time zone such as Europe/Berlin")
        }
        let fromDate = try from.map { text in
            guard let date = CivilDate(text) else { throw ValidationError("--from: '\(text)' is not a date YYYY-MM-DD") }
            return date
        }
        let toDate = try to.map { text in
            guard let date = CivilDate(text) else { throw ValidationError("--to: '\(text)' is not a date YYYY-MM-DD") }
            return date
        }
        let loaded: (series: SpotPriceSeries, priceColumn: String?)
        do {
            loaded = try SpotPriceSeries.load(csvPath: prices)
        } catch let error as TariffError {
            throw CLIError(error.description)
        }
        guard !loaded.series.rows.isEmpty else {
            throw CLIError("\(prices): the file holds no prices")
        }
        guard trainingDays >= 1 else {
            throw ValidationError("--training-days must be at least 1, not \(trainingDays)")
        }
        var series = loaded.series
        if let history {
            let earlier: SpotPriceSeries
            do {
                earlier = try SpotPriceSeries.load(csvPath: history).series
            } catch let error as TariffError {
                throw CLIError(error.description)
            }
            series = series.prependingHistory(earlier)
        }
        let forecaster = PriceForecaster(calendar: ZoneCalendar(timeZone: zoneInfo), holidays: MarketHolidays(zone: zone), trainingDays: trainingDays)
        // With an earlier history the origins stay those of --prices alone (a week after its first day).
        let firstOrigin = fromDate ?? (history == nil ? nil : forecaster.calendar.localDate(of: loaded.series.firstStart!).adding(days: 8))
        let report = ForecastBacktest(forecaster: forecaster).run(series, from: firstOrigin, to: toDate)
        guard report.origins > 0 else {
            throw CLIError("\(prices): too little history to backtest in the chosen window (a forecast needs at least 8 days before its origin and 7 known days after it)")
        }
        let unit = loaded.priceColumn ?? "price"
        let sessionReport = sessions ? ForecastSessions(forecaster: forecaster).run(series, from: firstOrigin, to: toDate) : nil
        switch format.value {
        case .json:
            var response = BacktestResponse(prices: prices, unit: unit, timeZone: timeZone, report: report)
            response.sessions = sessionReport
            print(JSONOutput.text(response.document))
        default:
            print("Walk-forward backtest of \(prices): \(report.origins) forecast origins, \(report.firstOrigin!) to \(report.lastOrigin!) (\(timeZone))")
            print("Mean absolute error in \(unit) per quarter-hour, beside four baselines that see the same past: seasonal naive = the")
            print("same quarter-hour one week earlier; 4-week mean and median = the same weekday and quarter-hour over the last four")
            print("weeks; yesterday = the last known day repeated. Improvement = below seasonal naive; vs best = below the best baseline.")
            print("")
            var rows = [["day ahead", "forecast MAE", "seasonal-naive MAE", "improvement", "4-week mean", "4-week median", "yesterday", "vs best"]]
            for horizon in report.horizons { rows.append(Self.cells(label: ["\(horizon.day)"], horizon)) }
            rows.append(Self.cells(label: ["1-7"], report.total))
            print(TextTable(rows: rows, rightAligned: Set(1...7)).render())
            print("")
            print("Per season of the forecast day (DJF = December-February):")
            print("")
            var seasonRows = [["season", "day ahead", "forecast MAE", "seasonal-naive MAE", "improvement", "4-week mean", "4-week median", "yesterday", "vs best"]]
            for season in report.seasons where season.total.count > 0 {
                for horizon in season.horizons { seasonRows.append(Self.cells(label: [season.season.rawValue, "\(horizon.day)"], horizon)) }
                seasonRows.append(Self.cells(label: [season.season.rawValue, "1-7"], season.total))
            }
            print(TextTable(rows: seasonRows, rightAligned: Set(2...8)).render())
            print("")
            print("Calibration: the band is a central range of the forecast's own errors at the same day ahead over the last")
            print("\(ForecastBacktest.bandDays) days known at the origin (from \(ForecastBacktest.bandMinimumDays) days of them), from the 10th to the 90th percentile, widened or narrowed")
            print("as forecasts are checked so that 80 % of the prices fall inside (adaptive conformal inference).")
            print("")
            var bandRows = [["day ahead", "band width", "inside band", "quarter-hours"]]
            for horizon in report.horizons + [report.total] {
                bandRows.append([horizon.day == 0 ? "1-7" : "\(horizon.day)", String(format: "%.2f", horizon.bandWidth),
                                 String(format: "%.1f %%", horizon.bandCoverage * 100), "\(horizon.bandCount)"])
            }
            print(TextTable(rows: bandRows, rightAligned: [1, 2, 3]).render())
            if let sessionReport { Self.printSessions(sessionReport, unit: unit) }
        }
    }

    static func printSessions(_ report: ForecastSessions.Report, unit: String) {
        print("")
        let span = report.sessions.first.map { " (\($0.friday) to \(report.sessions.last!.friday))" } ?? ""
        print("Weekend sessions: plugged Friday 18:00, needed Monday 07:00, 50 kWh at 3.7 kW; \(report.sessions.count) Fridays\(span).")
        print("Plans re-made as each day-ahead auction publishes (Saturday and Sunday 13:00); cost at the prices that came")
        print("(\(unit == "eur_per_mwh" ? "EUR" : "\(unit) x MWh"), spot only). Known prices only: the cheapest known quarter-hours, re-planned as more are known.")
        print("")
        var rows = [["plan", "total cost", "extra over perfect", "extra per session"]]
        rows.append(["perfect foresight", String(format: "%.2f", report.perfectCost), "", ""])
        rows.append(["forecast", String(format: "%.2f", report.forecastCost), String(format: "%.1f %%", report.forecastExtraPercent),
                     String(format: "%.3f", report.forecastExtraPerSession)])
        rows.append(["known prices only", String(format: "%.2f", report.knownOnlyCost), String(format: "%.1f %%", report.knownOnlyExtraPercent),
                     String(format: "%.3f", report.knownOnlyExtraPerSession)])
        print(TextTable(rows: rows, rightAligned: [1, 2, 3]).render())
    }

    /// A table row: the labels, the forecast's and the baselines' errors, the improvement over
    /// seasonal naive and over the best baseline.
    static func cells(label: [String], _ error: ForecastBacktest.HorizonError) -> [String] {
        label + [String(format: "%.2f", error.forecastMAE), String(format: "%.2f", error.seasonalNaiveMAE),
                 String(format: "%.1f %%", error.improvementPercent),
                 String(format: "%.2f", error.mae(.weekdayMean)), String(format: "%.2f", error.mae(.weekdayMedian)),
                 String(format: "%.2f", error.mae(.yesterday)), String(format: "%.1f %%", error.improvementOverBestBaselinePercent)]
    }
}

/// `forecast backtest --format json`.
struct BacktestResponse {
    var prices: String
    var unit: String
    var timezone: String
    var report: ForecastBacktest.Report
    var sessions: ForecastSessions.Report?

    init(prices: String, unit: String, timeZone: String, report: ForecastBacktest.Report) {
        self.prices = prices
        self.unit = unit
        timezone = timeZone
        self.report = report
    }

    /// One horizon (or days 1-7 together): the forecast's error, the baselines' and the improvements.
    static func members(_ error: ForecastBacktest.HorizonError) -> [(key: String, value: DocumentValue)] {
        [
            ("forecast_mae", .number(rounded(error.forecastMAE, places: 3))),
            ("seasonal_naive_mae", .number(rounded(error.seasonalNaiveMAE, places: 3))),
            ("improvement_percent", .number(rounded(error.improvementPercent, places: 2))),
            ("baselines", .object(ForecastBacktest.Baseline.allCases.map { ($0.rawValue, .number(rounded(error.mae($0), places: 3))) })),
            ("improvement_over_best_baseline_percent", .number(rounded(error.improvementOverBestBaselinePercent, places: 2))),
            ("quarter_hours", .number(Double(error.count))),
            ("band_coverage", .number(rounded(error.bandCoverage, places: 4))),
            ("band_width", .number(rounded(error.bandWidth, places: 3))),
            ("band_quarter_hours", .number(Double(error.bandCount))),
        ]
    }

    static func horizons(_ errors: [ForecastBacktest.HorizonError]) -> DocumentValue {
        .array(errors.map { .object([("day", .number(Double($0.day)))] + members($0)) })
    }

    var document: DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [
            ("object", .string("forecast_backtest")), ("prices", .string(prices)), ("unit", .string(unit)), ("timezone", .string(timezone)),
            ("origins", .number(Double(report.origins))),
        ]
        // Absent, not null, without origins.
        if let first = report.firstOrigin { members.append(("first_origin", .string(first.description))) }
        if let last = report.lastOrigin { members.append(("last_origin", .string(last.description))) }
        members.append(("horizons", Self.horizons(report.horizons)))
        members += Self.members(report.total)
        members.append(("seasons", .array(report.seasons.map { season in
            .object([("season", .string(season.season.rawValue)), ("horizons", Self.horizons(season.horizons))] + Self.members(season.total))
        })))
        if let sessions {
            members.append(("sessions", .object([
                ("count", .number(Double(sessions.sessions.count))),
                ("first_friday", sessions.sessions.first.map { .string($0.friday.description) } ?? .null),
                ("energy_kwh", .number(50)), ("power_kw", .number(3.7)),
                ("perfect_cost", .number(rounded(sessions.perfectCost, places: 3))),
                ("forecast_cost", .number(rounded(sessions.forecastCost, places: 3))),
                ("known_only_cost", .number(rounded(sessions.knownOnlyCost, places: 3))),
                ("forecast_extra_percent", .number(rounded(sessions.forecastExtraPercent, places: 2))),
                ("known_only_extra_percent", .number(rounded(sessions.knownOnlyExtraPercent, places: 2))),
            ])))
        }
        return .object(members)
    }
}
