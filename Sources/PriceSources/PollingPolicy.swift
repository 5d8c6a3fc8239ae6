import Foundation
import Tariffs

/// When to ask a day-ahead source again. The market publishes tomorrow's prices once a day
/// (EPEX/ENTSO-E around 12:45-13:00 CET); before that there is nothing new to fetch. Once
/// the publication time has passed and tomorrow is still missing (or a request failed), try
/// again after `firstRetry`, doubling up to `maximumRetry`; once tomorrow is known, sleep
/// until the next publication. Pure: a function of the clock and what is known.
public struct PollingPolicy: Sendable, Hashable {
    /// The market's local time (publication times are in it).
    public var calendar: ZoneCalendar
    /// Minutes after local midnight from which tomorrow's prices may be published.
    public var publicationMinute: Int
    /// The first retry delay in seconds.
    public var firstRetry: TimeInterval
    /// The longest delay between two attempts while prices are missing.
    public var maximumRetry: TimeInterval

    public init(
        calendar: ZoneCalendar = ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!),
        publicationMinute: Int = 13 * 60 + 5, firstRetry: TimeInterval = 300, maximumRetry: TimeInterval = 3600
    ) {
        self.calendar = calendar
        self.publicationMinute = publicationMinute
        self.firstRetry = firstRetry
        self.maximumRetry = maximumRetry
    }

    /// The end of the prices a complete source has at `now`: the end of tomorrow after the
    /// publication time, the end of today before it.
    public func expectedEnd(at now: Date) -> Date {
        let (today, minute) = calendar.localDateAndMinute(of: now)
        return calendar.startOfDay(today.adding(days: minute >= publicationMinute ? 2 : 1))
    }

    /// Whether prices known until `knownUntil` are all there is at `now`.
    public func isComplete(knownUntil: Date?, at now: Date) -> Bool {
        guard let knownUntil else { return false }
        return knownUntil >= expectedEnd(at: now)
    }

    /// The instant of the next attempt after one made at `now`, given what is known and
    /// how many attempts in a row have failed or brought nothing new (`misses`).
    public func nextAttempt(after now: Date, knownUntil: Date?, misses: Int) -> Date {
        if isComplete(knownUntil: knownUntil, at: now) {
            let (today, minute) = calendar.localDateAndMinute(of: now)
            let day = minute >= publicationMinute ? today.adding(days: 1) : today
            return calendar.instant(of: day, minuteOfDay: publicationMinute)
        }
        return now.addingTimeInterval(retryDelay(misses: misses))
    }

    /// `firstRetry * 2^(misses-1)`, capped at `maximumRetry` (and never below `firstRetry`).
    public func retryDelay(misses: Int) -> TimeInterval {
        let exponent = min(max(misses - 1, 0), 20)
        return min(firstRetry * pow(2, Double(exponent)), max(maximumRetry, firstRetry))
    }
}
