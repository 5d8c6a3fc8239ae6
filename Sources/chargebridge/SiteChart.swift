import Foundation
import Tariffs
import TestSupport

/// The site's power over time as terminal rows, one per slot (time runs down the screen): what
/// the house drew and what each charger drew, stacked, against the connection's limit (`┃`).
/// Averages over the slot, from an emulated site's record; a `!` flags a slot in which the
/// site was over the limit at any moment.
struct SiteChart {
    struct Series {
        var id: String
        var symbol: Character
    }

    var tariff: Tariff
    var limitW: Double
    var chargers: [Series]
    var houseSymbol: Character = "░"
    /// Characters per kW.
    var perKW = 4.0

    /// The legend, printed once above the rows.
    func legend(describing names: [String: String]) -> String {
        let cars = chargers.map { "\($0.symbol) \(names[$0.id] ?? $0.id)" }.joined(separator: "   ")
        return "\(houseSymbol) house   \(cars)   ┃ the connection's limit, \(String(format: "%.1f", limitW / 1000)) kW (1 character = \(Int(1000 / perKW)) W)\n"
            + "One row per 15 minutes, the price per kWh, the average power; ! the site was over the limit at some moment (the house rising before the meter said so)"
    }

    /// The row for the slot from `start` to `end`, with `note` after it.
    func row(_ log: SiteLog, from start: Date, to end: Date, note: String) -> String {
        let house = Self.average(log, from: start, to: end) { if case let .house(watts) = $0 { return watts } else { return nil } }
        var stack: [(Character, Double)] = [(houseSymbol, house)]
        for series in chargers {
            stack.append((series.symbol, Self.average(log, from: start, to: end) { what in
                if case let .draw(id, watts, _) = what, id == series.id { return watts } else { return nil }
            }))
        }
        let limitColumn = Int((limitW / 1000 * perKW).rounded())
        var cells: [Character] = []
        var edge = 0.0
        for (symbol, watts) in stack {
            edge += watts
            let until = Int((edge / 1000 * perKW).rounded())
            while cells.count < until { cells.append(symbol) }
        }
        var bar = ""
        for column in 0..<max(limitColumn, cells.count) {
            if column == limitColumn { bar.append("┃") }
            bar.append(column < cells.count ? cells[column] : " ")
        }
        if cells.count <= limitColumn { bar.append("┃") }
        let over = log.peakW(from: start, to: end) > limitW + 0.5
        let (date, minute) = tariff.calendar.localDateAndMinute(of: start)
        let price = tariff.rates(from: start, to: start.addingTimeInterval(1)).slices.first?.pricePerKWh ?? .nan
        let total = stack.reduce(0) { $0 + $1.1 }
        return "[\(date.weekday.rawValue.prefix(3).capitalized) \(TimeOfDay(minutes: minute)!)] \(formatPrice(price)) \(bar) "
            + String(format: "%4.1f kW", total / 1000) + (over ? " !" : "") + (note.isEmpty ? "" : "  \(note)")
    }

    /// The time-weighted average from `start` to `end` of the series `value` picks out of the log.
    static func average(_ log: SiteLog, from start: Date, to end: Date, _ value: (SiteLog.What) -> Double?) -> Double {
        var current = 0.0
        var since = start
        var total = 0.0
        for entry in log.entries {
            guard let watts = value(entry.what) else { continue }
            if entry.at <= start {
                current = watts
                continue
            }
            if entry.at >= end { break }
            total += current * entry.at.timeIntervalSince(since)
            current = watts
            since = entry.at
        }
        total += current * end.timeIntervalSince(since)
        return total / max(end.timeIntervalSince(start), 1e-9)
    }
}
