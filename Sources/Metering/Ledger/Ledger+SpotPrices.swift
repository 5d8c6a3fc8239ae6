import Foundation
import GRDB
import Tariffs

extension Ledger {
    /// Stores day-ahead prices received from `source` (a name such as `awattar DE-LU`): each
    /// row replaces the stored rows of that source it overlaps (a corrected or re-published
    /// price wins), in one transaction. Rows that end before they start or are not finite are
    /// skipped. Returns how many rows were stored.
    @discardableResult
    public func storeSpotPrices(_ rows: [SpotPriceSeries.Row], source: String, receivedAt: Date = Date()) throws -> Int {
        let valid = rows.filter { $0.end > $0.start && $0.price.isFinite }
        guard !valid.isEmpty else { return 0 }
        let received = Self.milliseconds(receivedAt)
        var stored = 0
        try write { db in
            let delete = try db.makeStatement(sql: "DELETE FROM spot_price WHERE source = ? AND start_ms < ? AND end_ms > ?")
            let insert = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO spot_price (source, start_ms, end_ms, price, received_ms) VALUES (?, ?, ?, ?, ?)
                """)
            for row in valid {
                let start = Self.milliseconds(row.start)
                let end = Self.milliseconds(row.end)
                try delete.execute(arguments: [source, end, start])
                try insert.execute(arguments: [source, start, end, row.price, received])
                stored += 1
            }
        }
        return stored
    }

    /// The prices stored for `source` ending after `since` (all when `nil`), sorted.
    public func spotPrices(source: String, since: Date? = nil) throws -> SpotPriceSeries {
        let rows = try read { db in
            var result: [SpotPriceSeries.Row] = []
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT start_ms, end_ms, price FROM spot_price WHERE source = ? AND end_ms > ? ORDER BY start_ms
                """, arguments: [source, since.map(Self.milliseconds) ?? Int64.min])
            while let row = try cursor.next() {
                result.append(.init(start: Self.date(milliseconds: row[0]), end: Self.date(milliseconds: row[1]), price: row[2]))
            }
            return result
        }
        return try SpotPriceSeries(rows: rows, source: "the ledger's prices of \(source)")
    }
}

extension Ledger {
    /// `tariffs` with the prices stored from their live sources laid over them: what the bridge
    /// planned and priced with, for the command line's costs, rates and plans.
    public func withStoredPrices(_ tariffs: TariffSet) throws -> TariffSet {
        try tariffs.livePriceSources.reduce(tariffs) { set, source in
            set.merging(try spotPrices(source: source.name), from: source)
        }
    }
}
