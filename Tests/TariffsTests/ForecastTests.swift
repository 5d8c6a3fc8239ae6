import Foundation
import Testing
import TestSupport
@testable import Tariffs

@Suite struct ForecastTests {
    private static let berlin = ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!)
    /// The shared 15-minute file, read once.
    private static let quarterHours = try! SpotPriceSeries.load(csvPath: RepositoryPrices.url(RepositoryPrices.quarterHours).path).series

    /// The shared 15-minute prices, cut so that the last known price ends at `end`.
    private func history(until end: String) throws -> SpotPriceSeries {
        let full = Self.quarterHours
        let cut = Fixtures.at(end)
        return try SpotPriceSeries(rows: full.rows.filter { $0.end <= cut }, source: "prices")
    }

    @Test func forecastCoversSevenLocalDaysAcrossTheSpringChange() throws {
        // The last price ends at local midnight on Thursday 2026-03-26; the week after holds the
        // 23-hour Sunday 2026-03-29, so seven local days are 167 hours of quarter-hours.
        let series = try history(until: "2026-03-25T23:00:00Z")
        let rows = PriceForecaster(calendar: Self.berlin).forecast(series)
        #expect(rows.first?.start == Fixtures.at("2026-03-25T23:00:00Z"))
        #expect(rows.count == 7 * 96 - 4)
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(a.end == b.start)
        }
        #expect(rows.last?.end == Self.berlin.startOfDay(CivilDate("2026-04-02")!))
        let sunday = rows.filter { Self.berlin.localDate(of: $0.start) == CivilDate("2026-03-29")! }
        #expect(sunday.count == 92)
        #expect(sunday.allSatisfy { $0.confidence == 0.6 }) // Thursday is day 1
        #expect(rows.allSatisfy { $0.price.isFinite && $0.end.timeIntervalSince($0.start) == 900 })
    }

    @Test func aHistoryEndingAtMiddayIsForecastToTheEndOfTheSeventhLocalDay() throws {
        // The last price ends at 13:00 Berlin on Tuesday 2026-02-10: day 1 is the rest of Tuesday.
        let rows = PriceForecaster(calendar: Self.berlin).forecast(try history(until: "2026-02-10T12:00:00Z"))
        #expect(rows.first?.start == Fixtures.at("2026-02-10T12:00:00Z"))
        #expect(rows.first?.confidence == 0.9)
        #expect(rows.last?.end == Fixtures.at("2026-02-16T23:00:00Z"))
        #expect(rows.count == 6 * 96 + 44)
        #expect(rows.last?.confidence == 0.3)
    }

    @Test func confidenceFallsDayByDay() {
        let values = (1...7).map(PriceForecaster.confidence(horizon:))
        #expect(values == [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    }

    @Test func forecastIsDeterministic() throws {
        let series = try history(until: "2026-02-01T23:00:00Z")
        let forecaster = PriceForecaster(calendar: Self.berlin)
        #expect(forecaster.forecast(series) == forecaster.forecast(series))
    }

    @Test func aHistoryShorterThanAWeekGivesNoForecast() throws {
        let rows = try history(until: "2025-10-05T22:00:00Z")
        #expect(PriceForecaster(calendar: Self.berlin).forecast(rows).isEmpty)
        let tariff = try Fixtures.load("""
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": [{"start": "2025-10-06T22:00:00Z", "end": "2025-10-06T22:15:00Z", "price": 100}], "unit": "EUR/MWh"}}
        """).importTariff!
        let timeline = tariff.rates(from: Fixtures.at("2025-10-06T22:00:00Z"), to: Fixtures.at("2025-10-07T22:00:00Z"))
        #expect(timeline.gaps == [PriceGap(start: Fixtures.at("2025-10-06T22:15:00Z"), end: Fixtures.at("2025-10-07T22:00:00Z"))])
    }

    @Test func holesInsideTheHistoryStayGaps() throws {
        // The 60-minute file misses the repeated hour of 2017-10-29; the forecast never fills it.
        let tariff = try Fixtures.dynamicTariff(file: RepositoryPrices.hours)
        let timeline = tariff.rates(from: Fixtures.at("2017-10-29T21:00:00Z"), to: Fixtures.at("2017-10-30T00:00:00Z"))
        #expect(timeline.gaps == [PriceGap(start: Fixtures.at("2017-10-29T22:00:00Z"), end: Fixtures.at("2017-10-29T23:00:00Z"))])
        #expect(timeline.slices.allSatisfy { $0.confidence == 1 })
    }

    @Test func forecastKeyMustBeTrueOrFalse() {
        let tariff = { (value: String) in """
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": [{"start": "2025-10-06T22:00:00Z", "end": "2025-10-06T22:15:00Z", "price": 100}], "forecast": \(value)}}
        """ }
        #expect(Fixtures.error(tariff(#""sometimes""#)) == "dynamic.forecast: must be true or false, found 'sometimes'")
        #expect(Fixtures.error(tariff("3")) == "dynamic.forecast: must be true or false, found a number")
        #expect(Fixtures.error(tariff("false")) == nil)
        #expect(Fixtures.error(tariff("true")) == nil)
    }

    @Test func ratesPastTheDataAreTheForecastPlusChargesAndVAT() throws {
        let tariff = try Fixtures.dynamicTariff()
        let dynamic = try #require(tariff.dynamic)
        let forecast = dynamic.forecast
        #expect(forecast.count == 7 * 96)
        let timeline = tariff.rates(from: Fixtures.at("2026-06-02T00:00:00Z"), to: Fixtures.at("2026-06-03T00:00:00Z"))
        #expect(timeline.gaps.isEmpty)
        for row in forecast where row.start >= timeline.from && row.start < timeline.to {
            let slice = try #require(timeline.slice(at: row.start))
            #expect(abs(slice.pricePerKWh - (row.price / 1000 + 0.12) * 1.19) < 1e-12)
            #expect(slice.confidence == row.confidence)
        }
    }

    @Test func replacingSpotPricesLearnsTheForecastAgain() throws {
        let tariff = try Fixtures.dynamicTariff()
        let shorter = try history(until: "2026-05-24T22:00:00Z")
        let replaced = try #require(tariff.replacingSpotPrices(shorter))
        #expect(replaced.dynamic?.forecast.first?.start == Fixtures.at("2026-05-24T22:00:00Z"))
        #expect(replaced.rates(from: Fixtures.at("2026-05-25T00:00:00Z"), to: Fixtures.at("2026-05-25T01:00:00Z")).slices.allSatisfy { $0.isForecast })
    }

    @Test(arguments: [
        ("2026-04-03", true), ("2026-04-06", true), ("2026-05-14", true), ("2026-05-25", true), ("2025-10-03", true),
        ("2025-12-25", true), ("2026-01-01", true), ("2026-04-07", false), ("2025-10-02", false),
    ])
    func germanPublicHolidays(date: String, isHoliday: Bool) {
        #expect(MarketHolidays(zone: "DE-LU").contains(CivilDate(date)!) == isHoliday)
    }

    @Test func backtestMatchesTheLiveForecastAtItsOrigin() throws {
        // The backtest's day-1 error for one origin equals the error of the forecast the
        // tariff would have shown with the prices known then: nothing after the origin is used.
        let full = Self.quarterHours
        let origin = CivilDate("2026-02-11")!
        let originInstant = Self.berlin.startOfDay(origin)
        let known = try SpotPriceSeries(rows: full.rows.filter { $0.end <= originInstant }, source: "prices")
        let forecaster = PriceForecaster(calendar: Self.berlin)
        let live = forecaster.forecast(known).filter { Self.berlin.localDate(of: $0.start) == origin }
        #expect(live.count == 96)
        var error = 0.0
        for row in live {
            let actual = try #require(full.rows.first { $0.start == row.start })
            error += abs(actual.price - row.price)
        }
        let report = ForecastBacktest(forecaster: forecaster).run(full, from: origin, to: origin)
        #expect(report.origins == 1)
        #expect(abs(report.horizons[0].forecastMAE - error / 96) < 1e-9)
        // And the same report comes from a history that ends a week after the origin.
        let cut = try SpotPriceSeries(rows: full.rows.filter { $0.end <= originInstant.addingTimeInterval(7 * 86_400) }, source: "prices")
        #expect(ForecastBacktest(forecaster: forecaster).run(cut, from: origin, to: origin) == report)
    }

    @Test func dayOneIsTheFirstDayNotYetPublished() throws {
        // After the auction of Monday 2026-02-09 (about 12:45 Berlin) the prices are known to the
        // end of Tuesday 2026-02-10; the next auction publishes Wednesday. A forecast made then
        // is the backtest's origin 2026-02-11: its day 1 is Wednesday, and it uses Tuesday's
        // prices (not pessimistic: moving them moves the forecast) and nothing later (not
        // optimistic: Wednesday's and later prices do not move it).
        let full = Self.quarterHours
        let origin = CivilDate("2026-02-11")!
        let start = Self.berlin.startOfDay(origin)
        let forecaster = PriceForecaster(calendar: Self.berlin)
        let known = full.rows.filter { $0.end <= start }
        let forecast = forecaster.forecast(try SpotPriceSeries(rows: known, source: "prices"))
        #expect(forecast.first?.start == start && forecast.first?.confidence == 0.9)
        let tuesday = Self.berlin.startOfDay(origin.adding(days: -1))
        let movedTuesday = known.map { row in
            SpotPriceSeries.Row(start: row.start, end: row.end, price: row.start >= tuesday ? row.price + 50 : row.price)
        }
        let moved = forecaster.forecast(try SpotPriceSeries(rows: movedTuesday, source: "prices"))
        #expect(zip(forecast, moved).prefix(96).contains { abs($0.price - $1.price) > 1 })
        // The backtest at that origin: the same day-1 forecast whatever came after it.
        let later = full.rows.map { row in
            SpotPriceSeries.Row(start: row.start, end: row.end, price: row.start >= start ? row.price * 2 : row.price)
        }
        let backtest = ForecastBacktest(forecaster: forecaster)
        let report = backtest.run(full, from: origin, to: origin)
        let doubled = backtest.run(try SpotPriceSeries(rows: later, source: "prices"), from: origin, to: origin)
        var error = 0.0, doubledError = 0.0
        for row in forecast.prefix(96) {
            let actual = try #require(full.rows.first { $0.start == row.start }).price
            error += abs(actual - row.price)
            doubledError += abs(actual * 2 - row.price)
        }
        #expect(abs(report.horizons[0].forecastMAE - error / 96) < 1e-9)
        #expect(abs(doubled.horizons[0].forecastMAE - doubledError / 96) < 1e-9)
    }

    @Test func seasonalNaiveIsTheQuarterHourOneWeekEarlier() throws {
        let full = Self.quarterHours
        let origin = CivilDate("2026-02-11")!
        let report = ForecastBacktest(forecaster: PriceForecaster(calendar: Self.berlin)).run(full, from: origin, to: origin)
        for horizon in report.horizons {
            let day = Self.berlin.startOfDay(origin.adding(days: horizon.day - 1))
            var error = 0.0
            for quarter in 0..<96 {
                let instant = day.addingTimeInterval(Double(quarter) * 900)
                let actual = try #require(full.rows.first { $0.start == instant }).price
                let weekEarlier = try #require(full.rows.first { $0.start == instant.addingTimeInterval(-7 * 86_400) }).price
                error += abs(actual - weekEarlier)
            }
            #expect(horizon.count == 96)
            #expect(abs(horizon.seasonalNaiveMAE - error / 96) < 1e-9)
        }
    }

    @Test func forecastBeatsSeasonalNaiveOverEightWeeks() throws {
        let full = Self.quarterHours
        let report = ForecastBacktest(forecaster: PriceForecaster(calendar: Self.berlin))
            .run(full, from: CivilDate("2026-03-01")!, to: CivilDate("2026-04-25")!)
        #expect(report.origins == 56)
        #expect(report.horizons[0].improvementPercent > 15)
        #expect(report.improvementPercent > 5)
    }

    @Test func baselinesPredictWhatTheirRulesSay() throws {
        // Five weeks of hourly prices in UTC from Sunday 2026-02-01, flat within a day: day d
        // costs d, and the second week (days 7-13) 100 more. At the origin 2026-03-01 (day 28)
        // the target of day ahead h is day 27 + h, so by hand:
        // - seasonal naive: day 20 + h, error 7;
        // - the four weeks: days 20 + h, 13 + h, 6 + h (+100) and h - 1; mean 34.5 + h, error 7.5;
        //   median (13 + h + 20 + h) / 2, error 10.5;
        // - yesterday: day 27, error h.
        let utc = ZoneCalendar(timeZone: TimeZone(identifier: "UTC")!)
        let start = utc.startOfDay(CivilDate("2026-02-01")!)
        let rows = (0..<(35 * 24)).map { hour in
            let day = hour / 24
            return SpotPriceSeries.Row(
                start: start.addingTimeInterval(Double(hour) * 3600), end: start.addingTimeInterval(Double(hour + 1) * 3600),
                price: Double(day) + ((7...13).contains(day) ? 100 : 0))
        }
        let series = try SpotPriceSeries(rows: rows, source: "prices")
        let report = ForecastBacktest(forecaster: PriceForecaster(calendar: utc)).run(series, from: CivilDate("2026-03-01")!, to: CivilDate("2026-03-01")!)
        #expect(report.origins == 1)
        for horizon in report.horizons {
            #expect(horizon.count == 96)
            #expect(abs(horizon.mae(.seasonalNaive) - 7) < 1e-9)
            #expect(abs(horizon.mae(.weekdayMean) - 7.5) < 1e-9)
            #expect(abs(horizon.mae(.weekdayMedian) - 10.5) < 1e-9)
            #expect(abs(horizon.mae(.yesterday) - Double(horizon.day)) < 1e-9)
        }
        #expect(abs(report.total.mae(.yesterday) - 4) < 1e-9)
        // The targets 2026-03-01..07 are spring days: the spring errors are the whole report's.
        #expect(report.errors(.spring).horizons == report.horizons)
        for season in [ForecastBacktest.Season.winter, .summer, .autumn] {
            #expect(report.errors(season).total.count == 0)
        }
        #expect(ForecastBacktest.Season(month: 12) == .winter && ForecastBacktest.Season(month: 6) == .summer)
    }

    @Test func weekendSessionsCostWhatTheirPlansSay() throws {
        // Five weeks of hourly prices in UTC from Sunday 2026-02-01: 100 every day, 10 on Sundays.
        // Plugged on Friday 2026-02-27 at 18:00: perfect foresight charges the 50 kWh on Sunday
        // (0.5 EUR); known prices only sees Friday night and Saturday at 100 and charges there
        // (5 EUR); the forecast has learned that Sundays are cheap and waits for Sunday.
        let utc = ZoneCalendar(timeZone: TimeZone(identifier: "UTC")!)
        let start = utc.startOfDay(CivilDate("2026-02-01")!)
        let rows = (0..<(35 * 24)).map { (hour: Int) -> SpotPriceSeries.Row in
            let price: Double = hour / 24 % 7 == 0 ? 10 : 100
            let begin = start.addingTimeInterval(Double(hour) * 3600)
            return SpotPriceSeries.Row(start: begin, end: begin.addingTimeInterval(3600), price: price)
        }
        let series = try SpotPriceSeries(rows: rows, source: "prices")
        let report = ForecastSessions(forecaster: PriceForecaster(calendar: utc)).run(series, from: CivilDate("2026-02-27")!, to: CivilDate("2026-02-27")!)
        #expect(report.sessions.map { (session: ForecastSessions.Session) in session.friday } == [CivilDate("2026-02-27")!])
        #expect(abs(report.perfectCost - 0.5) < 1e-9)
        #expect(abs(report.knownOnlyCost - 5) < 1e-9)
        #expect(abs(report.forecastCost - 0.5) < 1e-9)
        #expect(abs(report.knownOnlyExtraPercent - 900) < 1e-6)
        // Every Friday with a week before it and its Monday known: 2026-02-13, 02-20 and 02-27.
        #expect(ForecastSessions(forecaster: PriceForecaster(calendar: utc)).run(series).sessions.count == 3)
    }

    @Test func theBandIsCalibratedAndUsesOnlyThePast() throws {
        // Ten weeks of origins: about 80 % of the prices fall inside the adaptive band, the band
        // widens with the horizon, and a history cut a week after the last origin gives the same
        // report (baselines, band and all): nothing after an origin's seven days is used.
        let full = Self.quarterHours
        let from = CivilDate("2026-01-05")!, to = CivilDate("2026-03-15")!
        let backtest = ForecastBacktest(forecaster: PriceForecaster(calendar: Self.berlin))
        let report = backtest.run(full, from: from, to: to)
        #expect(report.origins == 70)
        #expect((0.72...0.88).contains(report.total.bandCoverage))
        #expect(report.horizons[6].bandWidth > report.horizons[0].bandWidth)
        #expect(report.horizons.allSatisfy { $0.bandCount > 0 && $0.bandCount <= $0.count })
        let cut = try SpotPriceSeries(rows: full.rows.filter { $0.end <= Self.berlin.startOfDay(to.adding(days: 7)) }, source: "prices")
        #expect(backtest.run(cut, from: from, to: to) == report)
    }
}
