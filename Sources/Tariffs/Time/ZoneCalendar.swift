import Foundation

/// Local wall-clock arithmetic in one IANA time zone, DST included.
///
/// A local time that does not exist (the hour skipped in spring) maps to the
/// transition instant, so an interval lying wholly inside the skipped hour is empty;
/// a local time that happens twice (the hour repeated in autumn) maps to its first
/// occurrence. Local midnight always exists in the zones this product serves; if it
/// does not, the day starts at the transition.
public struct ZoneCalendar: Sendable, Hashable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The UTC offset in seconds in force at `instant`.
    public func offsetSeconds(at instant: Date) -> Int {
        timeZone.secondsFromGMT(for: instant)
    }

    /// The local calendar date of `instant`.
    public func localDate(of instant: Date) -> CivilDate {
        let local = Int64((instant.timeIntervalSince1970 + Double(offsetSeconds(at: instant))).rounded(.down))
        return CivilDate(daysSinceEpoch: Int(floorDiv(local, 86_400)))
    }

    /// The local minute of the day (0 ..< 1440) of `instant`, and its date.
    public func localDateAndMinute(of instant: Date) -> (date: CivilDate, minuteOfDay: Int) {
        let local = Int64((instant.timeIntervalSince1970 + Double(offsetSeconds(at: instant))).rounded(.down))
        let days = floorDiv(local, 86_400)
        return (CivilDate(daysSinceEpoch: Int(days)), Int((local - days * 86_400) / 60))
    }

    /// Local midnight of `date` as an instant.
    public func startOfDay(_ date: CivilDate) -> Date {
        instant(of: date, minuteOfDay: 0)
    }

    /// The instant of local wall-clock time `minuteOfDay` minutes after midnight on `date`;
    /// 1440 is midnight of the next day.
    public func instant(of date: CivilDate, minuteOfDay: Int) -> Date {
        let local = Double(date.daysSinceEpoch) * 86_400 + Double(minuteOfDay) * 60
        // Try the offsets in force around that wall-clock time; one of them round-trips
        // unless the local time falls into a DST gap.
        let before = Double(offsetSeconds(at: Date(timeIntervalSince1970: local - 86_400)))
        let after = Double(offsetSeconds(at: Date(timeIntervalSince1970: local + 86_400)))
        var candidates = [local - before, local - after]
        if before > after { candidates.reverse() } // prefer the earlier instant when the hour repeats
        candidates.sort()
        for candidate in candidates {
            let instant = Date(timeIntervalSince1970: candidate)
            if candidate + Double(offsetSeconds(at: instant)) == local {
                return instant
            }
        }
        // In a gap: the transition lies between the two candidates.
        let lower = Date(timeIntervalSince1970: candidates[0] - 1)
        return timeZone.nextDaylightSavingTimeTransition(after: lower) ?? Date(timeIntervalSince1970: candidates[0])
    }
}

extension ZoneCalendar {
    /// Parses an instant for the command line: ISO 8601 with an offset or `Z`, or a local
    /// wall-clock time in this zone (`2025-10-26T18:00`, `2025-10-26 18:00`) or a local
    /// date (`2025-10-26`, its midnight). `nil` when it is none of these.
    public func instant(parsing text: String) -> Date? {
        if let instant = Timestamp.parse(text) { return instant }
        if let date = CivilDate(text) { return startOfDay(date) }
        let separators: Set<Character> = ["T", "t", " "]
        guard let split = text.firstIndex(where: { separators.contains($0) }),
              let date = CivilDate(String(text[..<split])) else { return nil }
        let clock = String(text[text.index(after: split)...])
        let parts = clock.split(separator: ":")
        guard parts.count == 2 || parts.count == 3,
              let time = TimeOfDay(parts[0] + ":" + parts[1]),
              parts.count == 2 || parts[2] == "00" else { return nil }
        return instant(of: date, minuteOfDay: time.minutes)
    }

    /// `instant` as local wall-clock text with its UTC offset, e.g. `2025-10-26 02:15 +01:00`.
    public func localDescription(of instant: Date) -> String {
        let (date, minute) = localDateAndMinute(of: instant)
        let offset = offsetSeconds(at: instant)
        let sign = offset < 0 ? "-" : "+"
        let hours = abs(offset) / 3600
        let minutes = abs(offset) / 60 % 60
        let offsetText = sign + (hours < 10 ? "0\(hours)" : "\(hours)") + ":" + (minutes < 10 ? "0\(minutes)" : "\(minutes)")
        return "\(date) \(TimeOfDay(minutes: minute)!) \(offsetText)"
    }
}
