import Foundation
import GRDB
import Metering
import Tariffs
import Testing

struct LedgerTests {
    @Test func mixedBatchStoresTheGoodRecordsAndReportsTheBadOnes() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let items: [[String: Any]] = [
            jsonRecord("r1", "2025-10-07T01:00:00Z", "2025-10-07T01:15:00Z"),
            jsonRecord("r2", "2025-10-07T01:15:00Z", "2025-10-07T01:00:00Z"),
            jsonRecord("r3", "2025-10-07T01:15:00Z", "2025-10-07T01:30:00Z", units: "VA"),
            jsonRecord("r4", "2025-10-07T01:30:00Z", "2025-10-07T01:45:00Z", value: 1, units: "KWH"),
            jsonRecord("r1", "2025-10-07T01:00:00Z", "2025-10-07T01:15:00Z"),
        ]
        let batch = try MeterBatch.parse(json: batchJSON(items), source: "b.json")
        let report = try ledger.importBatch(batch)
        #expect(report.recordsSubmitted == 5)
        #expect(report.recordsAccepted == 3)
        #expect(report.recordsProcessed == 2)
        #expect(report.recordsDuplicate == 1)
        #expect(report.failedRecords.map(\.recordNum) == [1, 2])
        #expect(report.failedRecords.map(\.recordReferenceId) == ["r2", "r3"])
        #expect(try ledger.recordCount() == 2)
        #expect(try ledger.record("r4")?.energyWh == 1000)
        #expect(try ledger.record("r2") == nil)

        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(json["object"] as? String == "meter_batch")
        #expect(json["records_submitted"] as? Int == 5)
        #expect(json["records_accepted"] as? Int == 3)
        #expect(json["records_processed"] as? Int == 2)
        let failed = try #require(json["failed_records"] as? [[String: Any]])
        #expect(Set(failed[0].keys) == ["record_num", "record_reference_id", "error"])
        #expect((failed[0]["error"] as? String)?.contains("end_time") == true)
    }

    @Test func reimportingABatchAddsNoEnergy() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        let records: [MeterRecord] = (0..<96).map { (i: Int) in record("r\(i)", "2025-10-07T00:00:00Z", energyWh: 100).shifted(minutes: Double(15 * i)) }
        #expect(try Ledger(path: path).append(records) == 96)
        let reopened = try Ledger(path: path, mode: .existing)
        #expect(try reopened.append(records) == 0)
        #expect(try reopened.append(Array(records[90...]) + [record("new", "2025-10-08T00:00:00Z", energyWh: 5)]) == 1)
        #expect(try reopened.recordCount() == 97)
        #expect(try reopened.session("S1").importEnergyWh == 9605)
    }

    @Test func databaseIsAPrivateWALFileWithASchemaVersion() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        _ = try Ledger(path: path).append([record("r", "2025-10-07T00:00:00Z", energyWh: 1)])
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let queue = try DatabaseQueue(path: path)
        let mode = try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        let migrations = try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(mode == "wal")
        #expect(migrations == ["v1", "v2", "v3", "v4", "v5-solar-wh", "v6-house-profile"])
    }

    @Test func missingLedgerIsAnErrorWhenItMustExist() {
        let dir = TemporaryDirectory()
        let path = dir.file("none.sqlite")
        #expect(throws: LedgerError.missing(path: path)) { try Ledger(path: path, mode: .existing) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func ledgerInAMissingFolderIsAnError() {
        let dir = TemporaryDirectory()
        let path = dir.file("nope/ledger.sqlite")
        #expect(throws: LedgerError.directoryMissing(path: path, directory: dir.file("nope"))) { try Ledger(path: path) }
    }

    @Test func fileThatIsNotADatabaseIsAnError() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("notes.txt")
        try String(repeating: "not a database\n", count: 200).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: LedgerError.notADatabase(path: path)) { try Ledger(path: path, mode: .existing) }
    }

    @Test func otherAppsDatabaseIsNotTakenOver() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("other.sqlite")
        try DatabaseQueue(path: path).write { try $0.execute(sql: "CREATE TABLE customers (id INTEGER)") }
        #expect(throws: LedgerError.notALedger(path: path)) { try Ledger(path: path) }
    }

    @Test func lockedLedgerIsAnErrorNotAHang() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        let ledger = try Ledger(path: path, busyTimeout: 0.2)
        let other = try DatabaseQueue(path: path)
        try other.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            #expect(throws: LedgerError.locked(path: path, seconds: 0.2)) {
                try ledger.append([record("r", "2025-10-07T00:00:00Z", energyWh: 1)])
            }
            try db.execute(sql: "ROLLBACK")
        }
        #expect(try ledger.append([record("r", "2025-10-07T00:00:00Z", energyWh: 1)]) == 1)
    }

    @Test func unknownSessionIsAnError() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.sqlite")
        let ledger = try Ledger(path: path)
        #expect(throws: LedgerError.unknownSession(id: "S9", path: path)) { try ledger.session("S9") }
    }

    @Test func lastSessionIsTheOneOfTheDevicesLatestRecord() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append([
            record("a", "2025-10-07T00:00:00Z", energyWh: 10, session: "S1"),
            record("b", "2025-10-08T00:00:00Z", energyWh: 20, session: "S2"),
            record("c", "2025-10-08T00:15:00Z", energyWh: 30, session: "S2"),
            record("d", "2025-10-09T00:00:00Z", energyWh: 5, device: "car2", session: "S3"),
            record("e", "2025-10-08T00:30:00Z", energyWh: 7, session: "S2", direction: .export),
        ])
        let last = try #require(try ledger.lastSession(deviceId: "car1"))
        #expect(last.sessionReferenceId == "S2")
        #expect(last.start == instant("2025-10-08T00:00:00Z"))
        #expect(last.end == instant("2025-10-08T00:45:00Z"))
        #expect(last.importEnergyWh == 50)
        #expect(last.exportEnergyWh == 7)
        #expect(last.recordCount == 3)
        #expect(try ledger.lastSession(deviceId: "car9") == nil)
    }

    @Test func invalidRecordsAreRefusedWholeByAppend() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        var bad = record("bad", "2025-10-07T00:00:00Z", energyWh: -1)
        #expect(throws: LedgerError.self) { try ledger.append([record("ok", "2025-10-07T00:00:00Z", energyWh: 1), bad]) }
        bad.energyWh = 1
        bad.end = bad.start
        #expect(throws: LedgerError.self) { try ledger.append([bad]) }
        #expect(try ledger.recordCount() == 0)
    }

    @Test func energyIntervalsSumRecordsThatShareAnInterval() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append([
            record("a", "2025-10-07T00:00:00Z", energyWh: 10, device: "car1"),
            record("b", "2025-10-07T00:00:00Z", energyWh: 20, device: "car2"),
            record("c", "2025-10-07T00:15:00Z", energyWh: 30, device: "car1"),
            record("long", "2025-10-06T00:00:00Z", minutes: 24 * 60 + 1, energyWh: 1440, device: "car2"),
            record("x", "2025-10-07T00:15:00Z", energyWh: 99, device: "car1", direction: .export),
        ])
        let all = try ledger.energyIntervals(from: instant("2025-10-07T00:00:00Z"), to: instant("2025-10-07T00:15:00Z"),
                                             direction: .import)
        #expect(all.map(\.energyWh).sorted() == [30, 1440]) // the long record overlaps the window
        let car1 = try ledger.energyIntervals(from: instant("2025-10-07T00:00:00Z"), to: instant("2025-10-08T00:00:00Z"),
                                              direction: .import, deviceId: "car1")
        #expect(car1.map(\.energyWh) == [10, 30])
        let export = try ledger.energyIntervals(from: instant("2025-10-07T00:00:00Z"), to: instant("2025-10-08T00:00:00Z"),
                                                direction: .export)
        #expect(export.map(\.energyWh) == [99])
    }
}

extension MeterRecord {
    func shifted(minutes: Double) -> MeterRecord {
        var copy = self
        copy.start = start.addingTimeInterval(minutes * 60)
        copy.end = end.addingTimeInterval(minutes * 60)
        return copy
    }
}
