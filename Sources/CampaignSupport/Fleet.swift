import Foundation
import GRDB
import Logging
import MQTT
import TestSupport

/// The campaign's world: a mosquitto tuned for load on a free loopback port, the real bridge
/// binary with `vehicles` vehicles (each with power and an energy counter), publishers for the
/// vehicles' readings and an observer of the schedules.
public final class Fleet: @unchecked Sendable {
    public static let base = "chargebridge"

    /// One simulated vehicle as its charger reports it.
    public struct Vehicle: Sendable {
        public var id: String
        public var plugged = false
        public var counterWh = 10_000.0
        public var powerW: Double { plugged ? 11_000 : 0 }
        /// `<base>/<id>/`, the prefix of its input topics.
        let prefix: String

        init(id: String) {
            self.id = id
            prefix = "\(Fleet.base)/\(id)/"
        }
    }

    public let broker: MosquittoBroker
    public let folder: URL
    public let configPath: String
    public let databasePath: String
    public let observer: Observer
    /// Publishers; vehicle `i` always goes through `publishers[i % count]`, so its readings stay in order.
    public let publishers: [MQTTClient]
    public var vehicles: [Vehicle]
    public private(set) var bridge: BridgeProcess?
    /// Readings (any vehicle input) sent to the bridge so far.
    public private(set) var sent = 0
    /// When set (`useBatchPublisher()`), paced counter readings go through it rather than the
    /// MQTT client publishers.
    public private(set) var batchPublisher: BatchPublisher?
    private let keep: Bool
    /// The connection `ledgerEnergyWh()` reads with, and the energy of the records up to `lastId`.
    private var ledgerReader: DatabaseQueue?
    private var ledgerRead: (energyWh: Double, lastId: Int64) = (0, 0)

