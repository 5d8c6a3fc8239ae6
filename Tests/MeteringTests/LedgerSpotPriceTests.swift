import Foundation
@testable import Metering
import Tariffs
import Testing

/// Prices received from live sources, kept in the ledger so a restart without network plans on them.
struct LedgerSpotPriceTests {
    private func row(_ start: String, _ end: String, _ price: Double) -> SpotPriceSeries.Row {
        .init(start: instant(start), end: instant(end), price: price)
    }

    @Test func storedPricesSurviveAReopenPerSource() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        do {
            let ledger = try Ledger(path: path)
            #expect(try ledger.storeSpotPrices([
                row("2026-11-22T01:00:00Z", "2026-11-22T02:00:00Z", 95.5),
                row("2026-11-22T00:00:00Z", "2026-11-22T01:00:00Z", -3.25),
            ], source: "awattar DE-LU") == 2)
            try ledger.storeSpotPrices([row("2026-11-22T00:00:00Z", "2026-11-22T01:00:00Z", 0.31)], source: "mqtt home/prices")
        }
        let reopened = try Ledger(path: path, mode: .existing)
        let awattar = try reopened.spotPrices(source: "awattar DE-LU")
        #expect(awattar.rows == [
            row("2026-11-22T00:00:00Z", "2026-11-22T01:00:00Z", -3.25),
            row("2026-11-22T01:00:00Z", "2026-11-22T02:00:00Z", 95.5),
        ])
        #expect(try reopened.spotPrices(source: "mqtt home/prices").rows.map(\.price) == [0.31])
        #expect(try reopened.spotPrices(source: "entsoe DE-LU").rows.isEmpty)
        #expect(try reopened.spotPrices(source: "awattar DE-LU", since: instant("2026-11-22T01:00:00Z")).rows.map(\.price) == [95.5])
    }

    @Test func aRepublishedOrFinerPriceReplacesTheRowsItOverlaps() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.storeSpotPrices([
            row("2026-11-22T00:00:00Z", "2026-11-22T01:00:00Z", 80),
            row("2026-11-22T01:00:00Z", "2026-11-22T02:00:00Z", 90),
            row("2026-11-22T02:00:00Z", "2026-11-22T03:00:00Z", 100),
        ], source: "entsoe DE-LU")
        // The hour 01-02 comes again in quarter-hours, and 02-03 corrected.
        try ledger.storeSpotPrices([
            row("2026-11-22T01:00:00Z", "2026-11-22T01:15:00Z", 91),
            row("2026-11-22T01:15:00Z", "2026-11-22T01:30:00Z", 92),
            row("2026-11-22T01:30:00Z", "2026-11-22T01:45:00Z", 93),
            row("2026-11-22T01:45:00Z", "2026-11-22T02:00:00Z", 94),
            row("2026-11-22T02:00:00Z", "2026-11-22T03:00:00Z", 101),
        ], source: "entsoe DE-LU")
        let stored = try ledger.spotPrices(source: "entsoe DE-LU")
        #expect(stored.rows.map(\.price) == [80, 91, 92, 93, 94, 101])
        #expect(stored.lastEnd == instant("2026-11-22T03:00:00Z"))
        // Stored again as received: nothing doubles.
        try ledger.storeSpotPrices(stored.rows, source: "entsoe DE-LU")
        #expect(try ledger.spotPrices(source: "entsoe DE-LU") == stored)
    }

    @Test func malformedRowsAreSkippedNotStored() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let stored = try ledger.storeSpotPrices([
            row("2026-11-22T01:00:00Z", "2026-11-22T00:00:00Z", 10), // ends before it starts
            row("2026-11-22T02:00:00Z", "2026-11-22T03:00:00Z", .nan),
            row("2026-11-22T03:00:00Z", "2026-11-22T04:00:00Z", 12),
        ], source: "mqtt p")
        #expect(stored == 1)
        #expect(try ledger.spotPrices(source: "mqtt p").rows.map(\.price) == [12])
        #expect(try ledger.integrityCheck() == ["ok"])
    }
}
