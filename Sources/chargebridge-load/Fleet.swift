import CampaignSupport
import Foundation
import GRDB
import Logging
import MQTT
import TestSupport

/// The campaign's world: a mosquitto tuned for load on a free loopback port, the real bridge
/// binary with `vehicles` vehicles (each with power and an energy counter), publishers for the
/// vehicles' readings and an observer of the schedules.
final class Fleet: @unchecked Sendable {
    static let base = "chargebridge"

    /// One simulated vehicle as its charger reports it.
    struct Vehicle {
        var id: String
        var plugged = false
        var counterWh = 10_000.0
        var powerW: Double { plugged ? 11_000 : 0 }
    }

    let broker: MosquittoBroker
    let folder: URL
    let configPath: String
    let databasePath: String
    let observer: Observer
    /// Publishers; vehicle `i` always goes through `publishers[i % count]`, so its readings stay in order.
    let publishers: [MQTTClient]
    var vehicles: [Vehicle]
    private(set) var bridge: BridgeProcess?
    /// Readings (any vehicle input) sent to the bridge so far.
    private(set) var sent = 0
    private let keep: Bool

    init(vehicles count: Int, publishers publisherCount: Int = 2, keep: Bool) async throws {
        self.keep = keep
        var logger = Logger(label: "load")
        logger.logLevel = .critical
        // Nagle off (else ~40 ms per delivery), and no limit on the messages queued for a slow
        // subscriber: by default mosquitto drops QoS 0 messages beyond 1,000 waiting for a client.
        broker = try await MosquittoBroker.start(.init(extraConfiguration: [
            "set_tcp_nodelay true", "max_queued_messages 0", "max_inflight_messages 0",
        ]))
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-load-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        configPath = folder.appendingPathComponent("chargebridge.yaml").path
        databasePath = folder.appendingPathComponent("ledger.sqlite").path
        vehicles = (1...count).map { Vehicle(id: "car\($0)") }
        // The example time-of-use tariff: every plug-in gets a real plan (peak vs off-peak) at any date.
        let tariff = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/tariff-tou.json").path
        let vehicleLines = vehicles.map { vehicle in
            "  - {id: \(vehicle.id), capacity_wh: 60000, max_power_w: 11000, topics: {energy: \(Self.base)/\(vehicle.id)/energy}}"
        }.joined(separator: "\n")
        // No site limit: a depot of independent chargers (see the README on a shared limit).
        try """
        broker: {url: "\(broker.url)", client_id: load-bridge, keepalive_s: 30}
        location: {id: depot}
        tariff: "\(tariff)"
        database: ledger.sqlite
        metering: {flush_interval_s: 1, publish_interval_s: \(ProcessInfo.processInfo.environment["LOAD_PUBLISH_INTERVAL_S"] ?? "1")}
        vehicles:
        \(vehicleLines)

        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        observer = try await Observer(url: broker.url, base: Self.base,
                                      filters: ["\(Self.base)/status", "\(Self.base)/+/schedule"], logger: logger)
        var publishers: [MQTTClient] = []
        for index in 0..<publisherCount {
            var configuration = try MQTTConfiguration(url: broker.url, clientID: "load-publisher-\(index)")
            configuration.cleanStart = true
            let client = try MQTTClient(configuration: configuration, logger: logger)
            try await client.connect(timeout: .seconds(10))
            publishers.append(client)
        }
        self.publishers = publishers
    }

    /// Starts the bridge and waits until it is online.
    func startBridge() async throws {
        let since = ContinuousClock.now
        bridge = try BridgeProcess(configPath: configPath)
        try await observer.waitFor("\(Self.base)/status", since: since, within: .seconds(60)) { $0 == "online" }
    }

    /// The bridge's memory and CPU now.
    func usage() throws -> ProcessUsage {
        guard let pid = bridge?.pid else { throw CampaignError("the bridge is not running") }
        return try ProcessUsage(pid: pid)
    }

    // MARK: Readings

    private func send(_ text: String, vehicle index: Int, input: String) async throws {
        try await publishers[index % publishers.count].publish(
            Array(text.utf8), to: "\(Self.base)/\(vehicles[index].id)/\(input)", qos: .atMostOnce)
        sent += 1
    }

    /// Power and energy counter of vehicle `index`, as its charger reports them every `seconds`.
    func report(vehicle index: Int, seconds: Double) async throws {
        vehicles[index].counterWh += vehicles[index].powerW * seconds / 3600
        try await send(String(vehicles[index].powerW), vehicle: index, input: "power")
        try await send(String(format: "%.3f", vehicles[index].counterWh), vehicle: index, input: "energy")
    }

    /// The counter of vehicle `index` goes up by `wh` and is reported (the burst's reading).
    func counterReading(vehicle index: Int, adding wh: Double) async throws {
        vehicles[index].counterWh += wh
        try await send(String(format: "%.3f", vehicles[index].counterWh), vehicle: index, input: "energy")
    }

    /// Plugs vehicle `index` in (state of charge first, as a car reports it) or out.
    func plug(vehicle index: Int, in connected: Bool, soc: Int) async throws {
        vehicles[index].plugged = connected
        if connected { try await send(String(soc), vehicle: index, input: "soc") }
        try await send(connected ? "connected" : "disconnected", vehicle: index, input: "plug")
    }

    // MARK: The ledger

    /// Energy in the ledger's meter records, Wh (read beside the running bridge; WAL mode).
    func ledgerEnergyWh() throws -> Double {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
        return try queue.read { try Double.fetchOne($0, sql: "SELECT COALESCE(SUM(energy_wh), 0) FROM meter_record") ?? 0 }
    }

    func shutdown() async {
        _ = await bridge?.stop()
        bridge = nil
        for publisher in publishers { await publisher.shutdown() }
        await observer.stop()
        await broker.stop()
        if keep {
            FileHandle.standardError.write(Data("chargebridge-load: kept \(folder.path)\n".utf8))
        } else {
            try? FileManager.default.removeItem(at: folder)
        }
    }
}
