import CampaignSupport
import Foundation

// `make chaos`: fault campaigns against the real bridge binary on loopback, one JSON line of
// figures per campaign. CHAOS_CYCLES (default 20) scales the number of faults per campaign,
// CHAOS_SEED (default 20261122) fixes the random moments, CHAOS_CAMPAIGN picks one
// (`broker_restarts`, `broker_restarts_power_only` or `bridge_crashes`), CHAOS_KEEP=1 keeps the temporary folder (ledger, logs).
let environment = ProcessInfo.processInfo.environment
let cycles = Int(environment["CHAOS_CYCLES"] ?? "") ?? 20
let seed = UInt64(environment["CHAOS_SEED"] ?? "") ?? 20_261_122
let only = environment["CHAOS_CAMPAIGN"]

guard FileManager.default.isExecutableFile(atPath: BridgeProcess.binary.path) else {
    FileHandle.standardError.write(Data("chargebridge-chaos: \(BridgeProcess.binary.path) is missing; build the package first.\n".utf8))
    exit(1)
}

let campaigns: [(String, (Int, UInt64) async throws -> [String: any FigureValue])] = [
    ("broker_restarts", BrokerRestartCampaign.run),
    ("broker_restarts_power_only", BrokerRestartCampaign.runPowerOnly),
    ("bridge_crashes", BridgeCrashCampaign.run),
]
var failed = false
for (name, run) in campaigns where only == nil || only == name {
    do {
        let figures = try await run(cycles, seed)
        FileHandle.standardOutput.write(Data((figureLine(figures) + "\n").utf8))
    } catch {
        FileHandle.standardError.write(Data("chargebridge-chaos: \(name) failed: \(error)\n".utf8))
        failed = true
    }
}
exit(failed ? 1 : 0)
