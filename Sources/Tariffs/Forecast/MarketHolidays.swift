import Foundation

/// Public holidays on which electricity demand (and so the day-ahead price) looks like a
/// Sunday's. The forecaster treats them as Sundays. Built from the holidays shared by most
/// of continental Europe (New Year, Good Friday, Easter Monday, 1 May, Ascension, Whit
/// Monday, Christmas and Boxing Day) plus a bidding zone's national days, plus any extra
/// dates (for instance the tariff's own `holidays`).
public struct MarketHolidays: Sendable, Hashable {
    /// The bidding zone (e.g. `DE-LU`), `nil` for the common European days only.
    public var zone: String?
    /// Further holidays.
    public var extraDates: Set<CivilDate>

    public init(zone: String? = "DE-LU", extraDates: Set<CivilDate> = []) {
        self.zone = zone
        self.extraDates = extraDates
    }

    /// Whether `date` is a holiday.
    public func contains(_ date: CivilDate) -> Bool {
        if extraDates.contains(date) { return true }
        switch (date.month, date.day) {
        case (1, 1), (5, 1), (12, 25), (12, 26): return true
        case (10, 3) where zone?.uppercased().hasPrefix("DE") == true: return true
        default: break
        }
        let easter = Self.easterSunday(year: date.year).daysSinceEpoch
        return [-2, 1, 39, 50].contains(date.daysSinceEpoch - easter)
    }

    /// Western Easter Sunday (the anonymous Gregorian algorithm).
    static func easterSunday(year y: Int) -> CivilDate {
        let a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        return CivilDate(year: y, month: (h + l - 7 * m + 114) / 31, day: (h + l - 7 * m + 114) % 31 + 1)
    }
}
