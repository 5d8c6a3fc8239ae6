import Foundation
import Tariffs

/// The rates as a readable table, local wall-clock time first.
struct RateTable {
    var tariff: Tariff
    var timeline: RateTimeline

    func render() -> String {
        var rows: [[String]] = [["local from", "local to", "from (UTC)", "\(tariff.currency)/kWh", "type", "confidence"]]
        var entries: [(start: Date, row: [String])] = timeline.slices.map { slice in
            (slice.start, [
                tariff.calendar.localDescription(of: slice.start),
                tariff.calendar.localDescription(of: slice.end),
                Timestamp.format(slice.start),
                formatPrice(slice.pricePerKWh),
                slice.type.rawValue,
                String(format: "%.2f", slice.confidence),
            ])
        }
        entries += timeline.gaps.map { gap in
            (gap.start, [
                tariff.calendar.localDescription(of: gap.start),
                tariff.calendar.localDescription(of: gap.end),
                Timestamp.format(gap.start),
                "-", "no price", "-",
            ])
        }
        rows += entries.sorted { $0.start < $1.start }.map(\.row)
        return TextTable(rows: rows, rightAligned: [3, 5]).render()
    }
}

/// A plain monospaced table: a header row, a rule, then the rows.
struct TextTable {
    var rows: [[String]]
    var rightAligned: Set<Int> = []

    func render() -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                return rightAligned.contains(index) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.dropFirst().map(line)
        return out.joined(separator: "\n")
    }
}
