import Foundation
import Testing
@testable import Tariffs

@Suite struct SpotPriceSeriesTests {
    private func row(_ start: String, _ end: String, _ price: Double) -> SpotPriceSeries.Row {
        .init(start: Fixtures.at(start), end: Fixtures.at(end), price: price)
    }

    @Test func mergingAppendsNewDaysAndReplacesCorrectedPrices() throws {
        let known = try SpotPriceSeries(rows: [
            row("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", 80),
            row("2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", 70),
        ], source: "prices")
        let merged = known.merging([
            row("2026-01-01T01:00:00Z", "2026-01-01T01:15:00Z", 60), // a correction in 15-minute products
            row("2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z", 90),
            row("2026-01-01T03:00:00Z", "2026-01-01T02:00:00Z", 1), // malformed: dropped
        ])
        #expect(merged.rows.map(\.price) == [80, 60, 90])
        #expect(merged.lastEnd == Fixtures.at("2026-01-01T03:00:00Z"))
        #expect(known.merging([]) == known)
    }

    @Test func anEarlierHistoryIsUsedOnlyBeforeTheFirstPrice() throws {
        let quarterHours = try SpotPriceSeries(rows: [
            row("2026-01-01T02:00:00Z", "2026-01-01T02:15:00Z", 50),
            row("2026-01-01T02:15:00Z", "2026-01-01T02:30:00Z", 55),
        ], source: "prices")
        let hours = try SpotPriceSeries(rows: [
            row("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", 80),
            row("2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", 70),
            row("2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z", 999), // overlaps the newer file: ignored
            row("2026-01-01T03:00:00Z", "2026-01-01T04:00:00Z", 999), // after its first price: ignored
        ], source: "history")
        let joined = quarterHours.prependingHistory(hours)
        #expect(joined.rows.map(\.price) == [80, 70, 50, 55])
        #expect(joined.lastEnd == quarterHours.lastEnd)
        #expect(try SpotPriceSeries(rows: [], source: "prices").prependingHistory(hours) == hours)
    }
}
