import Foundation
import Metering
import Testing
@testable import Bridge

/// The house's usual load against real parts (docs/site.md, "The house's usual load"): the
/// test kit's emulated grid meter on a real mosquitto, the bridge's services on an accelerated
/// clock, the ledger a real SQLite file. Each finished quarter-hour's average house load goes
/// to the ledger through the writer, and is there for the next start.
@Suite(.serialized) struct HouseProfileEndToEndTests {
    @Test func finishedQuartersReachTheLedgerAndOutliveARestart() async throws {
        let rig = try await SiteRig.start(houseW: 2_000)
        defer { rig.end() }
        // Two quarter-hours and a bit of a 2 kW house, no car: house = grid.
        try await rig.run(minutes: 33)
        try await rig.restartBridge(after: 1)
        let ledger = try Ledger(path: rig.folder.appendingPathComponent("ledger.sqlite").path, mode: .existing)
        let quarters = try ledger.houseQuarters(since: .distantPast)
        // The first quarter the bridge saw may be partial; the whole ones average the meter's 2 kW.
        #expect(quarters.count >= 2, "\(quarters)")
        for quarter in quarters {
            #expect(abs(quarter.averageW - 2_000) < 1e-6, "\(quarter)")
            #expect(quarter.start.timeIntervalSince1970.truncatingRemainder(dividingBy: 900) == 0)
        }
        #expect(quarters.dropFirst().allSatisfy { $0.readings >= 90 }, "a reading every 5 s, 180 a quarter-hour: \(quarters.map(\.readings))")
        // After the restart the bridge goes on from what it stored (same rows, more to come).
        try await rig.run(minutes: 16)
        try await rig.restartBridge(after: 1)
        let later = try ledger.houseQuarters(since: .distantPast)
        #expect(later.count > quarters.count && Array(later.prefix(quarters.count)) == quarters)
    }
}