    /// Writes the configuration and connects the observer and publishers; the bridge is not started.
    /// `publishIntervalSeconds`: the bridge's `metering.publish_interval_s`.
    public init(vehicles count: Int, publishers publisherCount: Int = 2, publishIntervalSeconds: Double = 1, keep: Bool) async throws {
        self.keep = keep
        var logger = Logger(label: "load")
        logger.logLevel = .critical
        // No limit on the messages queued for a slow subscriber: by default mosquitto drops QoS 0
        // messages beyond 1,000 waiting for a client. (Nagle is off by the kit's default.)
        broker = try await MosquittoBroker.start(.init(extraConfiguration: [
            "max_queued_messages 0", "max_inflight_messages 0",
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
        metering: {flush_interval_s: 1, publish_interval_s: \(publishIntervalSeconds)}
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
    public func startBridge() async throws {
        let since = ContinuousClock.now
        bridge = try BridgeProcess(configPath: configPath)
        try await observer.waitFor("\(Self.base)/status", since: since, within: .seconds(60)) { $0 == "online" }
    }

    /// The bridge's memory and CPU now.
    public func usage() throws -> ProcessUsage {
        guard let pid = bridge?.pid else { throw CampaignError("the bridge is not running") }
        return try ProcessUsage(pid: pid)
    }

    /// CPU time so far, s, of the bridge, the broker and this process (the publishers, the
    /// observer and the ledger reads): the three share the machine.
    public func cpuSeconds() throws -> (bridge: Double, broker: Double, campaign: Double) {
        guard let brokerPid = broker.pid else { throw CampaignError("the broker is not running") }
        return (try usage().cpuSeconds, try ProcessUsage(pid: brokerPid).cpuSeconds, try ProcessUsage(pid: getpid()).cpuSeconds)
    }

    // MARK: Readings

    private func send(_ text: String, vehicle index: Int, input: String) async throws {
        try await publishers[index % publishers.count].publish(Array(text.utf8), to: vehicles[index].prefix + input, qos: .atMostOnce)
        sent += 1
    }

    /// Power and energy counter of vehicle `index`, as its charger reports them every `seconds`.
    public func report(vehicle index: Int, seconds: Double) async throws {
        vehicles[index].counterWh += vehicles[index].powerW * seconds / 3600
        try await send(String(vehicles[index].powerW), vehicle: index, input: "power")
        try await send(String(vehicles[index].counterWh), vehicle: index, input: "energy")
    }

    /// The counter of vehicle `index` goes up by `wh` and is reported (the burst's reading).
    public func counterReading(vehicle index: Int, adding wh: Double) async throws {
        vehicles[index].counterWh += wh
        try await send(String(vehicles[index].counterWh), vehicle: index, input: "energy")
    }

    /// Plugs vehicle `index` in (state of charge first, as a car reports it) or out.
    public func plug(vehicle index: Int, in connected: Bool, soc: Int) async throws {
        vehicles[index].plugged = connected
        if connected { try await send(String(soc), vehicle: index, input: "soc") }
        try await send(connected ? "connected" : "disconnected", vehicle: index, input: "plug")
    }

    /// Sends paced counter readings from now on through one ``BatchPublisher`` connection
    /// (all vehicles' readings through it, so each vehicle's stay in order), each 5 ms slice's
    /// readings in one write.
    public func useBatchPublisher() throws {
        batchPublisher = try BatchPublisher(port: broker.port, clientID: "load-burst")
    }

    /// Sends `readings` counter readings, each adding 1 Wh to one vehicle's counter (round robin
    /// from vehicle `from`), at `rate` per second (paced in 5 ms slices), or with `rate` nil as
    /// fast as the publishers take them (one task per publisher). Returns the instants the first
    /// and the last were handed to the publishers.
    public func sendCounterReadings(_ readings: Int, rate: Int?, from: Int = 0) async throws -> (first: ContinuousClock.Instant, last: ContinuousClock.Instant) {
        let count = vehicles.count
        let start = ContinuousClock.now
        if let rate {
            var done = 0
            while done < readings {
                let due = min(readings, Int(Double(rate) * seconds(ContinuousClock.now - start)) + rate / 200)
                if let batch = batchPublisher {
                    while done < due {
                        let index = (from + done) % count
                        vehicles[index].counterWh += 1
                        batch.append(topic: vehicles[index].prefix + "energy", payload: String(vehicles[index].counterWh))
                        done += 1
                        sent += 1
                    }
                    try batch.flush()
                }
                while done < due {
                    try await counterReading(vehicle: (from + done) % count, adding: 1)
                    done += 1
                }
                if done < readings { try await Task.sleep(for: .milliseconds(5)) }
            }
            return (start, .now)
        }
        // Each publisher sends for its own vehicles (i % publishers), so each vehicle's readings stay in order.
        let lanes = publishers.count
        let snapshot = vehicles
        let counters = try await withThrowingTaskGroup(of: [(Int, Double)].self) { group in
            for lane in 0..<lanes {
                group.addTask { [publishers] in
                    var counters: [Int: Double] = [:]
                    var reading = lane
                    while reading < readings {
                        let index = (from + reading) % count
                        if index % lanes == lane {
                            let value = (counters[index] ?? snapshot[index].counterWh) + 1
                            counters[index] = value
                            try await publishers[lane].publish(Array(String(value).utf8), to: snapshot[index].prefix + "energy", qos: .atMostOnce)
                        }
                        reading += 1
                    }
                    return counters.map { ($0.key, $0.value) }
                }
            }
            var all: [(Int, Double)] = []
            for try await part in group { all += part }
            return all
        }
        for (index, value) in counters { vehicles[index].counterWh = value }
        sent += readings
        return (start, .now)
    }

    // MARK: The ledger

    /// Energy in the ledger's meter records, Wh (read beside the running bridge; WAL mode).
    /// Meter records are only ever added, in id order, so each read sums only the rows stored
    /// since the one before, on one connection kept open: the campaign polls every 20 ms while
    /// the bridge catches up, and a new connection and a sum over every record each time took
    /// CPU from the bridge it was waiting for (the ledger holds a record per charging vehicle
    /// and second).
    public func ledgerEnergyWh() throws -> Double {
        if ledgerReader == nil {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            ledgerReader = try DatabaseQueue(path: databasePath, configuration: configuration)
        }
        let after = ledgerRead.lastId
        let (energy, lastId) = try ledgerReader!.read { db -> (Double, Int64?) in
            guard let row = try Row.fetchOne(db, sql: "SELECT COALESCE(SUM(energy_wh), 0), MAX(id) FROM meter_record WHERE id > ?",
                                             arguments: [after]) else { return (0, nil) }
            let energy: Double = row[0]
            let lastId: Int64? = row[1]
            return (energy, lastId)
        }
        if let lastId {
            ledgerRead = (ledgerRead.energyWh + energy, lastId)
        }
        return ledgerRead.energyWh
    }

    /// Waits until the ledger holds at least `energyWh`; returns when it did, nil if not `within`.
    public func waitForLedger(_ energyWh: Double, within timeout: Duration) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try ledgerEnergyWh() >= energyWh - 1e-6 { return .now }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The ledger's energy once it stopped changing (no reading in flight): two reads 1.2 s apart agree.
    public func settledLedgerEnergy() async throws -> Double {
        var last = try ledgerEnergyWh()
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(1_200))
            let now = try ledgerEnergyWh()
            if abs(now - last) < 1e-6 { return now }
            last = now
        }
        throw CampaignError("the ledger's energy kept changing for 24 s without new readings")
    }

    public func shutdown() async {
        ledgerReader = nil
        batchPublisher = nil
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
