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
}
