import CampaignSupport
import Foundation
import TestSupport

/// SIGKILLs mosquitto at random moments during active sessions and starts it again on the same
/// port, `cycles` times; then compares the ledger with the chargers' counters.
///
/// `broker_restarts_power_only` does the same with chargers that report power only: the bridge
/// integrates power, and the ledger is compared with the energy the chargers delivered, against
/// the bound of one flush interval of energy at the vehicle's power per restart.
enum BrokerRestartCampaign {
    static func run(cycles: Int, seed: UInt64) async throws -> [String: any FigureValue] {
        try await campaign(cycles: cycles, seed: seed, powerOnly: false)
    }

    static func runPowerOnly(cycles: Int, seed: UInt64) async throws -> [String: any FigureValue] {
        try await campaign(cycles: cycles, seed: seed, powerOnly: true)
    }

    static func campaign(cycles: Int, seed: UInt64, powerOnly: Bool) async throws -> [String: any FigureValue] {
        var random = SeededGenerator(seed: seed)
        let started = ContinuousClock.now
        let scenario = try await Scenario(vehicles: 4, charging: 3, powerOnly: powerOnly)
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
            var result: [String: any FigureValue] = [
                "campaign": powerOnly ? "broker_restarts_power_only" : "broker_restarts",
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
            if powerOnly {
                result["counter_energy_wh"] = nil
                result["max_vehicle_energy_diff_wh"] = nil
                result["delivered_energy_wh"] = round3(figures.counter)
                result["ledger_minus_delivered_wh"] = round3(figures.ledger - figures.counter)
                // Per vehicle: (ledger - delivered) / restarts against one flush interval of
                // energy at that vehicle's power; the worst ratio over the charging vehicles.
                var worstDiff = 0.0, worstRatio = 0.0, boundAtWorst = 0.0
                for vehicle in scenario.config.vehicles {
                    let diff = (ledger.energyWh[vehicle.id] ?? 0) - (counters[vehicle.id] ?? 0)
                    let bound = vehicle.maxPowerW * Scenario.flushIntervalSeconds / 3600
                    let ratio = abs(diff) / Double(max(restarts, 1)) / bound
                    if ratio >= worstRatio {
                        worstRatio = ratio
                        worstDiff = diff
                        boundAtWorst = bound
                    }
                }
                func round4(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 + 0 }
                result["worst_vehicle_diff_wh"] = round4(worstDiff)
                result["worst_vehicle_diff_per_restart_wh"] = round4(worstDiff / Double(max(restarts, 1)))
                result["bound_per_restart_wh"] = round3(boundAtWorst)
                result["worst_diff_over_bound"] = round4(worstRatio)
                result["within_bound"] = worstRatio <= 1
            }
            return result
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
