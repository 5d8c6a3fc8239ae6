import Foundation
import Planning
import SolarBacktest
import Tariffs
import Testing

/// The backtest's accounting on two days small enough to work out by hand.
///
/// The site (UTC): the roof gives 5 kW from 10:00 to 14:00, the house draws 1 kW all the time,
/// so the surplus is 4 kW from 10:00 to 14:00 and nothing otherwise. Import costs 0.30 per kWh,
/// 0.20 from 15:00 to 16:00; export earns 0.08. A car plugs in at 18:00 and needs 10 kWh by
/// 18:00 the next day, on a charger told any power from 1 to 10 kW; two such days.
@Suite struct SolarBacktestAccountingTests {
    static let start = Timestamp.parse("2026-05-01T00:00:00Z")!

    static func hour(_ date: Date) -> Double {
        date.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) / 3_600
    }

    static func backtest(charger: Charger? = .power(minPowerW: 1_000, maxPowerW: 10_000)) -> SolarBacktest {
        let end = start.addingTimeInterval(2 * 86_400 + 18 * 3_600)
        let pv: (Date) -> Double = { (10..<14).contains(hour($0)) ? 5_000 : 0 }
        let site = SiteSeries(start: start, end: end, stepSeconds: 60, pvW: pv, houseW: { _ in 1_000 },
                              forecastPVW: pv, forecastHouseW: { _ in 1_000 })
        let prices = stride(from: 0.0, to: end.timeIntervalSince(start), by: 900).map { offset -> RateSlice in
            let from = start.addingTimeInterval(offset)
            return RateSlice(start: from, end: from.addingTimeInterval(900),
                             pricePerKWh: (15..<16).contains(hour(from)) ? 0.20 : 0.30, type: .dynamic)
        }
        let sessions = (0..<2).map { day in
            SolarBacktest.Session(plugIn: start.addingTimeInterval(Double(day) * 86_400 + 18 * 3_600),
                                  departure: start.addingTimeInterval(Double(day + 1) * 86_400 + 18 * 3_600), energyWh: 10_000)
        }
        return SolarBacktest(site: site, prices: prices, exportPricePerKWh: 0.08, connectionW: 20_000, maxPowerW: 10_000,
                             charger: charger, sessions: sessions)
    }

    static func expect(_ outcome: SolarBacktest.Outcome, cost: Double, solarWh: Double) {
        #expect(abs(outcome.energyWh - 20_000) < 1e-6, "\(outcome.strategy.name): \(outcome.energyWh) Wh")
        #expect(abs(outcome.solarWh - solarWh) < 1e-6, "\(outcome.strategy.name): \(outcome.solarWh) Wh solar")
        #expect(abs(outcome.cost - cost) < 1e-9, "\(outcome.strategy.name): \(outcome.cost)")
        for session in outcome.sessions {
            #expect(abs(session.cost - cost / 2) < 1e-9)
        }
    }

    @Test func atOnceChargesFromThePlugInAtTheImportPrice() throws {
        // 10 kW from 18:00 to 19:00, no sun: 10 kWh x 0.30 = 3.00 a day.
        Self.expect(try Self.backtest().run(.atOnce), cost: 6.00, solarWh: 0)
    }

    @Test func thePricePlanTakesTheCheapHourAndNoSun() throws {
        // The cheapest hour, 15:00-16:00, at 10 kW, after the sun: 10 kWh x 0.20 = 2.00 a day.
        Self.expect(try Self.backtest().run(.smartNoSolar), cost: 4.00, solarWh: 0)
    }

    @Test func theLiveSurplusFillsTheCarBeforeItsPlan() throws {
        // Planned for 15:00, but from 10:00 the car takes the 4 kW surplus and has its 10 kWh by
        // 12:30, all of it solar: 10 kWh x 0.08 = 0.80 a day; its plan shrinks at each re-plan.
        let outcome = try Self.backtest().run(.smartLive)
        Self.expect(outcome, cost: 1.60, solarWh: 20_000)
        #expect(abs(outcome.solarSharePercent - 100) < 1e-9)
        #expect(outcome.sessions.allSatisfy { $0.plans > 1 })
    }

    @Test func theForecastPlanChargesFromTheSun() throws {
        // The forecast (here the real surplus) shows 4 kW from 10:00 to 14:00, 16 kWh at 0.08: the
        // plan takes its 10 kWh there and expects all of it from the sun.
        var backtest = Self.backtest()
        backtest.perfectForecast = true
        let outcome = try backtest.run(.forecastPlanOnly)
        #expect(abs(outcome.plannedSolarWh - 20_000) < 1e-6, "\(outcome.plannedSolarWh) Wh planned from the sun")
        // Whatever the layout within those hours, each kWh costs 0.08 from the sun or 0.30 from the grid.
        let solar = outcome.solarWh
        #expect(abs(outcome.cost - (solar * 0.08 + (outcome.energyWh - solar) * 0.30) / 1000) < 1e-9)
        #expect(abs(outcome.energyWh - 20_000) < 1e-6)
        // Charged at most at the surplus's 4 kW (each quarter's energy drawn evenly over it),
        // all 10 kWh come from the sun: 0.80 a day, as planned.
        Self.expect(outcome, cost: 1.60, solarWh: 20_000)
        #expect(abs(outcome.solarWh - outcome.plannedSolarWh) < 1e-6)
    }
}
