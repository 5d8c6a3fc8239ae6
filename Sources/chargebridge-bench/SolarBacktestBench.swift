import Foundation
import SolarBacktest
import TestSupport

/// `solar.backtest.*`: the solar backtest (docs/benchmarks.md): May 2026 on the real DE-LU
/// 15-minute prices, a car at home plugged in every evening at 18:00 for the next day's 18:00,
/// planned by each strategy and executed against the modelled roof, house and weather.
func solarBacktestBench() async throws -> [BenchResult] {
    let scenario = MonthScenario()
    let tariff = try MonthScenario.exampleTariff(examplesFolder: RepositoryPrices.folder.deletingLastPathComponent())
    var backtest = scenario.backtest(prices: try scenario.importPrices(tariff))
    let strategies: [SolarBacktest.Strategy] = [.forecast, .forecastPlanOnly, .forecastSpread, .smartLive, .smartNoSolar, .atOnce]
    var outcomes: [String: SolarBacktest.Outcome] = [:]
    for strategy in strategies {
        outcomes[strategy.name] = try backtest.run(strategy)
    }
    backtest.perfectForecast = true
    let perfect = [try backtest.run(.forecast), try backtest.run(.forecastPlanOnly)]

    let sessions = backtest.sessions.count
    let weather = scenario.weatherDays().prefix(scenario.days + 1)
    var results: [BenchResult] = []
    for strategy in strategies {
        let outcome = outcomes[strategy.name]!
        results.append(BenchResult(bench: "solar.backtest.cost.\(strategy.name)", value: outcome.cost, unit: "EUR", stat: "total",
                                   runs: sessions, extra: ["average_price_per_kwh": outcome.averagePricePerKWh,
                                                           "shortfall_kwh": outcome.shortfallWh / 1000]))
        results.append(BenchResult(bench: "solar.backtest.energy.\(strategy.name)", value: outcome.energyWh / 1000, unit: "kWh",
                                   stat: "total", runs: sessions, extra: ["solar_kwh": outcome.solarWh / 1000,
                                                                     "planned_solar_kwh": outcome.plannedSolarWh / 1000]))
        results.append(BenchResult(bench: "solar.backtest.solar_share.\(strategy.name)", value: outcome.solarSharePercent, unit: "%",
                                   stat: "total", runs: sessions))
    }
    for outcome in perfect {
        results.append(BenchResult(bench: "solar.backtest.cost.\(outcome.strategy.name)_perfect", value: outcome.cost, unit: "EUR",
                                   stat: "total", runs: sessions,
                                   extra: ["solar_share_percent": outcome.solarSharePercent, "solar_kwh": outcome.solarWh / 1000,
                                           "planned_solar_kwh": outcome.plannedSolarWh / 1000]))
    }
    let forecast = outcomes["forecast"]!.cost
    for (name, other) in [("smart", "smart_no_solar"), ("smart_live", "smart_live"), ("at_once", "at_once")] {
        let base = outcomes[other]!.cost
        results.append(BenchResult(bench: "solar.backtest.saving_vs_\(name)", value: base - forecast, unit: "EUR", stat: "total",
                                   runs: sessions, extra: ["percent": base != 0 ? (base - forecast) / base * 100 : 0]))
    }
    let error = weather.reduce(0.0) { sum, day in
        sum + abs(day.forecastClearness - day.clearness)
    } / Double(weather.count)
    results.append(BenchResult(bench: "solar.backtest.days", value: Double(sessions), unit: "days", stat: "total", runs: sessions,
                               extra: ["sunny": Double(weather.filter { $0.kind == .sunny }.count),
                                       "mixed": Double(weather.filter { $0.kind == .mixed }.count),
                                       "overcast": Double(weather.filter { $0.kind == .overcast }.count),
                                       "forecast_clearness_mae": error,
                                       "pv_kwh": backtest.site.pvW.reduce(0, +) * backtest.site.stepSeconds / 3_600_000,
                                       "house_kwh": backtest.site.houseW.reduce(0, +) * backtest.site.stepSeconds / 3_600_000]))
    return results
}
