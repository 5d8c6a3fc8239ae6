import Foundation
import GRDB
@testable import Metering
import Tariffs
import Testing

/// Sessions opened and closed by the bridge, and the schema migration that added them.
struct LedgerSessionTests {
    @Test func openSessionIsFoundAfterARestartWithItsEnergyAndCounter() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        do {
            let ledger = try Ledger(path: path)
            try ledger.openSession("S1", deviceId: "car1", locationId: "home", at: instant("2025-10-07T00:58:00Z"))
            var first = record("a", "2025-10-07T01:00:00Z", energyWh: 500)
            first.counterWh = 10_500
            var second = record("b", "2025-10-07T01:15:00Z", energyWh: 700)
            second.counterWh = 11_200
            try ledger.append([first, second])
            try ledger.openSession("S1", deviceId: "car1", at: instant("2025-10-07T02:00:00Z")) // again: no change
        }
        let reopened = try Ledger(path: path, mode: .existing)
        let open = try #require(try reopened.openSession(deviceId: "car1"))
        #expect(open.sessionReferenceId == "S1")
        #expect(open.isOpen)
        #expect(open.openedAt == instant("2025-10-07T00:58:00Z"))
        #expect(open.start == instant("2025-10-07T00:58:00Z"))
        #expect(open.end == instant("2025-10-07T01:30:00Z"))
        #expect(open.importEnergyWh == 1200)
        #expect(open.lastCounterWh == 11_200)
        #expect(try reopened.record("b")?.counterWh == 11_200)

