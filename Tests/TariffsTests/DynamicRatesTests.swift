import Foundation
import Testing
import TestSupport
@testable import Tariffs

@Suite struct DynamicRatesTests {
    @Test func priceFormulaAddsChargesThenVAT() throws {
        let tariff = try Fixtures.load("""
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": [
            {"start": "2025-10-06T22:00:00Z", "end": "2025-10-06T22:15:00Z", "price": 100},
            {"start": "2025-10-06T22:15:00Z", "end": "2025-10-06T22:30:00Z", "price": -50}],
          "unit": "EUR/MWh", "charges": 0.12, "vat": 0.19}}
        """).importTariff!
        let slices = tariff.rates(from: Fixtures.at("2025-10-06T22:00:00Z"), to: Fixtures.at("2025-10-06T22:30:00Z")).slices
        #expect(slices.count == 2)
        #expect(abs(slices[0].pricePerKWh - (0.100 + 0.12) * 1.19) < 1e-12)
        #expect(abs(slices[1].pricePerKWh - (-0.050 + 0.12) * 1.19) < 1e-12)
        #expect(slices.allSatisfy { $0.type == .dynamic && $0.confidence == 1 })
    }

    @Test func perKWhUnitIsNotScaled() throws {
        let tariff = try Fixtures.load("""
        timeZone: Europe/Amsterdam
        currency: EUR
        tariffs: [{type: dynamic, currency: EUR}]
        dynamic:
          unit: EUR/kWh
          prices:
            - {start: "2025-10-06T22:00:00Z", end: "2025-10-06T23:00:00Z", price: 0.081}
        """, name: "inline.yaml").importTariff!
        let slice = try #require(tariff.rates(from: Fixtures.at("2025-10-06T22:00:00Z"), to: Fixtures.at("2025-10-06T23:00:00Z")).slices.first)
        #expect(slice.pricePerKWh == 0.081)
    }

