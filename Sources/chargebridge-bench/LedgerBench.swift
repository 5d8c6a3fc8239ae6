import Foundation
import Metering
import Tariffs
import TestSupport

/// `ledger.ingest`: meter records stored per second, in batches of 1,000 (10 devices, one year
/// of 15-min records, into a fresh ledger file).
/// `ledger.month_query`: one local month's cost over all 10 devices (29,760 records of a
/// 350,400-record ledger), per day, priced on the real 15-min day-ahead prices.
func ledgerBench() async throws -> [BenchResult] {
    let folder = NSTemporaryDirectory() + "chargebridge-bench-ledger-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }

    let devices = 10
    let start = Timestamp.parse("2025-06-01T00:00:00+02:00")!
    let slots = 365 * 96
    var batches: [[MeterRecord]] = []
    var batch: [MeterRecord] = []
    batch.reserveCapacity(1000)
    for slot in 0..<slots {
        let from = start.addingTimeInterval(Double(slot) * 900)
        for device in 0..<devices {
            batch.append(MeterRecord(
                start: from, end: from.addingTimeInterval(900), deviceId: "car\(device)", locationId: "home",
                sessionReferenceId: "car\(device)-\(slot / 96)", recordReferenceId: "car\(device)-\(slot)",
                energyWh: Double((slot * 7 + device * 13) % 2750)))
            if batch.count == 1000 {
                batches.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }
    if !batch.isEmpty { batches.append(batch) }
    let total = batches.reduce(0) { $0 + $1.count }

    let ledger = try Ledger(path: folder + "/bench.sqlite")
    let clock = ContinuousClock()
    var stored = 0
    let elapsed = try clock.measure {
        for batch in batches { stored += try ledger.append(batch) }
    }
    precondition(stored == total, "ledger.ingest stored \(stored) of \(total) records")
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

    let tariffs = try realPriceTariffs(in: folder)
    let from = Timestamp.parse("2026-01-01T00:00:00+01:00")!
    let to = Timestamp.parse("2026-02-01T00:00:00+01:00")!
    var energy = 0.0
    let query = try medianSeconds(runs: 30) {
        let buckets = try ledger.intervalCost(from: from, to: to, period: .day, tariffs: tariffs)
        energy = buckets.reduce(0) { $0 + $1.summary.energyWh }
    }
    precondition(energy > 0, "ledger.month_query found no energy")

    return [
        BenchResult(bench: "ledger.ingest", value: Double(total) / seconds, unit: "records/s", stat: "mean",
                    runs: batches.count, target: 50_000),
        BenchResult(bench: "ledger.month_query", value: query, unit: "s", stat: "median", runs: 30, target: 0.020),
    ]
}

/// A dynamic tariff on the real 15-min day-ahead prices (`Examples/prices`), its file
/// written into `folder`.
func realPriceTariffs(in folder: String) throws -> TariffSet {
    let prices = RepositoryPrices.url(RepositoryPrices.quarterHours).path
    let path = folder + "/tariff.json"
    try Data("""
        {"timeZone": "Europe/Berlin", "currency": "EUR",
         "tariffs": [{"currency": "EUR", "price": 0, "type": "dynamic"}],
         "dynamic": {"prices": "\(prices)", "unit": "EUR/MWh", "charges": 0.12, "vat": 0.19}}
        """.utf8).write(to: URL(fileURLWithPath: path))
    return try TariffSet.load(path: path)
}
