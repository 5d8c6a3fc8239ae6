import Foundation
import GRDB
import Metering
import Tariffs
import Testing

/// The `meter import` and `costs` commands, run as the built binary.
struct LedgerCLITests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func importPrintsTheBatchReportAndReimportIsIdempotent() throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir)
        let db = dir.file("ledger.sqlite")
        let batch = batchJSON([
            jsonRecord("r1", "2025-10-07T01:00:00Z", "2025-10-07T02:00:00Z", value: 2034),
            jsonRecord("r2", "2025-10-07T02:00:00Z", "2025-10-07T01:00:00Z"),
            jsonRecord("r3", "2025-10-07T02:00:00Z", "2025-10-07T02:30:00Z", value: 1.5, units: "KWH"),
            jsonRecord("r4", "2025-10-07T02:30:00Z", "2025-10-07T03:00:00Z", direction: "UPWARDS"),
        ])
        let first = try ChargeBridgeCLI.run(["meter", "import", "--db", db, "--tariff", tariff, "--format", "json", "-"], stdin: batch)
        #expect(first.status == 1) // some records were rejected
        #expect(first.stderr.contains("2 of 4 records in standard input were rejected"))
        let report = try json(first.stdout)
        #expect(report["object"] as? String == "meter_batch")
        #expect(report["records_submitted"] as? Int == 4)
        #expect(report["records_accepted"] as? Int == 2)
        #expect(report["records_processed"] as? Int == 2)
        let failed = try #require(report["failed_records"] as? [[String: Any]])
        #expect(failed.map { $0["record_num"] as? Int } == [1, 3])
        #expect(failed.map { $0["record_reference_id"] as? String } == ["r2", "r4"])
        #expect((failed[1]["error"] as? String)?.contains("direction \"UPWARDS\" is not IMPORT or EXPORT") == true)

        let file = dir.file("batch.json")
        try batch.write(to: URL(fileURLWithPath: file))
        let again = try json(ChargeBridgeCLI.run(["meter", "import", "--db", db, "--format", "json", file]).stdout)
        #expect(again["records_accepted"] as? Int == 2)
        #expect(again["records_processed"] as? Int == 0)
        let count = try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM meter_record") }
        #expect(count == 2)
        let mode = try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func sessionCostAsJSONWithTariffBreakdown() throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir)
        let db = dir.file("ledger.sqlite")
        let batch = batchJSON([
            jsonRecord("r1", "2025-10-07T01:05:00Z", "2025-10-07T01:35:00Z", value: 4000, session: "SESSION123"),
            jsonRecord("r2", "2025-10-07T01:35:00Z", "2025-10-07T01:45:00Z", value: 500, units: "WH", session: "SESSION123"),
        ])
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, "--tariff", tariff, "-"], stdin: batch).status == 0)
        let result = try ChargeBridgeCLI.run(["costs", "session", "SESSION123", "--db", db, "--tariff", tariff,
                                              "--include-tariff", "--format", "json"])
        #expect(result.status == 0)
        let cost = try json(result.stdout)
        #expect(cost["object"] as? String == "energy_cost")
        #expect(cost["object_id"] as? String == "SESSION123")
        #expect(cost["direction"] as? String == "IMPORT")
        #expect(cost["location_timezone"] as? String == "Europe/Berlin")
        #expect(cost["currency_code"] as? String == "EUR")
        #expect(cost["energy_units"] as? String == "WH")
        let data = try #require(cost["data"] as? [[String: Any]])
        // r1 splits at 01:15 and 01:30; r2 lies in one slot.
        #expect(data.map { $0["start_time"] as? String } == ["2025-10-07T01:05:00Z", "2025-10-07T01:15:00Z", "2025-10-07T01:30:00Z", "2025-10-07T01:35:00Z"])
        #expect(data.allSatisfy { $0["session_reference_id"] as? String == "SESSION123" })
        let energies = data.compactMap { ($0["energy"] as? [String: Any])?["value"] as? Double }
        #expect(energies == [666.667, 1000, 333.333, 500])
        let slots = ["2025-10-07T01:00:00Z", "2025-10-07T01:15:00Z", "2025-10-07T01:30:00Z", "2025-10-07T01:30:00Z"].map(instant)
        let expected = zip([2000.0 / 3, 1000, 1000.0 / 3, 500], slots).reduce(0) { $0 + $1.0 / 1000 * RealPrices.price(at: $1.1) }
        let total = try #require((cost["tariff"] as? [String: Any])?["value"] as? Double)
        #expect(abs(total - expected) < 1e-5)
        let breakdown = try #require(cost["tariff_breakdown"] as? [[String: Any]])
        #expect(breakdown.count == 3)
        #expect(breakdown.allSatisfy { $0["type"] as? String == "dynamic" })
        let session = try #require(cost["session"] as? [String: Any])
        #expect(session["device_id"] as? String == "car1")
        #expect(session["savings"] is [String: Any])
    }

    @Test func intervalCostsPerLocalDayAcrossTheAutumnChange() throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir)
        let db = dir.file("ledger.sqlite")
        // One hour-long record every local hour, 2025-10-25 to 2025-10-27: 24 + 25 + 24 records.
        var items: [[String: Any]] = []
        var start = instant("2025-10-25T00:00:00+02:00")
        while start < instant("2025-10-28T00:00:00+01:00") {
            items.append(jsonRecord("h\(Int(start.timeIntervalSince1970))", Timestamp.format(start),
                                    Timestamp.format(start.addingTimeInterval(3600)), value: 1000))
            start = start.addingTimeInterval(3600)
        }
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, "-"], stdin: batchJSON(items)).status == 0)
        let result = try ChargeBridgeCLI.run(["costs", "interval", "--db", db, "--tariff", tariff,
                                              "--from", "2025-10-25T00:00:00+02:00", "--to", "2025-10-28T00:00:00+01:00",
                                              "--aggregation", "day", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let data = try #require(try json(result.stdout)["data"] as? [[String: Any]])
        #expect(data.map { $0["start_time"] as? String } == ["2025-10-24T22:00:00Z", "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z"])
        #expect(data.compactMap { ($0["energy"] as? [String: Any])?["value"] as? Double } == [24000, 25000, 24000])
        #expect(data.allSatisfy { $0.keys.contains("session_reference_id") })

        let csv = try ChargeBridgeCLI.run(["costs", "interval", "--db", db, "--tariff", tariff, "--device", "car1",
                                           "--from", "2025-10-01T00:00:00+02:00", "--to", "2026-01-01T00:00:00+01:00",
                                           "--aggregation", "month", "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.count == 4)
        #expect(rows[1].hasPrefix("2025-09-30T22:00:00Z,2025-10-31T23:00:00Z,"))
        #expect(rows[1].contains(",73000,"))
    }

    @Test func instantCostsOneRecordAndStoresNothing() throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir)
        let record = #"{"start_time": "2025-12-01T17:00:00+01:00", "end_time": "2025-12-01T17:30:00+01:00", "device_id": "car1", "record_reference_id": "i1", "units": "KW", "value": 11}"#
        let inline = try ChargeBridgeCLI.run(["costs", "instant", "--tariff", tariff, "--format", "json", record])
        let piped = try ChargeBridgeCLI.run(["costs", "instant", "--tariff", tariff, "--format", "json", "-"], stdin: Data(record.utf8))
        #expect(inline.status == 0)
        #expect(inline.stdout == piped.stdout)
        let cost = try json(inline.stdout)
        #expect(cost["object_id"] as? String == "i1")
        let data = try #require(cost["data"] as? [[String: Any]])
        #expect(data.count == 2)
        let expected = 2.75 * RealPrices.price(at: instant("2025-12-01T16:00:00Z")) + 2.75 * RealPrices.price(at: instant("2025-12-01T16:15:00Z"))
        let total = try #require((cost["tariff"] as? [String: Any])?["value"] as? Double)
        #expect(abs(total - expected) < 1e-5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains("sqlite") })

        let bad = try ChargeBridgeCLI.run(["costs", "instant", "--tariff", tariff, #"{"start_time": "2025-12-01T17:00:00Z", "end_time": "2025-12-01T16:00:00Z", "device_id": "c", "record_reference_id": "i2", "units": "W", "value": 1}"#])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\"i2\""))
        #expect(bad.stderr.contains("is before start_time"))
    }

    @Test func gapInThePricesIsSaidNotCostedAtZero() throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir, forecast: false)
        // The prices end at 2026-05-31T22:00Z.
        let record = #"{"start_time": "2026-05-31T21:30:00Z", "end_time": "2026-05-31T22:30:00Z", "device_id": "car1", "record_reference_id": "late", "units": "W", "value": 4000}"#
        let result = try ChargeBridgeCLI.run(["costs", "instant", "--tariff", tariff, "--format", "json", record])
        #expect(result.status == 0)
        #expect(result.stderr.contains("No import price is known for 2000 Wh (2026-05-31T22:00:00Z to 2026-05-31T22:30:00Z)"))
        let cost = try json(result.stdout)
        #expect((cost["unpriced_energy"] as? [String: Any])?["value"] as? Double == 2000)
        #expect((cost["tariff"] as? [String: Any])?["confidence"] as? Double == 0)
    }

    @Test(arguments: [
        (["costs", "session", "S1", "--db", "{dir}/missing.sqlite", "--tariff", "{tariff}"], "The ledger {dir}/missing.sqlite does not exist"),
        (["costs", "session", "NOPE", "--db", "{db}", "--tariff", "{tariff}"], "The ledger {db} has no session \"NOPE\"."),
        (["meter", "import", "--db", "{dir}/no/such/folder.sqlite", "{dir}/batch.json"], "the folder {dir}/no/such does not exist"),
        (["meter", "import", "--db", "{dir}/batch.json", "{dir}/batch.json"], "is not an SQLite database"),
        (["meter", "import", "--db", "{db}", "{dir}/none.json"], "Cannot read the meter records {dir}/none.json: no such file."),
        (["costs", "interval", "--db", "{dir}", "--tariff", "{tariff}", "--from", "2025-10-01T00:00:00Z", "--to", "2025-10-02T00:00:00Z", "--aggregation", "day"], "is a folder"),
    ])
    func badPathsAndUnknownSessionsAreOneSentenceAndExitOne(arguments: [String], message: String) throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir)
        let db = dir.file("ledger.sqlite")
        let batch = batchJSON([jsonRecord("r1", "2025-10-07T01:00:00Z", "2025-10-07T02:00:00Z")])
        try batch.write(to: URL(fileURLWithPath: dir.file("batch.json")))
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, dir.file("batch.json")]).status == 0)
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{dir}", with: dir.path).replacingOccurrences(of: "{db}", with: db)
                .replacingOccurrences(of: "{tariff}", with: tariff)
        }
        let result = try ChargeBridgeCLI.run(arguments.map(fill))
        #expect(result.status == 1)
        #expect(result.stderr.contains(fill(message)), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stdout.isEmpty)
    }

    @Test func usageErrorsExitTwo() throws {
        let dir = TemporaryDirectory()
        let result = try ChargeBridgeCLI.run(["costs", "interval", "--db", dir.file("l.sqlite"), "--tariff", "t.json",
                                              "--from", "2025-10-02T00:00:00Z", "--to", "2025-10-01T00:00:00Z", "--aggregation", "day"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--to 2025-10-01T00:00:00Z must be after --from"))
        #expect(try ChargeBridgeCLI.run(["costs", "session", "S1", "--db", "x", "--tariff", "t", "--format", "chart"]).status == 2)
        // --export-price must be a number, checked before the ledger is opened.
        let session = try ChargeBridgeCLI.run(["costs", "session", "S1", "--db", "x", "--tariff", "t", "--export-price", "nan"])
        #expect(session.status == 2)
        #expect(session.stderr.contains("--export-price nan is not a number."), "\(session.stderr)")
        let interval = try ChargeBridgeCLI.run(["costs", "interval", "--db", "x", "--tariff", "t", "--from", "2025-10-01T00:00:00Z",
                                                "--to", "2025-10-02T00:00:00Z", "--aggregation", "day", "--export-price", "inf"])
        #expect(interval.status == 2)
        #expect(interval.stderr.contains("--export-price inf is not a number."), "\(interval.stderr)")
    }

    @Test func lockedLedgerIsOneSentenceAndExitOne() throws {
        let dir = TemporaryDirectory()
        let db = dir.file("ledger.sqlite")
        let batch = batchJSON([jsonRecord("r1", "2025-10-07T01:00:00Z", "2025-10-07T02:00:00Z")])
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, "-"], stdin: batch).status == 0)
        let holder = try DatabaseQueue(path: db)
        let result = try holder.writeWithoutTransaction { connection in
            try connection.execute(sql: "BEGIN IMMEDIATE")
            defer { try? connection.execute(sql: "ROLLBACK") }
            return try ChargeBridgeCLI.run(["meter", "import", "--db", db, "-"],
                                           stdin: batchJSON([jsonRecord("r2", "2025-10-07T02:00:00Z", "2025-10-07T03:00:00Z")]))
        }
        #expect(result.status == 1)
        #expect(result.stderr.contains("The ledger \(db) is locked by another process"), "\(result.stderr)")
    }

    @Test func killedImportLeavesTheLedgerAsBeforeAndAReimportCompletesIt() throws {
        let dir = TemporaryDirectory()
        let db = dir.file("ledger.sqlite")
        let small = batchJSON([jsonRecord("before", "2025-10-01T00:00:00Z", "2025-10-01T00:15:00Z", value: 40, units: "WH")])
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, "-"], stdin: small).status == 0)
        // A large batch: 50,000 records of 10 devices (written as text: quicker than JSONSerialization).
        let count = 50_000
        let base = instant("2025-10-01T00:00:00Z")
        var text = "["
        text.reserveCapacity(count * 200)
        for index in 0..<count {
            let start = base.addingTimeInterval(Double(index / 10) * 900)
            if index > 0 { text += ",\n" }
            text += #"{"start_time": "\#(Timestamp.format(start))", "end_time": "\#(Timestamp.format(start.addingTimeInterval(900)))", "#
                + #""device_id": "car\#(index % 10)", "session_reference_id": "S\#(index / 960)", "#
                + #""record_reference_id": "big-\#(index)", "units": "WH", "value": \#(index % 1000)}"#
        }
        text += "]"
        let file = dir.file("big.json")
        try text.write(toFile: file, atomically: true, encoding: .utf8)

        let process = try ChargeBridgeCLI.start(["meter", "import", "--db", db, file])
        // Wait until the transaction has spilled pages into the WAL, then kill it mid-batch.
        let wal = db + "-wal"
        let deadline = Date().addingTimeInterval(60)
        var walBytes = 0
        while process.isRunning, Date() < deadline {
            walBytes = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
            if walBytes > 2_000_000 { break }
            usleep(1000)
        }
        let killedMidBatch = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(killedMidBatch, "the import finished before it could be killed")
        #expect(process.terminationReason == .uncaughtSignal)

        let queue = try DatabaseQueue(path: db)
        let integrity = try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
        let stored = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM meter_record") }
        #expect(integrity == ["ok"])
        #expect(stored == 1) // as before the batch: none of it

        let rerun = try ChargeBridgeCLI.run(["meter", "import", "--db", db, "--format", "json", file])
        #expect(rerun.status == 0)
        #expect(try json(rerun.stdout)["records_processed"] as? Int == count)
        let after = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM meter_record") }
        let energy = try queue.read { try Double.fetchOne($0, sql: "SELECT total(energy_wh) FROM meter_record") }
        #expect(after == count + 1)
        #expect(energy == Double((0..<count).reduce(0) { $0 + $1 % 1000 } + 40))
    }

    @Test func aLiveSourcesTariffIsPricedWithThePricesTheLedgerStored() throws {
        let dir = TemporaryDirectory()
        let tariff = dir.file("awattar.yaml")
        try """
            timeZone: Europe/Berlin
            currency: EUR
            tariffs: [{type: dynamic, currency: EUR}]
            dynamic: {source: awattar, zone: DE-LU, unit: EUR/MWh, charges: 0.10, forecast: false}
            """.write(toFile: tariff, atomically: true, encoding: .utf8)
        let db = dir.file("ledger.sqlite")
        // What the bridge stored from aWATTar: 100 EUR/MWh, then 50.
        let ledger = try Ledger(path: db)
        try ledger.storeSpotPrices([
            .init(start: instant("2026-11-22T00:00:00Z"), end: instant("2026-11-22T01:00:00Z"), price: 100),
            .init(start: instant("2026-11-22T01:00:00Z"), end: instant("2026-11-22T02:00:00Z"), price: 50),
        ], source: "awattar DE-LU")
        let batch = batchJSON([
            jsonRecord("r1", "2026-11-22T00:30:00Z", "2026-11-22T01:30:00Z", value: 2000, session: "S1"),
        ])
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, "-"], stdin: batch).status == 0)
        // 1 kWh at 0.20 and 1 kWh at 0.15.
        let cost = try json(ChargeBridgeCLI.run(["costs", "session", "S1", "--db", db, "--tariff", tariff, "--format", "json"]).stdout)
        let total = try #require((cost["tariff"] as? [String: Any])?["value"] as? Double)
        #expect(abs(total - 0.35) < 1e-9)

        let rates = try ChargeBridgeCLI.run(["tariff", "rates", "--tariff", tariff, "--ledger", db, "--from", "2026-11-22T00:00:00Z",
                                             "--to", "2026-11-22T02:00:00Z", "--format", "json"])
        #expect(rates.status == 0)
        let data = try #require(try json(rates.stdout)["data"] as? [[String: Any]])
        #expect(data.compactMap { ($0["tariff"] as? [String: Any])?["rate"] as? Double } == [0.2, 0.15])
        // Without the ledger the same window has no price.
        let bare = try json(ChargeBridgeCLI.run(["tariff", "rates", "--tariff", tariff, "--from", "2026-11-22T00:00:00Z",
                                                 "--to", "2026-11-22T02:00:00Z", "--format", "json"]).stdout)
        #expect((bare["data"] as? [Any])?.isEmpty == true)
    }
}
