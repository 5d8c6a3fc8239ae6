import CampaignSupport
import Foundation
import TestSupport

/// SIGKILLs the bridge binary at random moments of its life (while starting, while metering)
/// and starts it again, `cycles` times; then checks that every vehicle kept its one session, the
/// ledger is consistent and its energy equals the chargers' counters.
enum BridgeCrashCampaign {
    static func run(cycles: Int, seed: UInt64) async throws -> [String: any FigureValue] {
        var random = SeededGenerator(seed: seed)
        let started = ContinuousClock.now
        let scenario = try await Scenario(vehicles: 4, charging: 3)
        do {
            let original = try await scenario.begin()
            var lives: [ContinuousClock.Instant] = []
            var kills = 0
            for _ in 0..<cycles {
                // A random moment of the bridge's life: 0.1-3 s after it was started.
                try await Task.sleep(for: .milliseconds(Int.random(in: 100...3_000, using: &random)))
                await scenario.bridge?.kill()
                kills += 1
                // The cars go on charging while the bridge is away for 0-1 s.
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...1_000, using: &random)))
                lives.append(.now)
                scenario.bridge = try BridgeProcess(configPath: scenario.configPath)
            }
            // The last life: wait until it is online and has republished every session.
            let last = lives.last ?? started
            try await scenario.observer.waitFor("\(Scenario.base)/status", since: last) { $0 == "online" }
            for id in scenario.vehicleIds {
                try await scenario.observer.waitFor("\(Scenario.base)/\(id)/session", since: last)
            }
            try await Task.sleep(for: .seconds(1))

            // Per life after a kill and per vehicle: the first session payload the new bridge sent.
            var resumed = 0, otherId = 0, notSeen = 0
            for (index, life) in lives.enumerated() {
                let end = index + 1 < lives.count ? lives[index + 1] : ContinuousClock.now
                for id in scenario.vehicleIds {
                    let first = scenario.observer.messages(on: "\(Scenario.base)/\(id)/session", since: life).first { $0.at < end }
                    guard let first else { notSeen += 1; continue }
                    if Scenario.sessionId(in: first.text) == original[id] { resumed += 1 } else { otherId += 1 }
                }
            }
            let counters = try await scenario.end()
            let ledger = try scenario.ledgerFigures()
            let duplicates = scenario.duplicateCommands(reconnects: lives)
            let figures = BrokerRestartCampaign.energyFigures(counters: counters, ledger: ledger.energyWh)
            await scenario.shutdown()
            return [
                "campaign": "bridge_crashes",
                "seed": seed,
                "vehicles": scenario.vehicleIds.count,
                "charging_vehicles": scenario.charging,
                "bridge_kills": kills,
                "sessions_resumed_same_id": resumed,
                "sessions_resumed_other_id": otherId,
                "lives_without_session_payload": notSeen,
                "sessions_per_vehicle_max": ledger.sessions.values.max() ?? 0,
                "integrity_check": ledger.integrity,
                "duplicate_record_ids": ledger.duplicateRecordIds,
                "counter_energy_wh": round3(figures.counter),
                "ledger_energy_wh": round3(figures.ledger),
                "max_vehicle_energy_diff_wh": round3(figures.maxDiff),
                "duplicate_commands": duplicates.total,
                "resends_after_restart": duplicates.resends,
                "duplicate_commands_beyond_resend": duplicates.beyond,
                "duration_s": round3(seconds(ContinuousClock.now - started)),
            ]
        } catch {
            await scenario.shutdown()
            throw error
        }
    }
}
