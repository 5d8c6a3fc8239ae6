import Bridge
import CampaignSupport
import Documents
import Foundation
import GRDB
import Logging
import MQTT
import Metering
import TestSupport

/// What both campaigns share: a real mosquitto on a free loopback port, a ledger in a temporary
/// folder, the real bridge binary, and simulated vehicles whose chargers keep an energy counter.
/// The first `charging` vehicles are switched to `fast`; the others stay in their default mode.
/// With `powerOnly` the chargers publish power only (no counter topic is configured), so the
/// bridge meters by integrating power; their internal counter is then the energy delivered.
final class Scenario: @unchecked Sendable {
    static let base = "chargebridge"
    static let initialCounterWh = 5_000.0

    let broker: MosquittoBroker
    let folder: URL
    let configPath: String
    let config: BridgeConfig
    let observer: Observer
    let logger: Logger
    private(set) var chargers: [SimulatedCharger] = []
    private var chargerTasks: [Task<Void, Error>] = []
    var bridge: BridgeProcess?
    let charging: Int
    let powerOnly: Bool
    static let flushIntervalSeconds = 0.5

    var vehicleIds: [String] { config.vehicles.map(\.id) }

    init(vehicles: Int, charging: Int, powerOnly: Bool = false) async throws {
        var logger = Logger(label: "chaos")
        logger.logLevel = .critical
        self.logger = logger
        self.charging = charging
        self.powerOnly = powerOnly
        broker = try await MosquittoBroker.start()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-chaos-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        configPath = folder.appendingPathComponent("chargebridge.yaml").path
        let vehicleLines = (1...vehicles).map { index in
            """
              - id: car\(index)
                capacity_wh: 80000
                max_power_w: \(7200 + 1200 * (index % 3))
                efficiency: 1.0
            """ + (powerOnly ? "" : "\n    topics: {energy: \(Self.base)/car\(index)/energy}")
        }.joined(separator: "\n")
        try """
        broker: {url: "\(broker.url)", client_id: chaos-bridge, keepalive_s: 5}
        location: {id: home, max_power_w: 50000}
        tariff: {timeZone: Europe/Amsterdam, currency: EUR, tariffs: [{type: standard, currency: EUR, price: 0.30}]}
        database: ledger.sqlite
        metering: {flush_interval_s: \(Self.flushIntervalSeconds)}
        vehicles:
        \(vehicleLines)

        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        config = try BridgeConfigLoader.load(path: configPath)
        observer = try await Observer(url: broker.url, base: Self.base, logger: logger)
    }

    /// Starts the bridge, plugs every vehicle in, sets the first `charging` to fast and waits
    /// until each has an open session and the fast ones got `start`.
    func begin() async throws -> [String: String] {
        let since = ContinuousClock.now
        bridge = try BridgeProcess(configPath: configPath)
        try await observer.waitFor("\(Self.base)/status", since: since) { $0 == "online" }
        for vehicle in config.vehicles {
            var settings = SimulatedCharger.Settings(vehicle: vehicle, initialSoc: 20)
            settings.reportEverySeconds = 0.2
            settings.initialCounterWh = Self.initialCounterWh
            let charger = try SimulatedCharger(settings: settings, brokerURL: broker.url, clock: SystemClock(), logger: logger)
            chargers.append(charger)
            chargerTasks.append(Task { try await charger.run() })
        }
        for id in vehicleIds.prefix(charging) {
            try await observer.publish("fast", to: "\(Self.base)/\(id)/mode/set")
        }
        var sessions: [String: String] = [:]
        for id in vehicleIds {
            let opened = try await observer.waitFor("\(Self.base)/\(id)/session", since: since) { $0.contains(#""state":"open""#) }
            sessions[id] = try Self.sessionId(in: opened.text).orThrow("no session id in \(opened.text)")
        }
        for id in vehicleIds.prefix(charging) {
            try await observer.waitFor("\(Self.base)/\(id)/command", since: since) { $0 == "start" }
        }
        return sessions
    }

    /// Switches every vehicle off (mode `off`), lets the chargers report their final counters, unplugs them,
    /// waits for the closed sessions and stops the bridge cleanly. Returns each counter's growth
    /// as the charger published it (to 0.1 Wh, so the comparison with the ledger is exact); for
    /// power-only chargers, the energy each delivered (its internal counter, not published).
    func end() async throws -> [String: Double] {
        for id in vehicleIds {
            try await observer.publish("off", to: "\(Self.base)/\(id)/mode/set")
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while chargers.contains(where: \.status.charging) {
            guard ContinuousClock.now < deadline else {
                let still = zip(vehicleIds, chargers).filter { $0.1.status.charging }.map(\.0)
                throw CampaignError("\(still) still charging 5 s after mode off")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Two report periods: the last counter after the stop is published.
        try await Task.sleep(for: .milliseconds(600))
        for task in chargerTasks { task.cancel() }
        for task in chargerTasks { _ = try? await task.value }
        var counters: [String: Double] = [:]
        for (id, charger) in zip(vehicleIds, chargers) {
            let counterWh = charger.status.counterWh
            counters[id] = (powerOnly ? counterWh : (counterWh * 10).rounded() / 10) - Self.initialCounterWh
        }
        let unplugged = ContinuousClock.now
        for charger in chargers { await charger.unplugAndStop() }
        for id in vehicleIds {
            try await observer.waitFor("\(Self.base)/\(id)/session", since: unplugged) { $0.contains(#""state":"closed""#) }
        }
        _ = await bridge?.stop()
        bridge = nil
        return counters
    }

    /// Ledger figures after the run: energy per vehicle (last session), sessions per vehicle,
    /// duplicate record ids, `PRAGMA integrity_check`.
    func ledgerFigures() throws -> (energyWh: [String: Double], sessions: [String: Int], duplicateRecordIds: Int, integrity: String) {
        let ledger = try Ledger(path: config.databasePath)
        var energy: [String: Double] = [:]
        for id in vehicleIds { energy[id] = try ledger.lastSession(deviceId: id)?.importEnergyWh ?? 0 }
        let integrity = try ledger.integrityCheck().joined(separator: "; ")
        let queue = try DatabaseQueue(path: config.databasePath)
        let (duplicates, sessions) = try queue.read { db -> (Int, [String: Int]) in
            let duplicates = try Int.fetchOne(db, sql: "SELECT COUNT(*) - COUNT(DISTINCT record_reference_id) FROM meter_record") ?? -1
            var sessions: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT device_id, COUNT(*) AS n FROM charging_session GROUP BY device_id") {
                sessions[row["device_id"]] = row["n"]
            }
            return (duplicates, sessions)
        }
        return (energy, sessions, duplicates, integrity)
    }

    /// Consecutive identical commands per vehicle, split into the one re-send allowed as the first
    /// command after each `reconnects` instant (a broker restart or a bridge restart) and the rest.
    func duplicateCommands(reconnects: [ContinuousClock.Instant]) -> (total: Int, resends: Int, beyond: Int) {
        var total = 0, resends = 0
        for id in vehicleIds {
            let commands = observer.messages(on: "\(Self.base)/\(id)/command")
            for index in commands.indices.dropFirst() where commands[index].text == commands[index - 1].text {
                total += 1
                let previous = commands[index - 1].at, current = commands[index].at
                // The first command after a reconnect instant that lies between the two.
                if reconnects.contains(where: { $0 > previous && $0 <= current }) { resends += 1 }
            }
        }
        return (total, resends, total - resends)
    }

    func shutdown() async {
        for task in chargerTasks { task.cancel() }
        _ = await bridge?.kill()
        await observer.stop()
        await broker.stop()
        if ProcessInfo.processInfo.environment["CHAOS_KEEP"] == "1" {
            FileHandle.standardError.write(Data("chargebridge-chaos: kept \(folder.path)\n".utf8))
        } else {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    static func sessionId(in payload: String) -> String? {
        guard case let .string(id)? = (try? DocumentValue.parse(payload, preferJSON: true))?["session_reference_id"] else { return nil }
        return id
    }
}

extension Optional {
    func orThrow(_ message: @autoclosure () -> String) throws -> Wrapped {
        guard let self else { throw CampaignError(message()) }
        return self
    }
}
