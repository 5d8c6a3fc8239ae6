import Foundation
import Locking
import Logging
import Metering
import MQTT
import Testing
import TestSupport
@testable import Bridge

/// The bridge against a real mosquitto, a real SQLite ledger and a simulated charger.
@Suite(.serialized) struct BridgeServiceTests {
    /// A flat tariff, so nothing depends on the hour the test runs at.
    static func writeConfig(in folder: URL, brokerURL: String, extra: String = "") throws -> String {
        let path = folder.appendingPathComponent("chargebridge.yaml").path
        try """
        broker: {url: "\(brokerURL)", client_id: bridge-\(folder.lastPathComponent.prefix(18)), keepalive_s: 5}
        location: {id: home, max_power_w: 11000}
        tariff: {timeZone: Europe/Amsterdam, currency: EUR, tariffs: [{type: standard, currency: EUR, price: 0.30}]}
        database: ledger.sqlite
        metering: {flush_interval_s: 0.2}
        vehicles:
          - id: car1
            capacity_wh: 60000
            max_power_w: 7200
            efficiency: 1.0
            topics: {energy: chargebridge/car1/energy}
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A ready-by time of day half a day from now (Amsterdam), so a test's plan never runs
    /// into its departure whatever the hour it runs at.
    static var readyByHalfADayAhead: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam")!
        let parts = calendar.dateComponents([.hour, .minute], from: Date().addingTimeInterval(12 * 3600))
        return String(format: "%02d:%02d", parts.hour!, parts.minute!)
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cb-bridge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    @Test func plugInFastChargeAndUnplugGiveAPricedSessionWithEveryWattHour() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let folder = try Self.temporaryFolder()
        let config = try BridgeConfigLoader.load(path: try Self.writeConfig(in: folder, brokerURL: broker.url))
        let probe = try await Probe.start(url: broker.url, filter: "chargebridge/#")

        let service = try BridgeServices(config: config, logger: Self.logger)
        let running = Task { try await service.run() }
        try await probe.waitFor("chargebridge/status") { $0 == "online" }

        var settings = SimulatedCharger.Settings(vehicle: config.vehicles[0], initialSoc: 50)
        settings.reportEverySeconds = 0.1
        let charger = try SimulatedCharger(settings: settings, brokerURL: broker.url, clock: SystemClock(), logger: Self.logger)
        let charging = Task { try await charger.run() }

        // Plugged in on a flat tariff: a schedule is published, retained.
        let schedule = try await probe.waitFor("chargebridge/car1/schedule") { !$0.isEmpty }
        #expect(schedule.contains(#""device_id":"car1""#))
        // Garbage on the inputs is ignored, not fatal.
        try await probe.publish("abc", to: "chargebridge/car1/soc")
        try await probe.publish("NaN", to: "chargebridge/car1/power")
        try await probe.publish("-20", to: "chargebridge/car1/energy")
        try await probe.publish("sometimes", to: "chargebridge/car1/mode/set")
        // The driver asks for fast charging: the charger is told to start.
        try await probe.publish("fast", to: "chargebridge/car1/mode/set")
        _ = try await probe.waitFor("chargebridge/car1/command") { $0 == "start" }
        try await probe.waitUntil { charger.status.counterWh > 5 }
        let session = try await probe.waitFor("chargebridge/car1/session") { $0.contains(#""state":"open""#) && !$0.contains(#""energy_wh":0,"#) }
        #expect(session.contains(#""currency":"EUR""#))
        _ = try await probe.waitFor("chargebridge/car1/cost/today") { Double($0).map { $0 > 0 } ?? false }

        // Stop charging, let the last counter reading arrive, then unplug.
        try await probe.publish("off", to: "chargebridge/car1/mode/set")
        _ = try await probe.waitFor("chargebridge/car1/command") { $0 == "stop" }
        try await Task.sleep(for: .milliseconds(400))
        charging.cancel()
        _ = try? await charging.value
        let counter = charger.status.counterWh
        await charger.unplugAndStop()
        let closed = try await probe.waitFor("chargebridge/car1/session") { $0.contains(#""state":"closed""#) }

        running.cancel()
        _ = try? await running.value
        await probe.stop()

        // Every watt-hour the charger counted is in the ledger, once, under one session.
        let ledger = try Ledger(path: config.databasePath)
        let sessionId = try #require(try ledger.lastSession(deviceId: "car1")).sessionReferenceId
        let info = try ledger.session(sessionId)
        #expect(!info.isOpen)
        #expect(abs(info.importEnergyWh - counter) < 0.05)
        let cost = try ledger.sessionCost(sessionId, tariffs: config.tariffs)
        #expect(abs(cost.total.cost - counter / 1000 * 0.30) < 1e-4)
        #expect(closed.contains(sessionId))
        #expect(try ledger.integrityCheck() == ["ok"])
    }

    @Test func stoppingWithMessagesStillQueuedIsACleanStop() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let folder = try Self.temporaryFolder()
        let config = try BridgeConfigLoader.load(path: try Self.writeConfig(in: folder, brokerURL: broker.url))
        let probe = try await Probe.start(url: broker.url, filter: "chargebridge/status")
        let service = try BridgeServices(config: config, logger: Self.logger)
        let running = Task { try await service.run() }
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        // A flood of plug-ins and unplugs (each a ledger write: the bridge falls behind), and the
        // stop (SIGTERM in `chargebridge run`) in the middle of it.
        let flood = Task { [client = probe.client] in
            for index in 0..<30_000 where !Task.isCancelled {
                try? await client.publish(index % 2 == 0 ? "connected" : "disconnected", to: "chargebridge/car1/plug", qos: .atMostOnce)
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        running.cancel()
        await #expect(throws: Never.self) { try await running.value }
        flood.cancel()
        await flood.value
        try await probe.waitFor("chargebridge/status") { $0 == "offline" }
        await probe.stop()
    }

    @Test func bridgeStartedBeforeTheBrokerConnectsOnceItIsUp() async throws {
        let port = try freeLoopbackPort()
        let folder = try Self.temporaryFolder()
        let config = try BridgeConfigLoader.load(path: try Self.writeConfig(in: folder, brokerURL: "mqtt://127.0.0.1:\(port)"))
        let service = try BridgeServices(config: config, logger: Self.logger)
        let running = Task { try await service.run() }
        try await Task.sleep(for: .milliseconds(700))
        let broker = try MosquittoBroker(port: port)
        try await broker.launch()
        defer { Task { await broker.stop() } }
        let probe = try await Probe.start(url: broker.url, filter: "chargebridge/#")
        _ = try await probe.waitFor("chargebridge/status", within: .seconds(15)) { $0 == "online" }
        running.cancel()
        _ = try? await running.value
        // A clean stop says offline.
        _ = try await probe.waitFor("chargebridge/status") { $0 == "offline" }
        await probe.stop()
    }

    @Test func wrongPasswordIsAClearFatalError() async throws {
        let broker = try await MosquittoBroker.start(.init(users: ["bridge": "right"]))
        defer { Task { await broker.stop() } }
        let folder = try Self.temporaryFolder()
        var text = try String(contentsOfFile: try Self.writeConfig(in: folder, brokerURL: broker.url), encoding: .utf8)
        text = text.replacingOccurrences(of: "keepalive_s: 5}", with: "keepalive_s: 5, username: bridge, password: wrong}")
        try text.write(toFile: folder.appendingPathComponent("chargebridge.yaml").path, atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.load(path: folder.appendingPathComponent("chargebridge.yaml").path)
        let service = try BridgeServices(config: config, logger: Self.logger)
        do {
            try await service.run()
            Issue.record("a refused login must end the bridge")
        } catch {
            #expect("\(error)".contains("refused the login for user 'bridge'"))
            #expect(!"\(error)".contains("wrong"))
        }
    }
}

/// A test client that records every message it sees and can wait for one.
final class Probe: Sendable {
    let client: MQTTClient
    /// Each message with when it was seen, by the clock the probe was started with (nil without one).
    private let seen: Locked<[(topic: String, payload: String, at: Date?)]>
    private let reader: Task<Void, Never>

    private init(client: MQTTClient, clock: (@Sendable () -> Date)?) {
        self.client = client
        let seen = Locked<[(topic: String, payload: String, at: Date?)]>([])
        self.seen = seen
        reader = Task {
            for await message in client.messages {
                let at = clock?()
                seen.withLock { $0.append((message.topic, message.payloadText, at)) }
            }
        }
    }

    /// Every message seen so far with the instant it was seen (only with a `clock` at start).
    var stampedMessages: [(at: Date, topic: String, payload: String)] {
        seen.value.compactMap { message in message.at.map { ($0, message.topic, message.payload) } }
    }

    /// `clock`: stamps each message as it is seen (``stampedMessages``).
    static func start(url: String, filter: String, username: String? = nil, password: String? = nil,
                      clock: (@Sendable () -> Date)? = nil) async throws -> Probe {
        var configuration = try MQTTConfiguration(url: url, clientID: "probe-\(UUID().uuidString.prefix(8))")
        configuration.cleanStart = true
        configuration.username = username
        configuration.password = password
        let client = try MQTTClient(configuration: configuration, logger: BridgeServiceTests.logger)
        try await client.connect(timeout: .seconds(5))
        let probe = Probe(client: client, clock: clock)
        try await client.subscribe(filter)
        return probe
    }

    func publish(_ payload: String, to topic: String, retain: Bool = false) async throws {
        try await client.publish(payload, to: topic, qos: .atLeastOnce, retain: retain)
    }

    /// Every message seen so far, on any topic.
    var messagesSeen: [(topic: String, payload: String)] { seen.value.map { ($0.topic, $0.payload) } }

    func messages(on topic: String) -> [String] {
        seen.value.filter { $0.topic == topic }.map(\.payload)
    }

    /// The latest payload on `topic` that satisfies `match`, waiting up to `within`.
    @discardableResult
    func waitFor(_ topic: String, within: Duration = .seconds(10), _ match: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if let hit = messages(on: topic).last(where: match) { return hit }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProbeTimeout(description: "nothing matching on \(topic) within \(within); saw \(messages(on: topic).suffix(3))")
    }

    func waitUntil(within: Duration = .seconds(10), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProbeTimeout(description: "condition not met within \(within)")
    }

    func stop() async {
        await client.shutdown()
        reader.cancel()
    }
}

struct ProbeTimeout: Error, CustomStringConvertible {
    var description: String
}

/// New prices in the tariff file reach the plans without a restart.
@Suite(.serialized) struct BridgePriceReloadTests {
    @Test func changedTariffFileIsReplannedAndTheScheduleRepublished() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let folder = try BridgeServiceTests.temporaryFolder()
        let tariffPath = folder.appendingPathComponent("tariff.json").path
        func writeTariff(_ price: Double) throws {
            try #"{"timeZone": "Europe/Amsterdam", "currency": "EUR", "tariffs": [{"type": "standard", "currency": "EUR", "price": \#(price)}]}"#
                .write(toFile: tariffPath, atomically: true, encoding: .utf8)
        }
        try writeTariff(0.30)
        let configPath = folder.appendingPathComponent("chargebridge.yaml").path
        try """
        broker: {url: "\(broker.url)", client_id: reload-\(folder.lastPathComponent.prefix(8))}
        tariff: tariff.json
        database: ledger.sqlite
        vehicles: [{id: car1, capacity_wh: 50000, max_power_w: 10000, efficiency: 1.0, ready_by: "\(BridgeServiceTests.readyByHalfADayAhead)"}]
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.load(path: configPath)
        let service = try BridgeServices(config: config, logger: BridgeServiceTests.logger, tariffReloadInterval: .milliseconds(200))
        let running = Task { try await service.run() }
        let probe = try await Probe.start(url: broker.url, filter: "chargebridge/#")
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        try await probe.publish("50", to: "chargebridge/car1/soc")
        try await probe.publish("connected", to: "chargebridge/car1/plug")
        // 30 % of 50 kWh = 15 kWh at 0.30 EUR/kWh.
        try await probe.waitFor("chargebridge/car1/schedule") { $0.contains(#""tariff":{"confidence":1,"value":4.5}"#) }
        try writeTariff(0.10)
        try await probe.waitFor("chargebridge/car1/schedule") { $0.contains(#""tariff":{"confidence":1,"value":1.5}"#) }
        try await probe.waitFor("chargebridge/price") { $0 == "0.1" }
        running.cancel()
        _ = try? await running.value
        await probe.stop()
    }
}
