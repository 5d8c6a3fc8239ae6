import Foundation
import Metering
import Tariffs

/// `costs.refresh.whole` / `costs.refresh.running`: one cost refresh of the bridge (the session's
/// cost and savings, today's and this month's cost) for a car eight hours into a night's session
/// metered every second (28,800 records), with ten earlier four-hour sessions that month
/// (144,000 records), on the real 15-min day-ahead prices. *Whole* reads and prices the session,
/// the day and the month each time (the bridge before `RunningCosts`); *running* reads and prices only
/// the record stored since the refresh before. Each run first stores one more second's record.
func costRefreshBench() async throws -> [BenchResult] {
    let folder = NSTemporaryDirectory() + "chargebridge-bench-costs-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let tariffs = try realPriceTariffs(in: folder)
    let ledger = try Ledger(path: folder + "/bench.sqlite")

    func session(_ id: String, from start: Date, seconds: Int) throws {
        var batch: [MeterRecord] = []
        for second in 0..<seconds {
            let from = start.addingTimeInterval(Double(second))
            batch.append(MeterRecord(start: from, end: from.addingTimeInterval(1), deviceId: "car1", locationId: "home",
                                     sessionReferenceId: id, recordReferenceId: "\(id)-\(second)", energyWh: 3.05))
            if batch.count == 5000 {
                _ = try ledger.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        _ = try ledger.append(batch)
    }
    let month = Timestamp.parse("2026-01-01T20:00:00+01:00")!
    for night in 0..<10 {
        try session("S\(night)", from: month.addingTimeInterval(Double(night) * 86_400), seconds: 4 * 3600)
    }
    let tonight = Timestamp.parse("2026-01-14T22:00:00+01:00")!
    try ledger.openSession("tonight", deviceId: "car1", locationId: "home", at: tonight)
    try session("tonight", from: tonight, seconds: 8 * 3600)

    var now = tonight.addingTimeInterval(8 * 3600)
    var next = 8 * 3600
    /// One more second metered, as the bridge's writer stores it before a refresh.
    func meterOneSecond() throws {
        _ = try ledger.append([MeterRecord(start: now, end: now.addingTimeInterval(1), deviceId: "car1", locationId: "home",
                                           sessionReferenceId: "tonight", recordReferenceId: "tonight-\(next)", energyWh: 3.05)])
        next += 1
        now = now.addingTimeInterval(1)
    }
    var check = (whole: 0.0, running: 0.0)
    let whole = try medianSeconds(runs: 20) {
        try meterOneSecond()
        let info = try ledger.session("tonight")
        let cost = try ledger.sessionCost(info.sessionReferenceId, tariffs: tariffs, maximumPowerW: 11_000)
        _ = try ledger.periodCost(.day, containing: now, deviceId: "car1", tariffs: tariffs)
        let month = try ledger.periodCost(.month, containing: now, deviceId: "car1", tariffs: tariffs)
        check.whole = cost.total.cost + month.cost
    }
    var running = RunningCosts(deviceId: "car1", maximumPowerW: 11_000)
    _ = try running.refresh(ledger: ledger, sessionId: "tonight", now: now, tariffs: tariffs, pricesVersion: 0)
    let step = try medianSeconds(runs: 200) {
        try meterOneSecond()
        let figures = try running.refresh(ledger: ledger, sessionId: "tonight", now: now, tariffs: tariffs, pricesVersion: 0)
        check.running = figures.session!.cost + figures.month.cost
    }
    // The same figures (the running ones hold the records appended since).
    let final = try ledger.sessionCost("tonight", tariffs: tariffs, maximumPowerW: 11_000).total.cost
        + ledger.periodCost(.month, containing: now, deviceId: "car1", tariffs: tariffs).cost
    precondition(abs(final - check.running) < 1e-6 && check.whole > 0, "costs.refresh: running \(check.running) against whole \(final)")
    return [
        BenchResult(bench: "costs.refresh.whole", value: whole, unit: "s", stat: "median", runs: 20, extra: ["session_records": 28_800, "month_records": 172_800]),
        BenchResult(bench: "costs.refresh.running", value: step, unit: "s", stat: "median", runs: 200, extra: ["session_records": 28_800, "month_records": 172_800]),
    ]
}
