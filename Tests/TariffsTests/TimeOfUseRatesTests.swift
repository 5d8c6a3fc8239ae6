import Foundation
import Testing
@testable import Tariffs

@Suite struct TimeOfUseRatesTests {
    @Test func jedlixExampleSplitsAtPeakBoundariesInWinter() throws {
        let tariff = try Fixtures.load(Fixtures.jedlix).importTariff!
        // Monday 2025-11-17 in Amsterdam (UTC+1): peak 07:00-23:00 local = 06:00Z-22:00Z.
        let timeline = tariff.rates(from: Fixtures.at("2025-11-17T00:00:00Z"), to: Fixtures.at("2025-11-18T00:00:00Z"))
        #expect(timeline.gaps.isEmpty)
        #expect(timeline.slices == [
            RateSlice(start: Fixtures.at("2025-11-17T00:00:00Z"), end: Fixtures.at("2025-11-17T06:00:00Z"), pricePerKWh: 0.3242, type: .offPeak),
            RateSlice(start: Fixtures.at("2025-11-17T06:00:00Z"), end: Fixtures.at("2025-11-17T22:00:00Z"), pricePerKWh: 0.4123, type: .peak),
            RateSlice(start: Fixtures.at("2025-11-17T22:00:00Z"), end: Fixtures.at("2025-11-18T00:00:00Z"), pricePerKWh: 0.3242, type: .offPeak),
        ])
    }

    @Test func weekdayBoundaryMovesWithSummerTime() throws {
        let tariff = try Fixtures.load(Fixtures.jedlix).importTariff!
        // Monday 2025-06-16 (UTC+2): 07:00 local is 05:00Z.
        let timeline = tariff.rates(from: Fixtures.at("2025-06-16T00:00:00Z"), to: Fixtures.at("2025-06-16T12:00:00Z"))
        #expect(timeline.slices.map(\.start) == [Fixtures.at("2025-06-16T00:00:00Z"), Fixtures.at("2025-06-16T05:00:00Z")])
        #expect(timeline.slices.map(\.type) == [.offPeak, .peak])
    }

    @Test func weekendMergesIntoOneOffPeakSlice() throws {
        let tariff = try Fixtures.load(Fixtures.jedlix).importTariff!
        // Friday 23:00 local to Monday 07:00 local is one off-peak stretch.
        let timeline = tariff.rates(from: Fixtures.at("2025-11-14T12:00:00Z"), to: Fixtures.at("2025-11-17T12:00:00Z"))
        #expect(timeline.slices.count == 3)
        #expect(timeline.slices[1].start == Fixtures.at("2025-11-14T22:00:00Z"))
        #expect(timeline.slices[1].end == Fixtures.at("2025-11-17T06:00:00Z"))
        #expect(timeline.slices[1].type == .offPeak)
    }

    @Test(arguments: [
        // Autumn: Sunday 2025-10-26 has 25 hours in Amsterdam/Berlin.
        ("Europe/Amsterdam", "2025-10-20", "2025-10-27", 7 * 24 + 1),
        ("Europe/Berlin", "2025-10-20", "2025-10-27", 7 * 24 + 1),
        // Spring: Sunday 2026-03-29 has 23 hours.
        ("Europe/Amsterdam", "2026-03-23", "2026-03-30", 7 * 24 - 1),
        ("Europe/Berlin", "2026-03-23", "2026-03-30", 7 * 24 - 1),
    ])
    func dstWeeksCoverEveryLocalHourOnce(zone: String, fromDay: String, toDay: String, hours: Int) throws {
        let tariff = try Fixtures.load(Fixtures.jedlix.replacingOccurrences(of: "Europe/Amsterdam", with: zone)).importTariff!
        let from = tariff.calendar.startOfDay(CivilDate(fromDay)!)
        let to = tariff.calendar.startOfDay(CivilDate(toDay)!)
        let timeline = tariff.rates(from: from, to: to)
        #expect(timeline.pricedSeconds == Double(hours) * 3600)
        #expect(timeline.gaps.isEmpty)
        // Slices are sorted, contiguous, and alternate between peak and off-peak.
        for (a, b) in zip(timeline.slices, timeline.slices.dropFirst()) {
            #expect(a.end == b.start)
            #expect(a.type != b.type)
        }
        // Every weekday peak starts at 07:00 local, whatever the offset.
        for slice in timeline.slices where slice.type == .peak {
            #expect(tariff.calendar.localDateAndMinute(of: slice.start).minuteOfDay == 7 * 60)
            #expect(tariff.calendar.localDateAndMinute(of: slice.end).minuteOfDay == 23 * 60)
        }
    }

    @Test func threeLayerNightTariff() throws {
        let tariff = try Fixtures.load("""
        timeZone: Europe/London
        currency: GBP
        tariffs:
          - {type: peak, currency: GBP, price: 0.31}
          - {type: offPeak, currency: GBP, price: 0.22}
          - {type: superOffPeak, currency: GBP, price: 0.075}
        tariffIntervals:
          - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "00:00", endTime: "00:30", tariffType: offPeak}
          - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: 00:30, endTime: 05:30, tariffType: superOffPeak}
          - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: 05:30, endTime: 16:00, tariffType: offPeak}
          - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: 16:00, endTime: 19:00, tariffType: peak}
          - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: 19:00, endTime: 24:00, tariffType: offPeak}
        """, name: "night.yaml").importTariff!
        #expect(tariff.types == [.peak, .offPeak, .superOffPeak])
        // A January night in London is UTC+0.
        let timeline = tariff.rates(from: Fixtures.at("2026-01-12T18:00:00Z"), to: Fixtures.at("2026-01-13T08:00:00Z"))
        #expect(timeline.slices.map(\.type) == [.peak, .offPeak, .superOffPeak, .offPeak])
        #expect(timeline.slices.map(\.pricePerKWh) == [0.31, 0.22, 0.075, 0.22])
        #expect(timeline.slices[2].start == Fixtures.at("2026-01-13T00:30:00Z"))
        #expect(timeline.slices[2].end == Fixtures.at("2026-01-13T05:30:00Z"))
    }

    @Test func holidaysUseHolidayIntervals() throws {
        let text = Fixtures.jedlix.replacingOccurrences(
            of: "\"holidayTariffIntervals\": null",
            with: "\"holidayTariffIntervals\": [{\"startTime\": \"00:00\", \"endTime\": \"24:00\", \"tariffType\": \"offPeak\"}]"
        )
        let tariff = try Fixtures.load(text).importTariff!
        // Thursday 2025-12-25 is a holiday: off-peak all day; Wednesday 24th is a normal weekday.
        let christmas = tariff.rates(from: Fixtures.at("2025-12-24T23:00:00Z"), to: Fixtures.at("2025-12-25T23:00:00Z"))
        #expect(christmas.slices.count == 1)
        #expect(christmas.slices[0].type == .offPeak)
        let eve = tariff.rates(from: Fixtures.at("2025-12-23T23:00:00Z"), to: Fixtures.at("2025-12-24T23:00:00Z"))
        #expect(eve.slices.map(\.type) == [.offPeak, .peak, .offPeak])
    }

    @Test func holidaysWithNullIntervalsKeepTheNormalWeek() throws {
        let tariff = try Fixtures.load(Fixtures.jedlix).importTariff!
        let christmas = tariff.rates(from: Fixtures.at("2025-12-24T23:00:00Z"), to: Fixtures.at("2025-12-25T23:00:00Z"))
        #expect(christmas.slices.map(\.type) == [.offPeak, .peak, .offPeak])
    }

    @Test func seasonalIntervalsFollowTheMonth() throws {
        let tariff = try Fixtures.load("""
        {"timeZone": "Europe/Paris", "currency": "EUR",
         "tariffs": [{"currency": "EUR", "price": 0.30, "type": "peak"}, {"currency": "EUR", "price": 0.18, "type": "offPeak"}],
         "tariffIntervals": [
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "months": ["november","december","january","february","march"],
            "startTime": "00:00", "endTime": "06:00", "tariffType": "offPeak"},
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "months": ["november","december","january","february","march"],
            "startTime": "06:00", "endTime": "24:00", "tariffType": "peak"},
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "months": ["april","may","june","july","august","september","october"],
            "startTime": "00:00", "endTime": "24:00", "tariffType": "offPeak"}
         ]}
        """).importTariff!
        // Local days: Paris is UTC+1 in January and UTC+2 in July.
        let winter = tariff.rates(from: Fixtures.at("2026-01-09T23:00:00Z"), to: Fixtures.at("2026-01-10T23:00:00Z"))
        #expect(winter.slices.map(\.type) == [.offPeak, .peak])
        #expect(winter.slices[1].start == Fixtures.at("2026-01-10T05:00:00Z"))
        let summer = tariff.rates(from: Fixtures.at("2026-07-09T22:00:00Z"), to: Fixtures.at("2026-07-10T22:00:00Z"))
        #expect(summer.slices.map(\.type) == [.offPeak])
        // The change of season at local midnight between March and April.
        let change = tariff.rates(from: Fixtures.at("2026-03-31T12:00:00Z"), to: Fixtures.at("2026-04-01T12:00:00Z"))
        #expect(change.slices.map(\.type) == [.peak, .offPeak])
        #expect(change.slices[1].start == Fixtures.at("2026-03-31T22:00:00Z"))
    }

    @Test func flatTariffIsOneSliceAnyLength() throws {
        let tariff = try Fixtures.load(#"{"timeZone": "UTC", "currency": "EUR", "tariffs": [{"currency": "EUR", "price": 0.25, "type": "standard"}]}"#).importTariff!
        let timeline = tariff.rates(from: Fixtures.at("2025-01-01T00:00:00Z"), to: Fixtures.at("2026-01-01T00:00:00Z"))
        #expect(timeline.slices == [RateSlice(start: Fixtures.at("2025-01-01T00:00:00Z"), end: Fixtures.at("2026-01-01T00:00:00Z"), pricePerKWh: 0.25, type: .standard)])
    }

    @Test func offPeakChargingOnlyCapsAtTheDearestOffPeakPrice() throws {
        let tariff = try Fixtures.load(Fixtures.jedlix.replacingOccurrences(of: "\"offPeakChargingOnly\": false", with: "\"offPeakChargingOnly\": true")).importTariff!
        #expect(tariff.offPeakChargingCap == 0.3242)
        let plain = try Fixtures.load(Fixtures.jedlix).importTariff!
        #expect(plain.offPeakChargingCap == nil)
    }

    @Test func windowsStartingAndEndingMidSlotAreClipped() throws {
        let tariff = try Fixtures.load(Fixtures.jedlix).importTariff!
        let timeline = tariff.rates(from: Fixtures.at("2025-11-17T05:59:30Z"), to: Fixtures.at("2025-11-17T06:00:45Z"))
        #expect(timeline.slices.map(\.duration) == [30, 45])
        #expect(timeline.slice(at: Fixtures.at("2025-11-17T06:00:00Z"))?.type == .peak)
        #expect(timeline.slice(at: Fixtures.at("2025-11-17T05:59:59Z"))?.type == .offPeak)
        #expect(timeline.slice(at: Fixtures.at("2025-11-17T07:00:00Z")) == nil)
    }
}
