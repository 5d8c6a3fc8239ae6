import Bridge
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
    logger.logLevel = ProcessInfo.processInfo.environment["BENCH_LOG"] == nil ? .error : .debug
    // Without set_tcp_nodelay mosquitto's Nagle delay (with the subscriber's delayed ACK)
    // adds a flat ~40 ms to every delivery; a home broker for ChargeBridge should set it too.
    let broker = try await MosquittoBroker.start(.init(extraConfiguration: ["set_tcp_nodelay true"]))
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
    let running = Task { try await service.run() }
    defer { running.cancel() }

    var probeConfiguration = try MQTTConfiguration(url: broker.url, clientID: "bench-probe")
    probeConfiguration.cleanStart = true
    let probe = try MQTTClient(configuration: probeConfiguration, logger: logger)
    try await probe.connect(timeout: .seconds(5))
    try await probe.subscribe("chargebridge/+/schedule")
    try await probe.subscribe("chargebridge/status")
    let arrivals = ScheduleArrivals()
    let reader = Task {
        for await message in probe.messages {
            arrivals.record(topic: message.topic, payload: message.payload, at: message.receivedAt)
        }
    }
    defer { reader.cancel() }
    try await arrivals.waitFor("chargebridge/status", timeout: .seconds(15))

    var samples: [Double] = []
    for index in 0..<plugIns {
        let vehicle = "car\(index % count)"
        let topic = "chargebridge/\(vehicle)/schedule"
        try await probe.publish("\(20 + index % 50)", to: "chargebridge/\(vehicle)/soc", qos: .atLeastOnce)
        arrivals.reset(topic)
        let sent = ContinuousClock.now
        try await probe.publish("connected", to: "chargebridge/\(vehicle)/plug", qos: .atLeastOnce)
        let arrived: ContinuousClock.Instant
        do {
            arrived = try await arrivals.waitForNonEmpty(topic, timeout: .seconds(40))
        } catch {
            if ProcessInfo.processInfo.environment["BENCH_LOG"] != nil { print(broker.logText()) }
            throw error
        }
        samples.append(seconds(arrived - sent))
        try await probe.publish("disconnected", to: "chargebridge/\(vehicle)/plug", qos: .atLeastOnce)
        try await arrivals.waitForEmpty(topic, timeout: .seconds(10))
    }
    running.cancel()
    _ = try? await running.value
    await probe.shutdown()
    await broker.stop()
    return samples
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The latest schedule payload per topic and when it arrived.
private final class ScheduleArrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: [String: (payload: [UInt8], at: ContinuousClock.Instant)] = [:]

    func record(topic: String, payload: [UInt8], at instant: ContinuousClock.Instant) {
        lock.withLock { latest[topic] = (payload, instant) }
    }

    func reset(_ topic: String) {
        lock.withLock { latest[topic] = nil }
    }

    func waitFor(_ topic: String, timeout: Duration) async throws {
        _ = try await poll(timeout: timeout, what: topic) { self.latest[topic] != nil }
    }

    func waitForNonEmpty(_ topic: String, timeout: Duration) async throws -> ContinuousClock.Instant {
        try await poll(timeout: timeout, what: "a schedule on \(topic)") {
            guard let entry = self.latest[topic], !entry.payload.isEmpty else { return nil }
            return entry.at
        }
    }

    func waitForEmpty(_ topic: String, timeout: Duration) async throws {
        _ = try await poll(timeout: timeout, what: "the cleared schedule on \(topic)") {
            self.latest[topic].map { $0.payload.isEmpty ? true : nil } ?? nil
        }
    }

    private func poll<T>(timeout: Duration, what: String, _ check: () -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = lock.withLock(check) { return value }
            try await Task.sleep(for: .microseconds(200))
        }
        throw BenchError("no \(what) within \(timeout)")
    }
}
