import CampaignSupport
import Foundation
import TestSupport

// `make load`: 1,000 simulated vehicles on one real bridge binary (power and energy counter every
// second, plug-ins and unplugs), then a burst test of how many readings per second the bridge
// ingests and persists without falling behind. Loopback only; one JSON line of figures on stdout,
// progress on stderr. Knobs: LOAD_VEHICLES, LOAD_SECONDS, LOAD_SEED, LOAD_PLUGS_PER_S,
// LOAD_BURST_RATES, LOAD_BURST_SECONDS, LOAD_MAX_LAG_S, LOAD_KEEP=1 (see LoadSettings).
let settings = LoadSettings(environment: ProcessInfo.processInfo.environment)

guard FileManager.default.isExecutableFile(atPath: BridgeProcess.binary.path) else {
    FileHandle.standardError.write(Data("chargebridge-load: \(BridgeProcess.binary.path) is missing; build the package first.\n".utf8))
    exit(1)
}

func campaign() async throws -> [String: Any] {
    let started = ContinuousClock.now
    var random = SeededGenerator(seed: settings.seed)
    let fleet = try await Fleet(vehicles: settings.vehicles, keep: settings.keep)
    do {
        progress("\(settings.vehicles) vehicles, seed \(settings.seed); starting the bridge")
        try await fleet.startBridge()
        let idle = try fleet.usage()
        // Half the fleet is plugged in at the start.
        for index in fleet.vehicles.indices where Bool.random(using: &random) {
            try await fleet.plug(vehicle: index, in: true, soc: Int.random(in: 10...60, using: &random))
        }
        let steady = try await SteadyPhase.run(fleet: fleet, settings: settings, random: &random)
        progress(String(format: "steady: plug-in -> schedule p50 %.1f ms, p99 %.1f ms; RSS %.1f MB; %.1f ms CPU per 1k readings",
                        steady.latencyP50 * 1000, steady.latencyP99 * 1000, steady.rssMB, steady.cpuMsPer1kReadings))
        for index in fleet.vehicles.indices where !fleet.vehicles[index].plugged {
            try await fleet.plug(vehicle: index, in: true, soc: Int.random(in: 10...60, using: &random))
        }
        if settings.batchPublisher { try fleet.useBatchPublisher() }
        let steps = try await BurstPhase.run(fleet: fleet, settings: settings)
        let end = try fleet.usage()
        await fleet.shutdown()
        let best = steps.last(where: \.keptUp)
        return [
            "campaign": "load",
            "seed": settings.seed,
            "vehicles": settings.vehicles,
            "steady_seconds": settings.seconds,
            "steady_readings_per_s": round3(steady.readingsPerSecond),
            "plug_ins": steady.plugIns,
            "plug_ins_with_schedule": steady.schedulesSeen,
            "plug_to_schedule_p50_ms": round3(steady.latencyP50 * 1000),
            "plug_to_schedule_p99_ms": round3(steady.latencyP99 * 1000),
            "plug_to_schedule_max_ms": round3(steady.latencyMax * 1000),
            "cpu_ms_per_1k_readings": round3(steady.cpuMsPer1kReadings),
            "cpu_percent_steady": round3(steady.cpuPercent),
            "rss_idle_mb": round3(idle.rssMB),
            "rss_mb": round3(steady.rssMB),
            "rss_peak_steady_mb": round3(steady.peakRssMB),
            "rss_peak_mb": round3(end.peakRssMB),
            "burst_rates_tried": steps.map(\.rate),
            "burst_lags_s": steps.map { $0.lagSeconds.map(round3) ?? -1 },
            "burst_sent_per_s": steps.map { round3($0.sentRate) },
            "burst_cpu_ms_per_1k_readings": steps.map { round3($0.cpuMsPer1k) },
            "burst_broker_cpu_ms_per_1k_readings": steps.map { round3($0.brokerCpuMsPer1k) },
            "burst_campaign_cpu_ms_per_1k_readings": steps.map { round3($0.campaignCpuMsPer1k) },
            "sustained_readings_per_s": best?.rate ?? 0,
            "sustained_persisted_readings_per_s": round3(best?.persistedRate ?? 0),
            "max_lag_s": settings.maxLagSeconds,
            "burst_publisher": settings.batchPublisher ? "batch" : "client",
            "duration_s": round3(seconds(ContinuousClock.now - started)),
        ]
    } catch {
        await fleet.shutdown()
        throw error
    }
}

do {
    let figures = try await campaign()
    let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
} catch {
    FileHandle.standardError.write(Data("chargebridge-load: failed: \(error)\n".utf8))
    exit(1)
}