        try reopened.closeSession("S1", at: instant("2025-10-07T03:00:00Z"))
        try reopened.closeSession("S1", at: instant("2025-10-07T04:00:00Z")) // again: first close stays
        #expect(try reopened.openSession(deviceId: "car1") == nil)
        let closed = try reopened.session("S1")
        #expect(!closed.isOpen)
        #expect(closed.closedAt == instant("2025-10-07T03:00:00Z"))
        #expect(try reopened.lastSession(deviceId: "car1")?.sessionReferenceId == "S1")
    }

    @Test func savingsCompareWithChargingAtOnceFromThePlugIn() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        // Peak 0.40 until 23:00 UTC, off-peak 0.20 after (a UTC tariff keeps the arithmetic plain).
        let tariffs = try TariffSet.parse(Data("""
        {"timeZone": "UTC", "currency": "EUR",
         "tariffs": [{"currency": "EUR", "price": 0.40, "type": "peak"}, {"currency": "EUR", "price": 0.20, "type": "offPeak"}],
         "tariffIntervals": [
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "00:00", "endTime": "07:00", "tariffType": "offPeak"},
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "07:00", "endTime": "23:00", "tariffType": "peak"},
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "23:00", "endTime": "24:00", "tariffType": "offPeak"}]}
        """.utf8), baseDirectory: URL(fileURLWithPath: "/"))
        // Plugged in at 18:00; the smart plan drew 11 kWh at 02:00-03:00 (11 kW).
        try ledger.openSession("S1", deviceId: "car1", at: instant("2025-10-06T18:00:00Z"))
        try ledger.append([record("a", "2025-10-07T02:00:00Z", minutes: 60, energyWh: 11_000)])
        let cost = try ledger.sessionCost("S1", tariffs: tariffs)
        #expect(abs(cost.total.cost - 2.2) < 1e-9)
        // A plain charger would have drawn the same 11 kWh at 18:00-19:00, at peak price.
        #expect(abs((cost.baseline?.cost ?? 0) - 4.4) < 1e-9)
        #expect(abs((cost.savings ?? 0) - 2.2) < 1e-9)

    }

    @Test func theCarsLimitCapsTheBaselinesPowerAgainstAStretchedRecord() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        // Peak 0.40 from 18:00 to 20:00 UTC, 0.10 otherwise.
        let tariffs = try TariffSet.parse(Data("""
        {"timeZone": "UTC", "currency": "EUR",
         "tariffs": [{"currency": "EUR", "price": 0.40, "type": "peak"}, {"currency": "EUR", "price": 0.10, "type": "offPeak"}],
         "tariffIntervals": [
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "00:00", "endTime": "18:00", "tariffType": "offPeak"},
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "18:00", "endTime": "20:00", "tariffType": "peak"},
           {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "20:00", "endTime": "24:00", "tariffType": "offPeak"}]}
        """.utf8), baseDirectory: URL(fileURLWithPath: "/"))
        // Plugged in at 18:00; 21 kWh charged at night at 7 kW (2.10 EUR). One 1-minute record,
        // stretched by a late counter reading, shows 28 kW.
        try ledger.openSession("S1", deviceId: "car1", at: instant("2025-10-06T18:00:00Z"))
        try ledger.append([
            record("a", "2025-10-07T01:00:00Z", minutes: 60, energyWh: 7_000),
            record("b", "2025-10-07T02:00:00Z", minutes: 59, energyWh: 6_533.333),
            record("c", "2025-10-07T02:59:00Z", minutes: 1, energyWh: 466.667),
            record("d", "2025-10-07T03:00:00Z", minutes: 60, energyWh: 7_000),
        ])
        // Uncapped, a plain charger would take 28 kW: done by 18:45, all at peak (8.40 EUR).
        let uncapped = try ledger.sessionCost("S1", tariffs: tariffs)
        #expect(abs(uncapped.peakPowerW - 28_000) < 1)
        #expect(abs((uncapped.baseline?.cost ?? 0) - 21 * 0.40) < 1e-6)
        // At the car's 7 kW it runs 18:00-21:00: 14 kWh at peak and 7 off-peak (6.30 EUR).
        let capped = try ledger.sessionCost("S1", tariffs: tariffs, maximumPowerW: 7_000)
        #expect(capped.peakPowerW == 7_000)
        #expect(abs(capped.total.cost - 2.1) < 1e-6)
        #expect(abs((capped.baseline?.cost ?? 0) - (14 * 0.40 + 7 * 0.10)) < 1e-6)
        #expect(abs((capped.savings ?? 0) - 4.2) < 1e-6)
    }

    /// Found by `make chaos`: a bridge killed before a session's first record must still know
    /// the counter the session started from, or the energy up to its next reading is lost.
    @Test func sessionOpenedWithACounterKeepsItAsBaselineUntilARecordHasOne() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.openSession("S1", deviceId: "car1", at: instant("2025-10-08T18:00:00Z"), counterWh: 5_000)
        #expect(try ledger.openSession(deviceId: "car1")?.lastCounterWh == 5_000)
        var first = record("a", "2025-10-08T18:00:00Z", minutes: 1, energyWh: 1.5, session: "S1")
        first.counterWh = 5_001.5
        _ = try ledger.append([first])
        #expect(try ledger.openSession(deviceId: "car1")?.lastCounterWh == 5_001.5)
        try ledger.openSession("S2", deviceId: "car2", at: instant("2025-10-08T18:00:00Z"))
        #expect(try ledger.openSession(deviceId: "car2")?.lastCounterWh == nil)
    }

    @Test func sessionOpenedWithoutRecordsYetIsTheLastOne() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append([record("a", "2025-10-07T01:00:00Z", energyWh: 500, session: "S1")])
        try ledger.openSession("S2", deviceId: "car1", at: instant("2025-10-08T18:00:00Z"))
        let last = try #require(try ledger.lastSession(deviceId: "car1"))
        #expect(last.sessionReferenceId == "S2")
        #expect(last.recordCount == 0)
        #expect(last.start == instant("2025-10-08T18:00:00Z"))
        #expect(last.end == last.start)
        #expect(last.importEnergyWh == 0)
    }

    @Test func closingASessionKnownOnlyByItsRecordsOrUnknown() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        let ledger = try Ledger(path: path)
        try ledger.append([record("a", "2025-10-07T01:00:00Z", energyWh: 500, session: "S1")])
        try ledger.closeSession("S1", at: instant("2025-10-07T02:00:00Z"))
        let closed = try ledger.session("S1")
        #expect(closed.openedAt == instant("2025-10-07T01:00:00Z"))
        #expect(closed.closedAt == instant("2025-10-07T02:00:00Z"))
        #expect(throws: LedgerError.unknownSession(id: "S9", path: path)) {
            try ledger.closeSession("S9", at: instant("2025-10-07T02:00:00Z"))
        }
    }

    @Test func ledgerOfTheFirstSchemaIsMigratedKeepingItsRecords() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("v1.sqlite")
        try oldLedger(path, upTo: "v1", sql: """
            INSERT INTO meter_record (record_reference_id, device_id, session_reference_id, direction, tariff_rate,
                measurand, start_ms, end_ms, energy_wh)
            VALUES ('old', 'car1', 'S0', 'IMPORT', 'IMPORT', 'TRANSFERRED', 1759798800000, 1759799700000, 250)
            """)
        let ledger = try Ledger(path: path, mode: .existing)
        let old = try #require(try ledger.record("old"))
        #expect(old.energyWh == 250)
        #expect(old.counterWh == nil)
        #expect(old.start == instant("2025-10-07T01:00:00Z"))
        try ledger.openSession("S1", deviceId: "car1", at: instant("2025-10-08T00:00:00Z"))
        #expect(try ledger.openSession(deviceId: "car1")?.sessionReferenceId == "S1")
        let migrations = try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations == ["v1", "v2", "v3", "v4", "v5-solar-wh", "v6-house-profile"])
    }

    @Test func ledgerOfANewerReleaseIsRefused() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("future.sqlite")
        _ = try Ledger(path: path)
        try DatabaseQueue(path: path).write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        #expect(throws: LedgerError.newerSchema(path: path)) { try Ledger(path: path, mode: .existing) }
    }
}
