import Foundation
import GRDB

/// One quarter-hour of the house's load as the bridge measured it: its start and the average
/// house load over it (grid less chargers), W, from `readings` grid meter readings.
public struct HouseLoadQuarter: Sendable, Equatable {
    public var start: Date
    public var averageW: Double
    public var readings: Int

    public init(start: Date, averageW: Double, readings: Int) {
        self.start = start
        self.averageW = averageW
        self.readings = readings
    }
}

extension Ledger {
    /// How long house quarters are kept, s: the bridge learns its profile from the last 7 days.
    public static let houseQuartersKeptSeconds: TimeInterval = 7 * 86_400

    /// Stores a finished quarter-hour of house load (a quarter stored again replaces the row)
    /// and drops the quarters older than 7 days before `now`.
    public func storeHouseQuarter(_ quarter: HouseLoadQuarter, now: Date) throws {
        guard quarter.averageW.isFinite, quarter.readings > 0 else { return }
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO house_quarter (start_ms, average_w, readings) VALUES (?, ?, ?)",
                arguments: [Self.milliseconds(quarter.start), quarter.averageW, quarter.readings])
            try db.execute(
                sql: "DELETE FROM house_quarter WHERE start_ms < ?",
                arguments: [Self.milliseconds(now.addingTimeInterval(-Self.houseQuartersKeptSeconds))])
        }
    }

    /// The house quarters stored starting at or after `since`, oldest first.
    public func houseQuarters(since: Date) throws -> [HouseLoadQuarter] {
        try read { db in
            var result: [HouseLoadQuarter] = []
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT start_ms, average_w, readings FROM house_quarter WHERE start_ms >= ? ORDER BY start_ms",
                arguments: [Self.milliseconds(since)])
            while let row = try cursor.next() {
                result.append(HouseLoadQuarter(start: Self.date(milliseconds: row[0]), averageW: row[1], readings: row[2]))
            }
            return result
        }
    }
}
