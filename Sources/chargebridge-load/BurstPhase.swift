import CampaignSupport
import Foundation

/// With every vehicle plugged in, sends energy-counter readings at a rising rate, each adding
/// exactly 1 Wh to one vehicle's counter (round robin), for `burstSeconds` per rate. The bridge
/// keeps up at a rate when the ledger holds all the step's energy (baseline + readings x 1 Wh)
/// within `maxLagSeconds` after the step's last reading was sent. Stops at the first rate where
/// it does not (or where the publishers themselves cannot send at the rate).
enum BurstPhase {
    struct Step {
        var rate: Int
        var sentRate: Double
        var readings: Int
        /// From the last reading sent to all the energy in the ledger, s (nil: not within the wait).
        var lagSeconds: Double?
        /// Readings in the ledger per second from the first sent to all persisted.
        var persistedRate: Double
        var keptUp: Bool
        /// The bridge's CPU time for the step, ms per 1,000 readings.
        var cpuMsPer1k: Double
        /// The same for the broker and for this process (publishers, observer, ledger reads),
        /// which share the machine with the bridge.
        var brokerCpuMsPer1k: Double
        var campaignCpuMsPer1k: Double
    }

    static func run(fleet: Fleet, settings: LoadSettings) async throws -> [Step] {
        var steps: [Step] = []
        var cursor = 0
        for rate in settings.burstRates {
            let baseline = try await fleet.settledLedgerEnergy()
            let cpuBefore = try fleet.cpuSeconds()
            let readings = Int(Double(rate) * settings.burstSeconds)
            let (start, lastSent) = try await fleet.sendCounterReadings(readings, rate: rate, from: cursor)
            cursor = (cursor + readings) % fleet.vehicles.count
            let sentRate = Double(readings) / seconds(lastSent - start)
            let caughtUp = try await fleet.waitForLedger(baseline + Double(readings), within: .seconds(settings.maxLagSeconds + 5))
            let lag = caughtUp.map { seconds($0 - lastSent) }
            let cpuAfter = try fleet.cpuSeconds()
            let perThousand = { (seconds: Double) in seconds * 1000 / (Double(readings) / 1000) }
            let cpuMsPer1k = perThousand(cpuAfter.bridge - cpuBefore.bridge)
            let persistedRate = lag.map { Double(readings) / (seconds(lastSent - start) + $0) } ?? 0
            let keptUp = (lag.map { $0 <= settings.maxLagSeconds } ?? false) && sentRate >= 0.95 * Double(rate)
            steps.append(Step(rate: rate, sentRate: sentRate, readings: readings, lagSeconds: lag, persistedRate: persistedRate, keptUp: keptUp, cpuMsPer1k: cpuMsPer1k,
                              brokerCpuMsPer1k: perThousand(cpuAfter.broker - cpuBefore.broker),
                              campaignCpuMsPer1k: perThousand(cpuAfter.campaign - cpuBefore.campaign)))
            progress("burst: \(rate)/s for \(settings.burstSeconds) s: sent at \(Int(sentRate))/s, in the ledger \(lag.map { String(format: "%.2f s", $0) } ?? "not within \(settings.maxLagSeconds + 5) s") after the last, \(keptUp ? "kept up" : "fell behind"); CPU per 1k readings: bridge \(String(format: "%.1f", cpuMsPer1k)) ms, broker \(String(format: "%.1f", steps.last!.brokerCpuMsPer1k)) ms, campaign \(String(format: "%.1f", steps.last!.campaignCpuMsPer1k)) ms")
            if !keptUp { break }
        }
        return steps
    }
}
