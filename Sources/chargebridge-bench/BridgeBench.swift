import Bridge
import CampaignSupport
import Foundation
import Logging
import MQTT
import TestSupport

/// `bridge.plug_to_schedule.p50`/`.p99`: seconds from a vehicle's plug-in message reaching the
/// broker to its retained schedule arriving at a subscriber, through a local mosquitto and the
/// real bridge service (planning, ledger, publishing), with 1 and 100 vehicles.
func bridgeBench() async throws -> [BenchResult] {
    var results: [BenchResult] = []
    for vehicles in [1, 100] {
        let samples = try await plugToSchedule(vehicles: vehicles, plugIns: vehicles == 1 ? 100 : 200)
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
        results.append(BenchResult(bench: "bridge.plug_to_schedule.p50", value: percentile(0.5), unit: "s", stat: "p50",
                                   runs: samples.count, target: 0.1, extra: ["vehicles": Double(vehicles)]))
        results.append(BenchResult(bench: "bridge.plug_to_schedule.p99", value: percentile(0.99), unit: "s", stat: "p99",
                                   runs: samples.count, target: 0.5, extra: ["vehicles": Double(vehicles)]))
    }
    return results
}

private func plugToSchedule(vehicles count: Int, plugIns: Int) async throws -> [Double] {
    var logger = Logger(label: "bridge-bench")
    // BENCH_LOG=1: the bridge's debug log, and the broker's every packet, printed on a failure;
    // BENCH_LOG=trace: the bridge's every message too.
    let log = ProcessInfo.processInfo.environment["BENCH_LOG"]
    logger.logLevel = log == nil ? .error : log == "trace" ? .trace : .debug
    // The kit's broker sets set_tcp_nodelay (without it mosquitto's Nagle delay, with the
    // subscriber's delayed ACK, adds a flat ~40 ms to every delivery; a home broker for
    // ChargeBridge should set it too).
    let broker = try await MosquittoBroker.start(.init(extraConfiguration: log == nil ? [] : ["log_type all"]))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-bench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let vehicleLines = (0..<count).map { "  - {id: car\($0), capacity_wh: 60000, max_power_w: 11000}" }.joined(separator: "\n")
    let configPath = folder.appendingPathComponent("chargebridge.yaml").path
    // A week of real 15-minute prices, so each plan is a real optimisation over ~50 slots.
    let prices = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/tariff-dynamic.yaml").path
    try """
    broker: {url: "\(broker.url)", client_id: bench-bridge}
    home_assistant: {discovery: false}
    location: {id: home, max_power_w: \(count * 11000)}
    tariff: "\(prices)"
    database: ledger.sqlite
    vehicles:
    \(vehicleLines)
    """.write(toFile: configPath, atomically: true, encoding: .utf8)
    let config = try BridgeConfigLoader.load(path: configPath)
    // Plan as on an evening within the example prices.
    let clock = AcceleratedClock(start: Date(timeIntervalSince1970: 1_779_991_200), factor: 1) // 2026-05-28T18:00Z
    let service = try BridgeServices(config: config, logger: logger, clock: clock)
    let started = ContinuousClock.now
    let running = Task { try await service.run() }
    defer { running.cancel() }

    // The probe: schedules and the bridge's status, each stamped when its client received it.
    let probe = try await Observer(url: broker.url, base: "chargebridge",
                                   filters: ["chargebridge/+/schedule", "chargebridge/status"], logger: logger)
    defer { Task { await probe.stop() } }
    // `online` means the bridge listens (it says so once the broker acknowledged every
    // subscription): a plug-in sent before is lost. (This wait once returned at once, and the
    // bench failed 1 run in 4 on a busy machine with no schedule within 40 s.)
    try await probe.waitFor("chargebridge/status", since: started, within: .seconds(15)) { $0 == "online" }

    var samples: [Double] = []
    for index in 0..<plugIns {
        let vehicle = "car\(index % count)"
        let topic = "chargebridge/\(vehicle)/schedule"
        try await probe.publish("\(20 + index % 50)", to: "chargebridge/\(vehicle)/soc")
        let sent = ContinuousClock.now
        try await probe.publish("connected", to: "chargebridge/\(vehicle)/plug")
        let arrived: ContinuousClock.Instant
        do {
            arrived = try await probe.waitFor(topic, since: sent, within: .seconds(40)) { !$0.isEmpty }.at
        } catch {
            if log != nil { print(broker.logText()) }
            throw error
        }
        samples.append(seconds(arrived - sent))
        let unplugged = ContinuousClock.now
        try await probe.publish("disconnected", to: "chargebridge/\(vehicle)/plug")
        try await probe.waitFor(topic, since: unplugged, within: .seconds(10)) { $0.isEmpty }
    }
    running.cancel()
    _ = try? await running.value
    await probe.stop()
    await broker.stop()
    return samples
}
