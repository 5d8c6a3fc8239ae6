import Foundation
import Tariffs
import TestSupport

/// `forecast.fit`: learning the 7-day forecast from the real 15-minute history (what a
/// tariff load or a price update costs); `forecast.backtest.60min`: the whole walk-forward
/// over 8.7 years of hourly prices; `forecast.backtest.improvement.*`: the mean improvement
/// over seasonal naive, days 1-7 (percent; the goal is 35), the 15-minute file also with the
/// hourly file's earlier years as learning history (`forecast backtest --history`).
func forecastBench() async throws -> [BenchResult] {
    let quarterHours = try SpotPriceSeries.load(csvPath: RepositoryPrices.url(RepositoryPrices.quarterHours).path).series
    let hours = try SpotPriceSeries.load(csvPath: RepositoryPrices.url(RepositoryPrices.hours).path).series
    let forecaster = PriceForecaster(calendar: ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!))
    var rows = 0
    let fit = medianSeconds(runs: 20) { rows = forecaster.forecast(quarterHours).count }
    precondition(rows == 7 * 96)
    var report15: ForecastBacktest.Report?
    var report60: ForecastBacktest.Report?
    let backtest = medianSeconds(runs: 3, warmup: 1) { report60 = ForecastBacktest(forecaster: forecaster).run(hours) }
    _ = medianSeconds(runs: 1, warmup: 0) { report15 = ForecastBacktest(forecaster: forecaster).run(quarterHours) }
    // The same origins as the 15-minute file alone (a week after its first local day).
    let firstOrigin = forecaster.calendar.localDate(of: quarterHours.firstStart!).adding(days: 8)
    let report15History = ForecastBacktest(forecaster: forecaster).run(quarterHours.prependingHistory(hours), from: firstOrigin)
    precondition(report15History.origins == report15!.origins)
    // Per season of the hourly file's forecast days (days 1-7): below seasonal naive in summer
    // (the goal is 30), and below the best of the four baselines in each season (the goal is > 0).
    let summer = report60!.errors(.summer).total
    let seasons = ForecastBacktest.Season.allCases.map { season in
        let errors = report60!.errors(season).total
        return BenchResult(bench: "forecast.backtest.vs_best_baseline.\(season.rawValue)", value: (errors.improvementOverBestBaselinePercent * 10).rounded() / 10,
                           unit: "%", stat: "walk-forward", runs: errors.count / 96, target: 0)
    }
    // Weekend sessions over the hourly file: the extra cost over perfect foresight (percent).
    let sessions = ForecastSessions(forecaster: forecaster).run(hours)
    return seasons + [
        BenchResult(bench: "forecast.sessions.extra.forecast", value: (sessions.forecastExtraPercent * 10).rounded() / 10,
                    unit: "%", stat: "weekends", runs: sessions.sessions.count),
        BenchResult(bench: "forecast.sessions.extra.known_only", value: (sessions.knownOnlyExtraPercent * 10).rounded() / 10,
                    unit: "%", stat: "weekends", runs: sessions.sessions.count),
        BenchResult(bench: "forecast.backtest.improvement.summer", value: (summer.improvementPercent * 10).rounded() / 10,
                    unit: "%", stat: "walk-forward", runs: summer.count / 96, target: 30),
        BenchResult(bench: "forecast.fit", value: fit, unit: "s", stat: "median", runs: 20, target: 0.05),
        BenchResult(bench: "forecast.backtest.60min", value: backtest, unit: "s", stat: "median", runs: 3, target: 5),
        BenchResult(bench: "forecast.backtest.improvement.15min", value: (report15!.improvementPercent * 10).rounded() / 10,
                    unit: "%", stat: "walk-forward", runs: report15!.origins, target: 35),
        BenchResult(bench: "forecast.backtest.improvement.15min+history", value: (report15History.improvementPercent * 10).rounded() / 10,
                    unit: "%", stat: "walk-forward", runs: report15History.origins, target: 35),
        BenchResult(bench: "forecast.backtest.improvement.60min", value: (report60!.improvementPercent * 10).rounded() / 10,
                    unit: "%", stat: "walk-forward", runs: report60!.origins, target: 35),
    ]
}
