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
    }

    static func run(fleet: Fleet, settings: LoadSettings) async throws -> [Step] {
        var steps: [Step] = []
        var cursor = 0
        let count = fleet.vehicles.count
        for rate in settings.burstRates {
            let baseline = try await settledLedgerEnergy(fleet: fleet)
            let readings = Int(Double(rate) * settings.burstSeconds)
            let start = ContinuousClock.now
            var done = 0
            // Paced in 5 ms slices: send what the rate allows up to now.
            while done < readings {
                let due = min(readings, Int(Double(rate) * seconds(ContinuousClock.now - start)) + rate / 200)
                while done < due {
                    try await fleet.counterReading(vehicle: cursor, adding: 1)
                    cursor = (cursor + 1) % count
                    done += 1
                }
                if done < readings { try await Task.sleep(for: .milliseconds(5)) }
            }
            let lastSent = ContinuousClock.now
            let sentRate = Double(readings) / seconds(lastSent - start)
            let expected = baseline + Double(readings)
            var lag: Double?
            let deadline = lastSent + .seconds(settings.maxLagSeconds + 5)
            while ContinuousClock.now < deadline {
                if try fleet.ledgerEnergyWh() >= expected - 1e-6 {
                    lag = seconds(ContinuousClock.now - lastSent)
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let persistedRate = lag.map { Double(readings) / (seconds(lastSent - start) + $0) } ?? 0
            let keptUp = (lag.map { $0 <= settings.maxLagSeconds } ?? false) && sentRate >= 0.95 * Double(rate)
            steps.append(Step(rate: rate, sentRate: sentRate, readings: readings, lagSeconds: lag, persistedRate: persistedRate, keptUp: keptUp))
            progress("burst: \(rate)/s for \(settings.burstSeconds) s: sent at \(Int(sentRate))/s, in the ledger \(lag.map { String(format: "%.2f s", $0) } ?? "not within \(settings.maxLagSeconds + 5) s") after the last, \(keptUp ? "kept up" : "fell behind")")
            if !keptUp { break }
        }
        return steps
    }

    /// The ledger's energy once it stopped changing (no reading in flight): two reads 1.2 s apart agree.
    static func settledLedgerEnergy(fleet: Fleet) async throws -> Double {
        var last = try fleet.ledgerEnergyWh()
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(1_200))
            let now = try fleet.ledgerEnergyWh()
            if abs(now - last) < 1e-6 { return now }
            last = now
        }
        throw CampaignError("the ledger's energy kept changing for 24 s without new readings")
    }
}
