import Foundation
@testable import Metering
import Testing

/// The house's quarter-hour loads the bridge learns its usual load from (docs/site.md): kept in
/// the ledger for 7 days, so a restart keeps what was learned.
struct LedgerHouseLoadTests {
    @Test func houseQuartersSurviveAReopenAndGoAfterSevenDays() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        let monday = instant("2026-11-23T18:00:00Z")
        do {
            let ledger = try Ledger(path: path)
            for day in 0..<9 {
                let start = monday.addingTimeInterval(Double(day) * 86_400)
                try ledger.storeHouseQuarter(.init(start: start, averageW: 1000 + Double(day), readings: 90), now: start.addingTimeInterval(900))
            }
            // Stored again (a quarter finished twice): the row is replaced, not doubled.
            let last = monday.addingTimeInterval(8 * 86_400)
            try ledger.storeHouseQuarter(.init(start: last, averageW: 2500, readings: 91), now: last.addingTimeInterval(900))
            // Not a number: not stored.
            try ledger.storeHouseQuarter(.init(start: last.addingTimeInterval(900), averageW: .nan, readings: 1), now: last.addingTimeInterval(1800))
        }
        let reopened = try Ledger(path: path, mode: .existing)
        let all = try reopened.houseQuarters(since: .distantPast)
        // Days 0 and 1 are more than 7 days before the last write (day 8, 18:15): pruned.
        #expect(all.map(\.start) == (2..<9).map { monday.addingTimeInterval(Double($0) * 86_400) })
        #expect(all.last == HouseLoadQuarter(start: monday.addingTimeInterval(8 * 86_400), averageW: 2500, readings: 91))
        #expect(try reopened.houseQuarters(since: monday.addingTimeInterval(7 * 86_400)).map(\.averageW) == [1007, 2500])
    }
}
