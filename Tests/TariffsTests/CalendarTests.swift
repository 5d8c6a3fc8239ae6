import Foundation
import Testing
@testable import Tariffs

@Suite struct CalendarTests {
    @Test(arguments: [
        ("2025-10-07T01:00:00Z", "2025-10-07T01:00:00Z"),
        ("2025-10-07T03:00:00+02:00", "2025-10-07T01:00:00Z"),
        ("2025-10-06T20:30:00-0430", "2025-10-07T01:00:00Z"),
        ("2025-10-07T01:00Z", "2025-10-07T01:00:00Z"),
        ("2025-10-07T01:00:00.250Z", "2025-10-07T01:00:00.250Z"),
        ("2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z"),
    ])
    func timestampsParseAndPrintInUTC(input: String, expected: String) throws {
        let instant = try #require(Timestamp.parse(input))
        #expect(Timestamp.format(instant) == expected)
    }

    @Test(arguments: ["2025-10-07T01:00:00", "2025-13-07T01:00:00Z", "2025-02-29T00:00:00Z", "yesterday", "2025-10-07T25:00:00Z", ""])
    func malformedTimestampsAreRejected(input: String) {
        #expect(Timestamp.parse(input) == nil)
    }

    @Test func civilDatesAgreeWithFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: -134_000, through: 160_000, by: 97) {
            let date = CivilDate(daysSinceEpoch: days)
            let components = calendar.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect(date.year == components.year && date.month == components.month && date.day == components.day)
            #expect(date.daysSinceEpoch == days)
            // Foundation: 1 = Sunday.
            #expect(Weekday.allCases.firstIndex(of: date.weekday)! == (components.weekday! + 5) % 7)
        }
    }

    @Test func skippedSpringHourMapsToTheTransition() {
        let calendar = ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Amsterdam")!)
        let day = CivilDate("2026-03-29")!
        #expect(calendar.instant(of: day, minuteOfDay: 120) == Timestamp.parse("2026-03-29T01:00:00Z"))
        #expect(calendar.instant(of: day, minuteOfDay: 150) == Timestamp.parse("2026-03-29T01:00:00Z"))
        #expect(calendar.instant(of: day, minuteOfDay: 180) == Timestamp.parse("2026-03-29T01:00:00Z"))
        #expect(calendar.instant(of: day, minuteOfDay: 181) == Timestamp.parse("2026-03-29T01:01:00Z"))
    }

    @Test func repeatedAutumnHourMapsToItsFirstOccurrence() {
        let calendar = ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        let day = CivilDate("2025-10-26")!
        #expect(calendar.instant(of: day, minuteOfDay: 150) == Timestamp.parse("2025-10-26T00:30:00Z"))
        #expect(calendar.instant(of: day, minuteOfDay: 180) == Timestamp.parse("2025-10-26T02:00:00Z"))
        #expect(calendar.localDate(of: Timestamp.parse("2025-10-26T22:59:59Z")!) == day)
        #expect(calendar.localDate(of: Timestamp.parse("2025-10-26T23:00:00Z")!) == day.adding(days: 1))
    }

    @Test func commandLineInstantsAcceptLocalTimes() {
        let calendar = ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Amsterdam")!)
        #expect(calendar.instant(parsing: "2025-10-26") == Timestamp.parse("2025-10-25T22:00:00Z"))
        #expect(calendar.instant(parsing: "2025-10-26T18:00") == Timestamp.parse("2025-10-26T17:00:00Z"))
        #expect(calendar.instant(parsing: "2025-10-26 18:00") == Timestamp.parse("2025-10-26T17:00:00Z"))
        #expect(calendar.instant(parsing: "2025-10-26T18:00:00+00:00") == Timestamp.parse("2025-10-26T18:00:00Z"))
        #expect(calendar.instant(parsing: "tomorrow") == nil)
    }
}
