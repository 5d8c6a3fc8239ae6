import CampaignSupport
import Foundation

/// The real `chargebridge run` binary with 1,000 vehicles (each with power and an energy counter)
/// behind a local mosquitto, every vehicle plugged in:
/// - `bridge.rss`: the bridge's VmRSS in bytes (and MB in `mb`), after 10 s of every vehicle reporting power and its
///   counter every second (`peak_mb`: VmHWM at the end of the suite);
/// - `bridge.ingest`: readings per second from the first of `BENCH_INGEST_READINGS` (default
///   200,000) counter readings sent as fast as two publishers go until all their energy is in
///   the ledger; median of 3 runs (`best` beside it, and the bridge's own CPU time per 1,000
///   readings, `bridge_cpu_ms_per_1k`: the load generator and the broker share the machine).
func bridgeLoadBench() async throws -> [BenchResult] {
    let environment = ProcessInfo.processInfo.environment
    let readings = environment["BENCH_INGEST_READINGS"].flatMap(Int.init) ?? 200_000
    let fleet = try await Fleet(vehicles: 1_000, keep: false)
    do {
        try await fleet.startBridge()
        for index in fleet.vehicles.indices {
            try await fleet.plug(vehicle: index, in: true, soc: 20 + index % 40)
        }
        // 10 s of every vehicle reporting every second, spread over the second.
        var next = ContinuousClock.now
        for step in 0..<100 {
            for index in stride(from: step % 10, to: fleet.vehicles.count, by: 10) {
                try await fleet.report(vehicle: index, seconds: 1)
            }
            next += .milliseconds(100)
            try await Task.sleep(until: next, clock: .continuous)
        }
        let rss = try fleet.usage().rssMB

        var rates: [Double] = []
        var cpuMsPer1k: [Double] = []
        for _ in 0..<3 {
            let baseline = try await fleet.settledLedgerEnergy()
            let cpuBefore = try fleet.usage().cpuSeconds
            let (first, _) = try await fleet.sendCounterReadings(readings, rate: nil)
            guard let caughtUp = try await fleet.waitForLedger(baseline + Double(readings), within: .seconds(60)) else {
                throw BenchError("the ledger did not get the energy of \(readings) readings within 60 s")
            }
            rates.append(Double(readings) / seconds(caughtUp - first))
            cpuMsPer1k.append((try fleet.usage().cpuSeconds - cpuBefore) * 1000 / (Double(readings) / 1000))
        }
        let peak = try fleet.usage().peakRssMB
        await fleet.shutdown()
        rates.sort()
        return [
            BenchResult(bench: "bridge.ingest", value: rates[1], unit: "readings/s", stat: "median", runs: rates.count,
                        target: 50_000, extra: ["best": rates.last!, "vehicles": 1_000, "readings": Double(readings),
                                "bridge_cpu_ms_per_1k": cpuMsPer1k.sorted()[1]]),
            BenchResult(bench: "bridge.rss", value: rss * 1e6, unit: "bytes", stat: "VmRSS", runs: 1,
                        target: 40e6, extra: ["mb": rss, "peak_mb": peak, "vehicles": 1_000]),
        ]
    } catch {
        await fleet.shutdown()
        throw error
    }
}
