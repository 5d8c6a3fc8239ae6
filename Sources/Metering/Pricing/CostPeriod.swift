import Foundation
import Tariffs

/// A local calendar period costs are summed over, in the tariff's time zone: a day is from
/// local midnight to local midnight (23 or 25 hours across a DST change), a month from the
/// 1st to the 1st, a year from 1 January to 1 January.
public enum CostPeriod: String, Sendable, CaseIterable {
    case day, month, year

    /// The start of the period holding local date `date`.
    func start(of date: CivilDate) -> CivilDate {
        switch self {
        case .day: date
        case .month: CivilDate(year: date.year, month: date.month, day: 1)
        case .year: CivilDate(year: date.year, month: 1, day: 1)
        }
    }

    /// The start of the period after the one starting on `date`.
    func next(after date: CivilDate) -> CivilDate {
        switch self {
        case .day: date.adding(days: 1)
        case .month: date.month == 12 ? CivilDate(year: date.year + 1, month: 1, day: 1)
            : CivilDate(year: date.year, month: date.month + 1, day: 1)
        case .year: CivilDate(year: date.year + 1, month: 1, day: 1)
        }
    }

    /// The period `[start, end)` holding `instant`.
    public func interval(containing instant: Date, calendar: ZoneCalendar) -> (from: Date, to: Date) {
        let first = start(of: calendar.localDate(of: instant))
        return (calendar.startOfDay(first), calendar.startOfDay(next(after: first)))
    }

    /// Boundaries cutting `[from, to)` into periods: `from`, every local period start inside,
    /// `to`. The first and last periods are partial when `from` or `to` is not a period start.
    public func boundaries(from: Date, to: Date, calendar: ZoneCalendar) -> [Date] {
        guard from < to else { return [] }
        var result = [from]
        var date = next(after: start(of: calendar.localDate(of: from)))
        while true {
            let instant = calendar.startOfDay(date)
            if instant >= to { break }
            if instant > result.last! { result.append(instant) }
            date = next(after: date)
        }
        result.append(to)
        return result
    }
}
