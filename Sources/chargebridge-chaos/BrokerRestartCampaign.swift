import CampaignSupport
import Foundation
import TestSupport

/// SIGKILLs mosquitto at random moments during active sessions and starts it again on the same
/// port, `cycles` times; then compares the ledger with the chargers' counters.
enum BrokerRestartCampaign {
    static func run(cycles: Int, seed: UInt64) async throws -> [String: Any] {
        var random = SeededGenerator(seed: seed)
        let started = ContinuousClock.now
        let scenario = try await Scenario(vehicles: 4, charging: 3)
        do {
            _ = try await scenario.begin()
            var backOnline: [Double] = []
            var reconnects: [ContinuousClock.Instant] = []
            var restarts = 0
            for _ in 0..<cycles {
                // A random moment: 0.2-3 s after the bridge was last back online.
                try await Task.sleep(for: .milliseconds(Int.random(in: 200...3_000, using: &random)))
                await scenario.broker.kill()
                let killed = ContinuousClock.now
                reconnects.append(killed)
                try await scenario.broker.launch()
                restarts += 1
                let listening = ContinuousClock.now
                // The broker lost its retained messages: any "online" now is the bridge's new one.
                let online = try await scenario.observer.waitFor("\(Scenario.base)/status", since: killed, within: .seconds(30)) { $0 == "online" }
                backOnline.append(seconds(online.at - listening))
            }
            // Let every vehicle's commands and counters settle after the last restart.
            try await Task.sleep(for: .seconds(1))
            let counters = try await scenario.end()
            let ledger = try scenario.ledgerFigures()
            let duplicates = scenario.duplicateCommands(reconnects: reconnects)
            let figures = energyFigures(counters: counters, ledger: ledger.energyWh)
            await scenario.shutdown()
            return [
                "campaign": "broker_restarts",
                "seed": seed,
                "vehicles": scenario.vehicleIds.count,
                "charging_vehicles": scenario.charging,
                "broker_restarts": restarts,
                "back_online_p50_s": round3(percentile(backOnline, 0.5)),
                "back_online_max_s": round3(backOnline.max() ?? 0),
                "counter_energy_wh": round3(figures.counter),
                "ledger_energy_wh": round3(figures.ledger),
                "max_vehicle_energy_diff_wh": round3(figures.maxDiff),
                "duplicate_commands": duplicates.total,
                "resends_after_reconnect": duplicates.resends,
                "duplicate_commands_beyond_resend": duplicates.beyond,
                "sessions_per_vehicle_max": ledger.sessions.values.max() ?? 0,
                "integrity_check": ledger.integrity,
                "duration_s": round3(seconds(ContinuousClock.now - started)),
            ]
        } catch {
            await scenario.shutdown()
            throw error
        }
    }

    static func energyFigures(counters: [String: Double], ledger: [String: Double]) -> (counter: Double, ledger: Double, maxDiff: Double) {
        let maxDiff = counters.keys.map { abs((ledger[$0] ?? 0) - counters[$0]!) }.max() ?? 0
        return (counters.values.reduce(0, +), ledger.values.reduce(0, +), maxDiff)
    }
}
