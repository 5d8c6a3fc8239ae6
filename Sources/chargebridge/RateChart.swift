import Foundation
import Tariffs

/// Price over time as a terminal picture: one Unicode bar per slice, the cheapest quarter
/// marked (and green on a colour terminal), negative prices drawn left of the zero line.
/// Optional `marks` flag stretches (for instance charging slots) with a `⚡`.
struct RateChart {
    var tariff: Tariff
    var timeline: RateTimeline
    var colour: Bool
    var marks: [(start: Date, end: Date)] = []
    var width = 40

    private static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    func render() -> String {
        let slices = timeline.slices
        guard !slices.isEmpty else {
            return "No prices are known between \(Timestamp.format(timeline.from)) and \(Timestamp.format(timeline.to))."
        }
        let prices = slices.map(\.pricePerKWh)
        // Bars start a little below the cheapest price so that differences show; with negative
        // prices they start at the most negative one and zero is drawn as a line.
        let minimum = prices.min()!
        let maximum = prices.max()!
        let low = minimum < 0 ? minimum : max(0, minimum - (maximum - minimum) * 0.15)
        let high = max(0, maximum)
        let span = max(high - low, 1e-9)
        let zeroColumn = low < 0 ? Int((-low / span * Double(width)).rounded()) : 0
        let cheapThreshold = prices.sorted()[max(0, prices.count / 4 - 1)]
        let cheapest = prices.min()!
        let weighted = zip(slices, prices).reduce(0.0) { $0 + $1.1 * $1.0.duration } / slices.reduce(0.0) { $0 + $1.duration }

        var lines: [String] = []
        lines.append("\(tariff.direction == .import ? "Import" : "Export") prices in \(tariff.currency)/kWh, \(tariff.timeZone.identifier) local time")
        lines.append("from \(tariff.calendar.localDescription(of: timeline.from)) to \(tariff.calendar.localDescription(of: timeline.to))")
        lines.append("min \(formatPrice(cheapest))  max \(formatPrice(prices.max()!))  time-weighted mean \(formatPrice(weighted))  " +
                     "bars from \(formatPrice(low))  ◆ cheapest quarter" + (marks.isEmpty ? "" : "  ⚡ charging"))
        lines.append("")

        var entries: [(start: Date, text: String)] = []
        var lastDate: CivilDate?
        for slice in slices {
            let (date, minute) = tariff.calendar.localDateAndMinute(of: slice.start)
            if date != lastDate {
                entries.append((slice.start, "\(date) \(date.weekday.rawValue.capitalized)"))
                lastDate = date
            }
            let endMinute = tariff.calendar.localDateAndMinute(of: slice.end).minuteOfDay
            let label = "  \(TimeOfDay(minutes: minute)!)-\(TimeOfDay(minutes: endMinute == 0 ? 1440 : endMinute)!)"
            let bar = bar(for: slice.pricePerKWh, low: low, span: span, zeroColumn: zeroColumn)
            let isCheap = slice.pricePerKWh <= cheapThreshold
            let charging = marks.contains { $0.start < slice.end && $0.end > slice.start }
            var text = "\(label) │\(bar)│ \(String(format: "%8.4f", slice.pricePerKWh))"
            text += isCheap ? " ◆" : ""
            text += charging ? " ⚡" : ""
            if slice.pricePerKWh == cheapest { text += " ◀ cheapest" }
            if slice.isForecast { text += " (forecast \(String(format: "%.0f%%", slice.confidence * 100)))" }
            if colour, isCheap { text = "\u{1B}[32m" + text + "\u{1B}[0m" }
            entries.append((slice.start, text))
        }
        for gap in timeline.gaps {
            entries.append((gap.start, "  no price from \(tariff.calendar.localDescription(of: gap.start)) to \(tariff.calendar.localDescription(of: gap.end))"))
        }
        lines += entries.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element.text)
        return lines.joined(separator: "\n")
    }

    /// A bar of `width` cells: blank to the left of zero for positive prices, filled from
    /// the price to zero for negative ones.
    private func bar(for price: Double, low: Double, span: Double, zeroColumn: Int) -> String {
        let position = (price - low) / span * Double(width)
        var cells = Array(repeating: " ", count: width)
        if price >= 0 {
            let filled = position - Double(zeroColumn)
            let whole = Int(filled)
            for index in 0..<whole where zeroColumn + index < width { cells[zeroColumn + index] = "█" }
            let eighth = Int(((filled - Double(whole)) * 8).rounded(.down))
            if eighth > 0, zeroColumn + whole < width { cells[zeroColumn + whole] = Self.eighths[eighth] }
        } else {
            let start = min(max(0, Int(position.rounded(.down))), zeroColumn)
            for index in start..<zeroColumn { cells[index] = "▒" }
        }
        if zeroColumn > 0, zeroColumn < width, cells[zeroColumn] == " " { cells[zeroColumn] = "┊" }
        return cells.joined()
    }
}