    @Test func chargesZonesReplaceChargesInTheirHours() throws {
        let tariff = try Fixtures.dynamicTariff(extra: #", "chargesZones": [{"daysOfWeek": ["monday"], "startTime": "17:00", "endTime": "20:00", "charges": 0.20}]"#)
        // Monday 2025-10-06, 16:00-21:00 Berlin (UTC+2) = 14:00Z-19:00Z, 15-minute prices.
        let timeline = tariff.rates(from: Fixtures.at("2025-10-06T14:00:00Z"), to: Fixtures.at("2025-10-06T19:00:00Z"))
        #expect(timeline.gaps.isEmpty)
        let spot = try spotPrices(from: "2025-10-06T14:00:00Z", to: "2025-10-06T19:00:00Z")
        for (start, price) in spot {
            let slice = try #require(timeline.slice(at: start))
            let local = tariff.calendar.localDateAndMinute(of: start).minuteOfDay
            let charges = (17 * 60..<20 * 60).contains(local) ? 0.20 : 0.12
            #expect(abs(slice.pricePerKWh - (price / 1000 + charges) * 1.19) < 1e-12)
        }
    }

    @Test func longAutumnDayHasOneHundredQuarterHours() throws {
        let tariff = try Fixtures.dynamicTariff(charges: 0, vat: 0)
        let day = CivilDate("2025-10-26")!
        let from = tariff.calendar.startOfDay(day)
        let to = tariff.calendar.startOfDay(day.adding(days: 1))
        #expect(to.timeIntervalSince(from) == 25 * 3600)
        let timeline = tariff.rates(from: from, to: to)
        #expect(timeline.gaps.isEmpty)
        #expect(timeline.pricedSeconds == 25 * 3600)
        #expect(try spotPrices(from: Timestamp.format(from), to: Timestamp.format(to)).count == 100)
    }

    @Test func shortSpringDayHasNinetyTwoQuarterHours() throws {
        let tariff = try Fixtures.dynamicTariff(charges: 0, vat: 0)
        let day = CivilDate("2026-03-29")!
        let from = tariff.calendar.startOfDay(day)
        let to = tariff.calendar.startOfDay(day.adding(days: 1))
        #expect(to.timeIntervalSince(from) == 23 * 3600)
        let timeline = tariff.rates(from: from, to: to)
        #expect(timeline.gaps.isEmpty)
        #expect(timeline.pricedSeconds == 23 * 3600)
        #expect(try spotPrices(from: Timestamp.format(from), to: Timestamp.format(to)).count == 92)
    }

    @Test func hourlyToQuarterHourSwitchInOneFile() throws {
        let tariff = try Fixtures.dynamicTariff(charges: 0, vat: 0)
        // 2025-10-01 local midnight in Berlin is 2025-09-30T22:00Z: hourly before, 15-minute after.
        let timeline = tariff.rates(from: Fixtures.at("2025-09-30T20:00:00Z"), to: Fixtures.at("2025-09-30T23:00:00Z"))
        #expect(timeline.gaps.isEmpty)
        #expect(timeline.slices.first?.duration == 3600)
        let expected: [(String, Double, TimeInterval)] = [
            ("2025-09-30T21:30:00Z", 0.10352, 3600), ("2025-09-30T22:00:00Z", 0.10887, 900), ("2025-09-30T22:15:00Z", 0.09708, 900),
        ]
        for (instant, price, duration) in expected {
            let slice = try #require(timeline.slice(at: Fixtures.at(instant)))
            #expect(abs(slice.pricePerKWh - price) < 1e-12)
            #expect(slice.duration == duration)
        }
    }

    @Test func missingAutumnHoursAreReportedAsGaps() throws {
        let tariff = try Fixtures.dynamicTariff(file: RepositoryPrices.hours)
        let day = CivilDate("2017-10-29")!
        let timeline = tariff.rates(from: tariff.calendar.startOfDay(day), to: tariff.calendar.startOfDay(day.adding(days: 1)))
        #expect(timeline.gaps == [PriceGap(start: Fixtures.at("2017-10-29T22:00:00Z"), end: Fixtures.at("2017-10-29T23:00:00Z"))])
        #expect(timeline.pricedSeconds == 24 * 3600)
        #expect(timeline.slice(at: Fixtures.at("2017-10-29T22:30:00Z")) == nil)
    }

    @Test func windowBeyondTheDataIsForecastForSevenDaysThenAGap() throws {
        let tariff = try Fixtures.dynamicTariff()
        let lastEnd = Fixtures.at("2026-05-31T22:00:00Z")
        let timeline = tariff.rates(from: Fixtures.at("2026-05-31T21:00:00Z"), to: Fixtures.at("2026-06-09T00:00:00Z"))
        let sevenDaysLater = lastEnd.addingTimeInterval(7 * 86_400)
        #expect(timeline.gaps == [PriceGap(start: sevenDaysLater, end: Fixtures.at("2026-06-09T00:00:00Z"))])
        #expect(timeline.pricedSeconds == 3600 + 7 * 86_400)
        #expect(timeline.slices.filter { $0.start < lastEnd }.allSatisfy { $0.confidence == 1 && $0.end <= lastEnd })
        let forecast = timeline.slices.filter { $0.start >= lastEnd }
        #expect(forecast.allSatisfy { $0.type == .dynamic && $0.isForecast && $0.confidence > 0 })
        for (a, b) in zip(forecast, forecast.dropFirst()) {
            #expect(b.confidence <= a.confidence)
        }
        #expect(forecast.first?.confidence == 0.9)
        #expect(forecast.last?.confidence == 0.3)
    }

    @Test func windowBeyondTheDataIsOneGapWithForecastOff() throws {
        let tariff = try Fixtures.dynamicTariff(extra: #", "forecast": false"#)
        let timeline = tariff.rates(from: Fixtures.at("2026-05-31T21:00:00Z"), to: Fixtures.at("2026-06-01T06:00:00Z"))
        #expect(timeline.gaps == [PriceGap(start: Fixtures.at("2026-05-31T22:00:00Z"), end: Fixtures.at("2026-06-01T06:00:00Z"))])
        #expect(timeline.pricedSeconds == 3600)
    }

    @Test func negativePricesArePassedThrough() throws {
        let tariff = try Fixtures.dynamicTariff(charges: 0, vat: 0)
        let lowest = try #require(try spotPrices(from: "2025-09-29T22:00:00Z", to: "2026-05-31T22:00:00Z").min { $0.1 < $1.1 })
        #expect(lowest.1 == -498.65)
        let slice = try #require(tariff.rates(from: lowest.0, to: lowest.0.addingTimeInterval(60)).slices.first)
        #expect(slice.pricePerKWh == -0.49865)
    }

    @Test func slicesAgreeWithTheCSVEverywhereOverAWeek() throws {
        let tariff = try Fixtures.dynamicTariff()
        let spot = try spotPrices(from: "2026-02-02T00:00:00Z", to: "2026-02-09T00:00:00Z")
        let timeline = tariff.rates(from: Fixtures.at("2026-02-02T00:00:00Z"), to: Fixtures.at("2026-02-09T00:00:00Z"))
        #expect(spot.count == 672)
        #expect(timeline.pricedSeconds == 7 * 86_400)
        for (start, price) in spot {
            #expect(abs(timeline.slice(at: start.addingTimeInterval(450))!.pricePerKWh - (price / 1000 + 0.12) * 1.19) < 1e-12)
        }
        for (a, b) in zip(timeline.slices, timeline.slices.dropFirst()) {
            #expect(a.end == b.start)
            #expect(a.pricePerKWh != b.pricePerKWh)
        }
    }

    @Test func importAndExportInOneFile() throws {
        let set = try Fixtures.load("""
        {"import": {"timeZone": "Europe/Amsterdam", "currency": "EUR", "tariffs": [{"currency": "EUR", "price": 0.30, "type": "standard"}]},
         "export": {"direction": "EXPORT", "tariffs": [{"currency": "EUR", "price": 0.07, "type": "standard"}]}}
        """)
        #expect(set.importTariff?.direction == .import)
        let export = try #require(set.tariff(for: .export))
        #expect(export.direction == .export)
        #expect(export.timeZone.identifier == "Europe/Amsterdam")
        #expect(export.rates(from: Fixtures.at("2025-01-01T00:00:00Z"), to: Fixtures.at("2025-01-02T00:00:00Z")).slices.first?.pricePerKWh == 0.07)
    }

    /// The real CSV's rows in `[from, to)`, decompressed by `gzip` and read plainly (an independent reference).
    private func spotPrices(from: String, to: String) throws -> [(Date, Double)] {
        let text = try RepositoryPrices.text(RepositoryPrices.quarterHours)
        let lower = Fixtures.at(from)
        let upper = Fixtures.at(to)
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let fields = line.split(separator: ",")
            let start = Timestamp.parse(String(fields[0]))!
            return start >= lower && start < upper ? (start, Double(fields[2])!) : nil
        }
    }
}
