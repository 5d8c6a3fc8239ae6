import Foundation

/// The campaign's knobs, from the environment (`make load LOAD_VEHICLES=...`).
struct LoadSettings {
    /// Simulated vehicles on the one bridge (LOAD_VEHICLES, default 1000).
    var vehicles = 1_000
    /// Length of the steady phase, s (LOAD_SECONDS, default 60).
    var seconds = 60.0
    /// Seed of the plug-in/out moments and states of charge (LOAD_SEED, default 20261122).
    var seed: UInt64 = 20_261_122
    /// Plug-ins and unplugs per second in the steady phase, together (LOAD_PLUGS_PER_S, default 10).
    var plugsPerSecond = 10.0
    /// Burst rates, readings/s, tried in turn until the bridge falls behind (LOAD_BURST_RATES).
    var burstRates = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000]
    /// Seconds per burst step (LOAD_BURST_SECONDS, default 3).
    var burstSeconds = 3.0
    /// How long after the last reading of a step its energy may take to be in the ledger, s
    /// (LOAD_MAX_LAG_S, default 1.5: the flush interval of 1 s plus one tick).
    var maxLagSeconds = 1.5
    /// Keep the temporary folder (ledger, logs) (LOAD_KEEP=1).
    var keep = false
    /// How the burst's readings are sent (LOAD_PUBLISHER): `batch` (default), one bare MQTT
    /// connection writing each 5 ms slice's readings at once (see `BatchPublisher`), or
    /// `client`, the two MQTT client publishers of the steady phase, one message at a time.
    var batchPublisher = true

    init(environment: [String: String]) {
        if let value = environment["LOAD_VEHICLES"].flatMap(Int.init), value > 0 { vehicles = value }
        if let value = environment["LOAD_SECONDS"].flatMap(Double.init), value > 0 { seconds = value }
        if let value = environment["LOAD_SEED"].flatMap(UInt64.init) { seed = value }
        if let value = environment["LOAD_PLUGS_PER_S"].flatMap(Double.init), value >= 0 { plugsPerSecond = value }
        if let text = environment["LOAD_BURST_RATES"], !text.isEmpty {
            burstRates = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        }
        if let value = environment["LOAD_BURST_SECONDS"].flatMap(Double.init), value > 0 { burstSeconds = value }
        if let value = environment["LOAD_MAX_LAG_S"].flatMap(Double.init), value > 0 { maxLagSeconds = value }
        keep = environment["LOAD_KEEP"] == "1"
        batchPublisher = environment["LOAD_PUBLISHER"] != "client"
    }
}
