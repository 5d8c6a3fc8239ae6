import Foundation

/// Spot prices laid out as local days x 96 quarter-hours (in the tariff's time zone), the
/// shape the forecaster learns from. A cell holds the mean price of the instants whose
/// local wall-clock time falls in it (the repeated autumn hour is averaged).
struct DailyPriceGrid {
    static let slots = 96

    let calendar: ZoneCalendar
    /// The local date of day index 0.
    let firstDay: CivilDate
    let dayCount: Int
    /// Prices as published, `nan` where none is known.
    private(set) var raw: [Double]
    /// `raw` with holes filled (within a day from the neighbouring quarter-hour, a missing
    /// day from the day before), so that features are always defined.
    private(set) var filled: [Double]
    /// Mean of `filled` per day.
    private(set) var dailyMean: [Double]
    /// Median of `filled` per day.
    private(set) var dailyMedian: [Double]

    /// The grid of `series` from the local day of `from` (or the first price) to the last price.
    init?(series: SpotPriceSeries, calendar: ZoneCalendar, from: Date? = nil) {
        let rows = series.rows
        let firstIndex = from.map { series.firstIndex(endingAfter: $0) } ?? 0
        guard firstIndex < rows.count, let lastEnd = series.lastEnd else { return nil }
        self.calendar = calendar
        let first = calendar.localDate(of: max(rows[firstIndex].start, from ?? rows[firstIndex].start))
        firstDay = first
        let last = calendar.localDate(of: lastEnd.addingTimeInterval(-1))
        dayCount = last.daysSinceEpoch - first.daysSinceEpoch + 1
        let cells = dayCount * Self.slots
        var sum = [Double](repeating: 0, count: cells)
        var count = [Double](repeating: 0, count: cells)
        let origin = first.daysSinceEpoch
        for row in rows[firstIndex...] {
            var instant = row.start
            while instant < row.end {
                let (date, minute) = calendar.localDateAndMinute(of: instant)
                let day = date.daysSinceEpoch - origin
                if day >= 0, day < dayCount {
                    let cell = day * Self.slots + minute / 15
                    sum[cell] += row.price
                    count[cell] += 1
                }
                instant = instant.addingTimeInterval(900)
            }
        }
        raw = zip(sum, count).map { $1 > 0 ? $0 / $1 : .nan }
        filled = raw
        dailyMean = [Double](repeating: 0, count: dayCount)
        dailyMedian = [Double](repeating: 0, count: dayCount)
        for day in 0..<dayCount {
            let base = day * Self.slots
            if let firstKnown = (0..<Self.slots).first(where: { !raw[base + $0].isNaN }) {
                var previous = raw[base + firstKnown]
                for slot in 0..<Self.slots {
                    if raw[base + slot].isNaN {
                        filled[base + slot] = previous
                    } else {
                        previous = raw[base + slot]
                    }
                }
            } else if day > 0 {
                for slot in 0..<Self.slots { filled[base + slot] = filled[base - Self.slots + slot] }
            }
            var total = 0.0
            for slot in 0..<Self.slots { total += filled[base + slot] }
            dailyMean[day] = total / Double(Self.slots)
            var sorted = Array(filled[base..<(base + Self.slots)])
            sorted.sort()
            dailyMedian[day] = (sorted[Self.slots / 2 - 1] + sorted[Self.slots / 2]) / 2
        }
    }

    @inline(__always) func rawValue(day: Int, slot: Int) -> Double { raw[day * Self.slots + slot] }
    @inline(__always) func value(day: Int, slot: Int) -> Double { filled[day * Self.slots + slot] }

    /// The local date of a day index (which may lie beyond the grid).
    func date(ofDay day: Int) -> CivilDate { firstDay.adding(days: day) }

    /// The day index of a local date.
    func day(of date: CivilDate) -> Int { date.daysSinceEpoch - firstDay.daysSinceEpoch }
}
