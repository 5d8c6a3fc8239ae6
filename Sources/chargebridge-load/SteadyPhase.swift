import CampaignSupport
import Foundation
import TestSupport

/// Every vehicle reports power and its energy counter every second (spread over the second in
/// ten groups); `plugsPerSecond` random vehicles plug in or out each second. Measures plug-in ->
/// retained schedule latency under that load, and the bridge's CPU and memory.
enum SteadyPhase {
    struct Figures {
        var readings: Int
        var readingsPerSecond: Double
        var plugIns: Int
        var schedulesSeen: Int
        var latencyP50: Double
        var latencyP99: Double
        var latencyMax: Double
        var cpuMsPer1kReadings: Double
        var cpuPercent: Double
        var rssMB: Double
        var peakRssMB: Double
    }

    static func run(fleet: Fleet, settings: LoadSettings, random: inout SeededGenerator) async throws -> Figures {
        let count = fleet.vehicles.count
        let groups = 10
        let tick = Duration.milliseconds(100)
        // The first half of the measured time; the rest is measured after 5 s of warm-up.
        let warmUpTicks = 50
        let ticks = warmUpTicks + Int((settings.seconds * 10).rounded())
        var plugIns: [(vehicle: Int, at: ContinuousClock.Instant)] = []
        var plugCredit = 0.0
        var startUsage: ProcessUsage?
        var startSent = 0
        var startInstant = ContinuousClock.now
        var next = ContinuousClock.now
        for step in 0..<ticks {
            if step == warmUpTicks {
                startUsage = try fleet.usage()
                startSent = fleet.sent
                startInstant = .now
            }
            // One group of vehicles reports this tenth of a second.
            for index in stride(from: step % groups, to: count, by: groups) {
                try await fleet.report(vehicle: index, seconds: 1)
            }
            plugCredit += settings.plugsPerSecond / 10
            while plugCredit >= 1 {
                plugCredit -= 1
                let index = Int.random(in: 0..<count, using: &random)
                if fleet.vehicles[index].plugged {
                    try await fleet.plug(vehicle: index, in: false, soc: 0)
                } else {
                    let soc = Int.random(in: 10...60, using: &random)
                    let at = ContinuousClock.now
                    try await fleet.plug(vehicle: index, in: true, soc: soc)
                    if step >= warmUpTicks { plugIns.append((index, at)) }
                }
            }
            if step % 100 == 99 {
                progress("steady: \(step / 10 + 1) s, \(fleet.sent) readings sent, \(fleet.vehicles.filter(\.plugged).count) plugged")
            }
            next += tick
            let now = ContinuousClock.now
            if next > now { try await Task.sleep(until: next, clock: .continuous) } else { next = now }
        }
        let endUsage = try fleet.usage()
        let elapsed = seconds(ContinuousClock.now - startInstant)
        let readings = fleet.sent - startSent
        // Give the last plug-ins their schedules.
        try await Task.sleep(for: .seconds(2))
        var latencies: [Double] = []
        for plugIn in plugIns {
            let topic = "\(Fleet.base)/\(fleet.vehicles[plugIn.vehicle].id)/schedule"
            if let seen = fleet.observer.first(on: topic, since: plugIn.at, { !$0.isEmpty }) {
                latencies.append(seconds(seen.at - plugIn.at))
            }
        }
        let cpu = endUsage.cpuSeconds - (startUsage?.cpuSeconds ?? 0)
        return Figures(
            readings: readings, readingsPerSecond: Double(readings) / elapsed,
            plugIns: plugIns.count, schedulesSeen: latencies.count,
            latencyP50: percentile(latencies, 0.5), latencyP99: percentile(latencies, 0.99), latencyMax: latencies.max() ?? 0,
            cpuMsPer1kReadings: cpu * 1000 / (Double(readings) / 1000), cpuPercent: cpu / elapsed * 100,
            rssMB: endUsage.rssMB, peakRssMB: endUsage.peakRssMB)
    }
}

func progress(_ line: String) {
    FileHandle.standardError.write(Data("chargebridge-load: \(line)\n".utf8))
}
