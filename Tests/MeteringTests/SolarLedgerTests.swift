import Foundation
import GRDB
@testable import Metering
import Tariffs
import Testing

/// A ledger file at `path` of the schema up to migration `version`, with `sql` run in it: what an
/// older release left behind.
func oldLedger(_ path: String, upTo version: String, sql: String) throws {
    let queue = try DatabaseQueue(path: path)
    try LedgerSchema.migrator.migrate(queue, upTo: version)
    try queue.write { try $0.execute(sql: sql) }
    try queue.close()
}

/// Solar energy in the ledger and in the money (docs/meter-records.md, docs/costs.md): a
/// record's `solar_wh` is stored, read back and imported; a session's cost prices the solar
/// part at the export price and the rest at the import price; the savings compare with the
/// same energy charged at once from the grid. Real SQLite files, real DE-LU prices.
struct SolarLedgerTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Two 15-minute records at 8 kW (2000 Wh each), 1500 Wh and 500 Wh of them solar.
    static func solarRecords() -> [MeterRecord] {
        var first = record("s1", "2025-10-07T10:00:00Z", energyWh: 2000)
        first.solarWh = 1500
        var second = record("s2", "2025-10-07T10:15:00Z", energyWh: 2000)
        second.solarWh = 500
        return [first, second]
    }

    @Test func solarEnergyIsStoredAndReadBack() throws {
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        var unknown = record("s3", "2025-10-07T10:30:00Z", energyWh: 1000)
        unknown.solarWh = nil
        try ledger.append(Self.solarRecords() + [unknown])
        #expect(try ledger.record("s1")?.solarWh == 1500)
        #expect(try ledger.record("s2")?.solarWh == 500)
        #expect(try ledger.record("s3")?.solarWh == nil)
        let info = try ledger.session("S1")
        #expect(info.importEnergyWh == 5000)
        #expect(info.importSolarWh == 2000)
    }

    @Test func aLedgerOfTheFourthSchemaKeepsItsRecordsWithoutSolar() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("v4.sqlite")
        try oldLedger(path, upTo: "v4", sql: """
            INSERT INTO meter_record (record_reference_id, device_id, session_reference_id, direction, tariff_rate,
                measurand, start_ms, end_ms, energy_wh, counter_wh)
            VALUES ('old', 'car1', 'S1', 'IMPORT', 'IMPORT', 'TRANSFERRED', 1759831200000, 1759832100000, 2000, 12000)
            """)
        let ledger = try Ledger(path: path, mode: .existing)
        let old = try #require(try ledger.record("old"))
        #expect(old.energyWh == 2000)
        #expect(old.counterWh == 12000)
        #expect(old.solarWh == nil)
        #expect(try ledger.session("S1").importSolarWh == 0)
        var new = record("new", "2025-10-07T10:15:00Z", energyWh: 2000)
        new.solarWh = 800
        try ledger.append([new])
        #expect(try ledger.record("new")?.solarWh == 800)
        #expect(try ledger.session("S1").importSolarWh == 800)
        let migrations = try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations.suffix(2) == ["v5-solar-wh", "v6-house-profile"])
    }

    @Test func importedRecordsKeepTheirSolarEnergyAndBadOnesAreRejected() throws {
        var good = jsonRecord("j1", "2025-10-07T10:00:00Z", "2025-10-07T10:15:00Z", value: 2, units: "KWH")
        good["solar_wh"] = 1200
        var none = jsonRecord("j2", "2025-10-07T10:15:00Z", "2025-10-07T10:30:00Z", value: 8000)
        none["solar_wh"] = NSNull()
        var tooMuch = jsonRecord("j3", "2025-10-07T10:30:00Z", "2025-10-07T10:45:00Z", value: 1000, units: "WH")
        tooMuch["solar_wh"] = 1500
        var negative = jsonRecord("j4", "2025-10-07T10:45:00Z", "2025-10-07T11:00:00Z", value: 1000, units: "WH")
        negative["solar_wh"] = -1
        var text = jsonRecord("j5", "2025-10-07T11:00:00Z", "2025-10-07T11:15:00Z", value: 1000, units: "WH")
        text["solar_wh"] = "lots"
        let batch = try MeterBatch.parse(json: batchJSON([good, none, tooMuch, negative, text]), source: "batch.json")
        #expect(batch.records.map(\.recordReferenceId) == ["j1", "j2"])
        #expect(batch.records.map(\.solarWh) == [1200, nil])
        #expect(batch.failures.map(\.error) == [
            "solar_wh 1500.0 is more than the record's energy, 1000.0 Wh.",
            "solar_wh -1.0 is not a finite number of at least 0.",
            "solar_wh \"lots\" is not a number.",
        ])
        let dir = TemporaryDirectory()
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        _ = try ledger.importBatch(batch)
        #expect(try ledger.record("j1")?.solarWh == 1200)
        #expect(try ledger.record("j2")?.solarWh == nil)
    }

    @Test func theSessionCostPricesSolarAtTheExportPriceAndTheRestAtImport() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir, export: 0.07))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append(Self.solarRecords())
        let slots = [instant("2025-10-07T10:00:00Z"), instant("2025-10-07T10:15:00Z")]
        let gridCost = 500.0 / 1000 * RealPrices.price(at: slots[0]) + 1500.0 / 1000 * RealPrices.price(at: slots[1])

        // The tariff file's EXPORT price (0.07) when none is configured.
        let byTariff = try ledger.sessionCost("S1", tariffs: tariffs)
        #expect(abs(byTariff.total.energyWh - 4000) < 1e-9)
        #expect(abs(byTariff.solar.energyWh - 2000) < 1e-9)
        #expect(abs(byTariff.solarSharePercentage - 50) < 1e-9)
        #expect(abs(byTariff.solar.cost - 2.0 * 0.07) < 1e-9)
        #expect(abs(byTariff.total.cost - (gridCost + 2.0 * 0.07)) < 1e-9)
        // A configured price wins; without either it is 0.
        let configured = try ledger.sessionCost("S1", tariffs: tariffs, solarPrice: SolarPrice(fixedPerKWh: 0.05))
        #expect(abs(configured.total.cost - (gridCost + 2.0 * 0.05)) < 1e-9)
        let importOnly = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let free = try ledger.sessionCost("S1", tariffs: importOnly)
        #expect(abs(free.total.cost - gridCost) < 1e-9)

        // The savings: all 4000 Wh charged at once from the grid from the first record at its
        // 8 kW (30 minutes, the same two quarter hours here), less what the session cost.
        let baseline = 2.0 * RealPrices.price(at: slots[0]) + 2.0 * RealPrices.price(at: slots[1])
        #expect(abs((byTariff.baseline?.cost ?? 0) - baseline) < 1e-9)
        #expect(abs((byTariff.savings ?? 0) - (baseline - byTariff.total.cost)) < 1e-9)

        // The running costs the bridge publishes agree.
        var running = RunningCosts(deviceId: "car1", maximumPowerW: nil, solarPrice: SolarPrice(fixedPerKWh: 0.05))
        let figures = try running.refresh(ledger: ledger, sessionId: "S1", now: instant("2025-10-07T10:30:00Z"), tariffs: tariffs, pricesVersion: 0)
        #expect(abs((figures.session?.cost ?? 0) - configured.total.cost) < 1e-9)
        #expect(abs((figures.solar?.energyWh ?? 0) - 2000) < 1e-9)
        #expect(abs((figures.savings ?? 0) - (configured.savings ?? 0)) < 1e-9)
        #expect(figures.info?.importSolarWh == 2000)
    }

    @Test func costsSessionShowsTheSolarShareAndTheSavings() throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir)
        let db = dir.file("ledger.sqlite")
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, "--tariff", tariff, "-"], stdin: batchJSON(sunnyMorning(ids: "r1", "r2"))).status == 0)

        let result = try ChargeBridgeCLI.run(["costs", "session", "SUN", "--db", db, "--tariff", tariff, "--export-price", "0.08", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let cost = try json(result.stdout)
        let session = try #require(cost["session"] as? [String: Any])
        #expect(session["solar_wh"] as? Double == 2000)
        #expect(session["solar_share"] as? Double == 50)
        let solar = try #require(session["solar"] as? [String: Any])
        #expect(((solar["tariff"] as? [String: Any])?["value"] as? Double).map { abs($0 - 0.16) < 1e-9 } == true)
        let slots = [instant("2025-10-07T10:00:00Z"), instant("2025-10-07T10:15:00Z")]
        let expected = 0.5 * RealPrices.price(at: slots[0]) + 1.5 * RealPrices.price(at: slots[1]) + 0.16
        let total = try #require((cost["tariff"] as? [String: Any])?["value"] as? Double)
        #expect(abs(total - expected) < 1e-5)
        let baseline = 2.0 * RealPrices.price(at: slots[0]) + 2.0 * RealPrices.price(at: slots[1])
        let savings = try #require((session["savings"] as? [String: Any])?["value"] as? Double)
        #expect(abs(savings - (baseline - expected)) < 1e-5)
        // Data items: each record's grid part, then its solar part at the export price.
        let data = try #require(cost["data"] as? [[String: Any]])
        #expect(data.map { $0["source"] as? String } == ["grid", "solar", "grid", "solar"])
        #expect(data.compactMap { ($0["energy"] as? [String: Any])?["value"] as? Double } == [500, 1500, 1500, 500])
        #expect(data.filter { $0["source"] as? String == "solar" }.allSatisfy { $0["rate"] as? Double == 0.08 && $0["type"] as? String == "solar" })

        let table = try ChargeBridgeCLI.run(["costs", "session", "SUN", "--db", db, "--tariff", tariff, "--export-price", "0.08"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("solar 2000 Wh (50.0 %) at the export price: 0.16 EUR"))
        #expect(table.stdout.contains("charged at once from the grid at 8000 W"))

        // Without a price for export: the solar energy costs 0.
        let free = try json(ChargeBridgeCLI.run(["costs", "session", "SUN", "--db", db, "--tariff", tariff, "--format", "json"]).stdout)
        let freeTotal = try #require((free["tariff"] as? [String: Any])?["value"] as? Double)
        #expect(abs(freeTotal - (expected - 0.16)) < 1e-5)
    }

    /// Session SUN: two quarter-hours from 10:00 UTC on 2025-10-07 at 8,000 Wh/h, 1,500 and then
    /// 500 Wh of each from the surplus.
    private func sunnyMorning(ids first: String, _ second: String) -> [[String: Any]] {
        var records = [jsonRecord(first, "2025-10-07T10:00:00Z", "2025-10-07T10:15:00Z", value: 8000, session: "SUN"),
                       jsonRecord(second, "2025-10-07T10:15:00Z", "2025-10-07T10:30:00Z", value: 8000, session: "SUN")]
        records[0]["solar_wh"] = 1500
        records[1]["solar_wh"] = 500
        return records
    }

    /// The day's and month's costs price the solar energy as the sessions' costs do, so a day is
    /// the sum of its sessions: `costs interval` against `costs session` through the real CLI on
    /// a real ledger, and the `cost/today` and `cost/month` figures the bridge publishes
    /// (``RunningCosts``) against ``Ledger/sessionCost(_:direction:tariffs:maximumPowerW:solarPrice:)``.
    @Test func theDayCostsTheSumOfItsSessionsWithTheirSolarEnergy() throws {
        let dir = TemporaryDirectory()
        let tariff = RealPrices.tariffFile(in: dir)
        let db = dir.file("ledger.sqlite")
        // A morning session partly in the sun, an evening one without.
        let evening = jsonRecord("e1", "2025-10-07T19:00:00Z", "2025-10-07T19:15:00Z", value: 4000, session: "NIGHT")
        #expect(try ChargeBridgeCLI.run(["meter", "import", "--db", db, "--tariff", tariff, "-"],
                                        stdin: batchJSON(sunnyMorning(ids: "m1", "m2") + [evening])).status == 0)
        func sessionCost(_ id: String) throws -> Double {
            let result = try ChargeBridgeCLI.run(["costs", "session", id, "--db", db, "--tariff", tariff,
                                                  "--export-price", "0.08", "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            return try #require((json(result.stdout)["tariff"] as? [String: Any])?["value"] as? Double)
        }
        let sessions = try sessionCost("SUN") + sessionCost("NIGHT")
        let grid = 0.5 * RealPrices.price(at: instant("2025-10-07T10:00:00Z"))
            + 1.5 * RealPrices.price(at: instant("2025-10-07T10:15:00Z")) + 1.0 * RealPrices.price(at: instant("2025-10-07T19:00:00Z"))
        #expect(abs(sessions - (grid + 2.0 * 0.08)) < 1e-5)

        for aggregation in ["day", "month"] {
            let result = try ChargeBridgeCLI.run(["costs", "interval", "--db", db, "--tariff", tariff, "--device", "car1",
                                                  "--from", "2025-10-01T00:00:00Z", "--to", "2025-11-01T00:00:00Z",
                                                  "--aggregation", aggregation, "--export-price", "0.08", "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            let data = try #require(try json(result.stdout)["data"] as? [[String: Any]])
            let total = data.compactMap { ($0["tariff"] as? [String: Any])?["value"] as? Double }.reduce(0, +)
            #expect(abs(total - sessions) < 1e-5, "\(aggregation): \(total), the sessions \(sessions)")
        }
        // Without an export price the solar energy costs 0 in both.
        let free = try json(ChargeBridgeCLI.run(["costs", "interval", "--db", db, "--tariff", tariff,
                                                 "--from", "2025-10-07T00:00:00Z", "--to", "2025-10-08T00:00:00Z",
                                                 "--aggregation", "day", "--format", "json"]).stdout)
        let freeDay = try #require((free["data"] as? [[String: Any]])?.first?["tariff"] as? [String: Any])
        #expect(abs((freeDay["value"] as? Double ?? 0) - grid) < 1e-5)

        // What the bridge publishes: the day and the month, after each session.
        let ledger = try Ledger(path: db, mode: .existing)
        let tariffs = try TariffSet.load(path: tariff)
        let price = SolarPrice(fixedPerKWh: 0.08)
        let expected = try ledger.sessionCost("SUN", tariffs: tariffs, solarPrice: price).total.cost
            + ledger.sessionCost("NIGHT", tariffs: tariffs, solarPrice: price).total.cost
        var running = RunningCosts(deviceId: "car1", maximumPowerW: nil, solarPrice: price)
        let figures = try running.refresh(ledger: ledger, sessionId: "NIGHT", now: instant("2025-10-07T20:00:00Z"),
                                          tariffs: tariffs, pricesVersion: 0)
        #expect(abs(figures.day.cost - expected) < 1e-9, "cost/today \(figures.day.cost), the sessions \(expected)")
        #expect(abs(figures.month.cost - expected) < 1e-9)
        #expect(abs(try ledger.periodCost(.day, containing: instant("2025-10-07T20:00:00Z"), deviceId: "car1",
                                          tariffs: tariffs, solarPrice: price).cost - expected) < 1e-9)
    }
}
