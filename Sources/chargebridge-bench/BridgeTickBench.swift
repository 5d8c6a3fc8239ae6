import Bridge
import Foundation

/// `bridge.tick`: one tick of the bridge's core (flushing meters, following the plans,
/// commands, state) over 1,000 vehicles, 500 of them plugged in and charging smart on the
/// example time-of-use tariff, each with a fresh power reading before every tick; median.
/// A message that comes during a tick waits for it (the plug-in to schedule latency's tail).
func bridgeTickBench() async throws -> [BenchResult] {
    let tariff = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/tariff-tou.json").path
    let vehicles = (1...1_000).map { "  - {id: car\($0), capacity_wh: 60000, max_power_w: 11000}" }.joined(separator: "\n")
    let config = try BridgeConfigLoader.parse("""
        broker: {url: "mqtt://127.0.0.1:1883"}
        location: {id: depot}
        tariff: "\(tariff)"
        metering: {flush_interval_s: 1, publish_interval_s: 1}
        vehicles:
        \(vehicles)
        """, baseDirectory: URL(fileURLWithPath: NSTemporaryDirectory()))
    var core = BridgeCore(config: config)
    var now = Date()
    _ = core.handle(.connected, now: now)
    for index in stride(from: 1, through: 1_000, by: 2) {
        _ = core.handle(.message(topic: "chargebridge/car\(index)/soc", payload: Array("\(10 + index % 50)".utf8)), now: now)
        _ = core.handle(.message(topic: "chargebridge/car\(index)/plug", payload: Array("connected".utf8)), now: now)
    }
    var actions = 0
    var samples: [Double] = []
    for run in 0..<203 {
        // Half a second on, as the service ticks with a flush interval of 1 s.
        now = now.addingTimeInterval(0.5)
        for index in stride(from: 1, through: 1_000, by: 2) {
            _ = core.handle(.message(topic: "chargebridge/car\(index)/power", payload: Array("11000".utf8)), now: now)
        }
        let started = ContinuousClock.now
        actions += core.handle(.tick, now: now).count
        let elapsed = ContinuousClock.now - started
        if run >= 3 { samples.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)) }
    }
    let tick = samples.sorted()[samples.count / 2]
    precondition(actions > 0, "bridge.tick did nothing")

    // `bridge.discovery`: Home Assistant's config messages of all 1,000 vehicles (20,000), built
    // as the announcer builds them; median of 5. (Through JSONSerialization they took seconds,
    // beside the readings of `make load`.)
    let discovery = HomeAssistantDiscovery(config: config, prefix: "homeassistant")
    var bytes = 0
    let build = medianSeconds(runs: 5, warmup: 1) {
        bytes = config.vehicles.reduce(0) { total, vehicle in total + discovery.messages(for: vehicle).reduce(0) { $0 + $1.payload.utf8.count } }
    }
    return [
        BenchResult(bench: "bridge.tick", value: tick, unit: "s", stat: "median", runs: 200, extra: ["vehicles": 1_000, "plugged": 500]),
        BenchResult(bench: "bridge.discovery", value: build, unit: "s", stat: "median", runs: 5, extra: ["vehicles": 1_000, "bytes": Double(bytes)]),
    ]
}
