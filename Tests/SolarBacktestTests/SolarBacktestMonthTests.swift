import Foundation
import Planning
import SolarBacktest
import Tariffs
import Testing
import TestSupport

/// The backtest's month (May 2026 on the real DE-LU prices): the models' shapes and what a
/// perfect forecast guarantees.
@Suite struct SolarBacktestMonthTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static func local(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = berlin
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        return formatter.date(from: text)!
    }

    @Test func theRoofMakesABellFromSunriseToSunset() {
        let pv = PVSystem()
        let day = Self.local("2026-05-15T00:00:00")
        let watts = (0..<1_440).map { pv.clearSkyW(at: day.addingTimeInterval(Double($0) * 60)) }
        let peak = watts.max()!
        let peakMinute = watts.firstIndex(of: peak)!
        // 8 kWp at 50° N in mid-May: about 6 kW around 13:20 local (solar noon at 8.7° E in summer time).
        #expect(peak > 5_500 && peak < 6_600, "peak \(peak) W")
        #expect((12 * 60 + 45)...(13 * 60 + 50) ~= peakMinute, "peak at minute \(peakMinute)")
        // Dark at night; the sun rises about 05:30 and sets about 21:10 local.
        #expect(watts[3 * 60] == 0 && watts[23 * 60] == 0)
        #expect(watts[5 * 60 + 15] == 0 && watts[6 * 60] > 0)
        #expect(watts[20 * 60 + 45] > 0 && watts[21 * 60 + 30] == 0)
        // Rising all morning, falling all afternoon.
        #expect(zip(watts[(6 * 60)..<peakMinute], watts[(6 * 60 + 1)...peakMinute]).allSatisfy { $0 <= $1 + 1e-9 })
        #expect(zip(watts[peakMinute..<(21 * 60)], watts[(peakMinute + 1)...(21 * 60)]).allSatisfy { $0 + 1e-9 >= $1 })
        let energyKWh = watts.reduce(0, +) / 60 / 1000
        #expect(energyKWh > 40 && energyKWh < 60, "\(energyKWh) kWh on a clear day")
    }

    @Test func theMonthHasEveryKindOfDayAndRepeats() {
        let scenario = MonthScenario()
        let days = scenario.weatherDays()
        for kind in [DayWeather.Kind.sunny, .mixed, .overcast] {
            #expect(days.contains { $0.kind == kind }, "no \(kind) day")
        }
        #expect(days == scenario.weatherDays())
        let sunny = days.filter { $0.kind == .sunny }.map(\.clearness)
        let overcast = days.filter { $0.kind == .overcast }.map(\.clearness)
        #expect(sunny.min()! > overcast.max()!)
        #expect(days.allSatisfy { (0.05...1).contains($0.forecastClearness) })
        #expect(days.contains { abs($0.forecastClearness - $0.clearness) > 0.05 }, "the forecast is never off")
        // The house: about 300 W at night, 12.5 kWh on a usual day, more with the appliances.
        let house = HouseModel()
        #expect(house.usualW(minuteOfDay: 3 * 60) == 300)
        let usualKWh = (0..<1_440).reduce(0.0) { $0 + house.usualW(minuteOfDay: Double($1)) } / 60 / 1000
        #expect(abs(usualKWh - 12.5) < 0.1, "\(usualKWh) kWh")
    }

    static func month(stepSeconds: Double) throws -> SolarBacktest {
        var scenario = MonthScenario()
        scenario.stepSeconds = stepSeconds
        let tariff = try MonthScenario.exampleTariff(examplesFolder: RepositoryPrices.folder.deletingLastPathComponent())
        return scenario.backtest(prices: try scenario.importPrices(tariff))
    }

    @Test func everyStrategyChargesWhatEachSessionNeeds() throws {
        let backtest = try Self.month(stepSeconds: 300)
        #expect(backtest.sessions.count == 30)
        let needed = backtest.sessions.reduce(0) { $0 + $1.energyWh }
        for strategy in [SolarBacktest.Strategy.forecast, .forecastPlanOnly, .smartLive, .smartNoSolar, .atOnce] {
            let outcome = try backtest.run(strategy)
            #expect(outcome.shortfallWh < 1e-3, "\(strategy.name) short by \(outcome.shortfallWh) Wh")
            #expect(abs(outcome.energyWh - needed) < 1e-3)
            #expect(outcome.solarWh >= 0 && outcome.solarWh <= outcome.energyWh)
            print(String(format: "solar backtest, %@: %.2f EUR for %.1f kWh, %.1f %% solar", strategy.name, outcome.cost,
                         outcome.energyWh / 1000, outcome.solarSharePercent))
        }
    }

    /// With the real surplus as the forecast and the surplus steady within each quarter-hour
    /// (steps of 15 minutes), the forecast plan's cost is what it pays, and the price plan is
    /// one the forecast plan could have chosen: no session may cost more with the forecast.
    @Test func aPerfectForecastIsNeverDearerThanThePricePlan() throws {
        var backtest = try Self.month(stepSeconds: 900)
        backtest.perfectForecast = true
        let forecast = try backtest.run(.forecastPlanOnly)
        let prices = try backtest.run(.smartNoSolar)
        for (a, b) in zip(forecast.sessions, prices.sessions) {
            #expect(a.cost <= b.cost + 1e-6, "\(Timestamp.format(a.session.plugIn)): \(a.cost) with the forecast, \(b.cost) without")
            #expect(abs(a.energyWh - b.energyWh) < 1e-3)
        }
        #expect(forecast.cost < prices.cost, "the sun saves nothing in a whole May")
    }
}
