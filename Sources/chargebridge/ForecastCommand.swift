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
        switch format.value {
        case .json:
            print(JSONOutput.text(BacktestResponse(prices: prices, unit: unit, timeZone: timeZone, report: report).document))
        default:
            print("Walk-forward backtest of \(prices): \(report.origins) forecast origins, \(report.firstOrigin!) to \(report.lastOrigin!) (\(timeZone))")
            print("Mean absolute error in \(unit) per quarter-hour; seasonal naive = the same quarter-hour one week earlier.")
            print("")
            var rows = [["day ahead", "forecast MAE", "seasonal-naive MAE", "improvement"]]
            for horizon in report.horizons {
                rows.append(["\(horizon.day)", String(format: "%.2f", horizon.forecastMAE), String(format: "%.2f", horizon.seasonalNaiveMAE),
                             String(format: "%.1f %%", horizon.improvementPercent)])
            }
            rows.append(["1-7", String(format: "%.2f", report.forecastMAE), String(format: "%.2f", report.seasonalNaiveMAE),
                         String(format: "%.1f %%", report.improvementPercent)])
            print(TextTable(rows: rows, rightAligned: [1, 2, 3]).render())
        }
    }
}

/// `forecast backtest --format json`.
struct BacktestResponse {
    struct Horizon {
        var day: Int
        var forecast_mae: Double
        var seasonal_naive_mae: Double
        var improvement_percent: Double
        var quarter_hours: Int
    }

    var object = "forecast_backtest"
    var prices: String
    var unit: String
    var timezone: String
    var origins: Int
    var first_origin: String?
    var last_origin: String?
    var horizons: [Horizon]
    var forecast_mae: Double
    var seasonal_naive_mae: Double
    var improvement_percent: Double

    init(prices: String, unit: String, timeZone: String, report: ForecastBacktest.Report) {
        self.prices = prices
        self.unit = unit
        timezone = timeZone
        origins = report.origins
        first_origin = report.firstOrigin?.description
        last_origin = report.lastOrigin?.description
        horizons = report.horizons.map {
            Horizon(day: $0.day, forecast_mae: rounded($0.forecastMAE, places: 3), seasonal_naive_mae: rounded($0.seasonalNaiveMAE, places: 3),
                    improvement_percent: rounded($0.improvementPercent, places: 2), quarter_hours: $0.count)
        }
        forecast_mae = rounded(report.forecastMAE, places: 3)
        seasonal_naive_mae = rounded(report.seasonalNaiveMAE, places: 3)
        improvement_percent = rounded(report.improvementPercent, places: 2)
    }

    var document: DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [
            ("object", .string(object)), ("prices", .string(prices)), ("unit", .string(unit)), ("timezone", .string(timezone)),
            ("origins", .number(Double(origins))),
        ]
        // Absent, not null, without origins.
        if let first_origin { members.append(("first_origin", .string(first_origin))) }
        if let last_origin { members.append(("last_origin", .string(last_origin))) }
        members += [
            ("horizons", .array(horizons.map { horizon in
                .object([("day", .number(Double(horizon.day))), ("forecast_mae", .number(horizon.forecast_mae)),
                         ("seasonal_naive_mae", .number(horizon.seasonal_naive_mae)),
                         ("improvement_percent", .number(horizon.improvement_percent)), ("quarter_hours", .number(Double(horizon.quarter_hours)))])
            })),
            ("forecast_mae", .number(forecast_mae)), ("seasonal_naive_mae", .number(seasonal_naive_mae)),
            ("improvement_percent", .number(improvement_percent)),
        ]
        return .object(members)
    }
}
