import Bridge
import Documents
import Foundation
import Locking
import Logging
import MQTT
import Tariffs
import TestSupport

/// The demo's night on one broker: the bridge, the emulated site (two chargers, the house, the
/// grid meter), the house's script and what is printed.
struct DemoNight {
    let brokerURL: String
    let tariff: Tariff
    let tariffPath: String
    let start: Date
    let departure: Date
    let speed: Double
    let soc: Double

    static let limitW = 11_000.0
    static let baseHouseW = 400.0
    static let spikeW = 6_000.0
    static let slotSeconds = 900.0
    /// The cars: (id, name, battery Wh, state of charge at plug-in).
    var cars: [(id: String, name: String, capacityWh: Double, socPercent: Double)] {
        [("car1", "car1: wallbox 6-16 A x 3 phases (4.1-11 kW)", 60_000, soc),
         ("car2", "car2: switched charger, 7.4 kW or nothing", 40_000, soc + 10)]
    }

    func play() async throws {
        var logger = Logger(label: "chargebridge")
        logger.logLevel = .error
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chargebridge-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = folder.appendingPathComponent("chargebridge.yaml").path
        try """
        broker: {url: "\(brokerURL)", client_id: chargebridge-demo}
        location:
          id: home
          max_power_w: \(Int(Self.limitW))
          grid: {topic: home/grid, path: $.power}
        tariff: "\(tariffPath)"
        database: ledger.sqlite
        metering: {flush_interval_s: 1, publish_interval_s: 600, power_stale_after_s: 900}
        vehicles:
          - id: car1
            name: Family car
            capacity_wh: 60000
            max_power_w: 11040
            phases: 3
            max_current_a: 16
            ready_by: "07:00"
            target_soc: 80
            topics: {energy: chargebridge/car1/energy, command_power: '{"current": {current_a}}'}
          - id: car2
            name: Second car
            capacity_wh: 40000
            max_power_w: 7400
            phases: 1
            ready_by: "07:00"
            target_soc: 80
            topics: {energy: chargebridge/car2/energy}
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.load(path: configPath)

        let clock = AcceleratedClock(start: start, factor: speed)
        let devices = DeviceClock(now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
        let site = try EmulatedSite(brokerURL: brokerURL, chargers: [
            .current(id: "car1", phases: 3, maxCurrentA: 16, topics: .bridgeDefaults(id: "car1"), template: #"{"current": {current_a}}"#,
                     battery: .init(capacityWh: cars[0].capacityWh, socPercent: cars[0].socPercent)),
            .switched(id: "car2", powerW: 7_400, topics: .bridgeDefaults(id: "car2"),
                      battery: .init(capacityWh: cars[1].capacityWh, socPercent: cars[1].socPercent)),
        ], meter: EmulatedGridMeter(topic: "home/grid", everySeconds: 10, jsonKey: "power"), houseW: Self.baseHouseW,
           reportEverySeconds: 60, clock: devices, clientID: "chargebridge-demo-site", logger: logger)
        let chart = SiteChart(tariff: tariff, limitW: Self.limitW, chargers: [.init(id: "car1", symbol: "█"), .init(id: "car2", symbol: "▓")])

        let port = URLComponents(string: brokerURL)?.port ?? 1883
        let host = URLComponents(string: brokerURL)?.host ?? "127.0.0.1"
        print("""
        ChargeBridge demo: one night on real DE-LU day-ahead prices, \(Int(speed))x faster than real time.
        Broker \(brokerURL). Watch every topic with:
          mosquitto_sub -h \(host) -p \(port) -t 'chargebridge/#' -t 'home/grid' -v

        Two cars plug in at \(tariff.calendar.localDescription(of: start)) on an 11 kW connection and must reach 80 % by 07:00:
        a 60 kWh car at \(Int(cars[0].socPercent)) % on a wallbox told a current, a 40 kWh car at \(Int(cars[1].socPercent)) % on a charger that can only be switched.
        The house draws \(Int(Self.baseHouseW)) W, and 6 kW more for 45 minutes in the night (15 minutes after both cars first
        charge together, or at 03:00): the bridge sees it on the grid meter and makes room.

        """)

        var observerConfiguration = try MQTTConfiguration(url: brokerURL, clientID: "chargebridge-demo-observer")
        observerConfiguration.cleanStart = true
        let observer = try MQTTClient(configuration: observerConfiguration, logger: logger)
        try await observer.connect(timeout: .seconds(5))
        try await observer.subscribe("chargebridge/#")
        let sessions = Locked<[String: DocumentValue]>([:])
        let plans = Locked<[String: DocumentValue]>([:])
        let watcher = Task {
            for await message in observer.messages {
                let parts = message.topic.split(separator: "/")
                guard parts.count == 3, let value = try? DocumentValue.parse(message.payloadText, preferJSON: true) else { continue }
                let id = String(parts[1])
                switch parts[2] {
                case "session": sessions.withLock { $0[id] = value }
                case "schedule": plans.withLock { if $0[id] == nil { $0[id] = value } }
                default: break
                }
            }
        }

        try await site.start()
        let services = try BridgeServices(config: config, logger: logger, clock: clock)
        let bridge = Task { try await services.run() }
        for car in cars { try await site.plug(car.id) }

        // Wait for both plans, then show them.
        let planDeadline = ContinuousClock.now + .seconds(10)
        while plans.value.count < cars.count, ContinuousClock.now < planDeadline { try await Task.sleep(for: .milliseconds(20)) }
        for car in cars {
            let plan = plans.value[car.id]
            let energy = (plan?["energy"]?["value"]?.number ?? 0) / 1000
            let cost = plan?["tariff"]?["value"]?.number ?? 0
            print("The plan for \(car.name): \(String(format: "%.1f", energy)) kWh for \(String(format: "%.2f", cost)) \(tariff.currency)")
        }
        print("")
        print(chart.legend(describing: Dictionary(uniqueKeysWithValues: cars.map { ($0.id, $0.name) })))
        print("")

        // The night, slot by slot; the house's spike starts 15 minutes after both cars first
        // charge together (at 03:00 at the latest) and lasts 45 minutes.
        var slotStart = start
        var spike: (start: Date, end: Date)?
        var spikeOn = false
        var commandsSeen = 0
        while slotStart < departure {
            let slotEnd = min(slotStart.addingTimeInterval(Self.slotSeconds), departure)
            while clock.now() < slotEnd {
                try await Task.sleep(for: .milliseconds(5))
                let now = clock.now()
                if spike == nil, (site.status("car1")?.drawW ?? 0) > 0 && (site.status("car2")?.drawW ?? 0) > 0
                    || now >= tariff.calendar.instant(of: tariff.calendar.localDateAndMinute(of: departure).date, minuteOfDay: 3 * 60) {
                    spike = (now.addingTimeInterval(15 * 60), now.addingTimeInterval(60 * 60))
                }
                if let spike, !spikeOn, now >= spike.start, now < spike.end {
                    site.setHouse(Self.baseHouseW + Self.spikeW)
                    spikeOn = true
                } else if let spike, spikeOn, now >= spike.end {
                    site.setHouse(Self.baseHouseW)
                    spikeOn = false
                }
            }
            let log = site.log
            let commands = log.entries.filter { if case .command = $0.what { true } else { false } }
            let note = Self.note(for: commands.dropFirst(commandsSeen), spike: spike, from: slotStart, to: slotEnd)
            commandsSeen = commands.count
            print(chart.row(log, from: slotStart, to: slotEnd, note: note))
            slotStart = slotEnd
        }

        // Morning: the drivers unplug; the sessions close.
        for car in cars { try await site.unplug(car.id) }
        let closeDeadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < closeDeadline,
              !cars.allSatisfy({ sessions.value[$0.id]?["state"]?.text == "closed" }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        bridge.cancel()
        _ = try? await bridge.value
        await site.stop()
        await observer.shutdown()
        watcher.cancel()
        printSummary(log: site.log, sessions: sessions.value, statuses: cars.map { site.status($0.id) })
    }

    /// What changed in a slot: the house, and the last command each charger took.
    static func note(for commands: ArraySlice<SiteLog.Entry>, spike: (start: Date, end: Date)?, from: Date, to: Date) -> String {
        var parts: [String] = []
        if let spike, spike.start >= from, spike.start < to { parts.append("house +6 kW") }
        if let spike, spike.end >= from, spike.end < to { parts.append("house back to 0.4 kW") }
        var last: [String: String] = [:]
        for entry in commands {
            guard case let .command(id, _, interpretation) = entry.what else { continue }
            switch interpretation.outcome {
            case let .charge(powerW): last[id] = String(format: "%.1f kW", powerW / 1000)
            case .stop: last[id] = "stop"
            case .belowMinimum: last[id] = "below its minimum"
            case .rejected: last[id] = "a payload it ignores"
            }
        }
        parts += last.keys.sorted().map { "\($0) → \(last[$0]!)" }
        return parts.joined(separator: ", ")
    }

    func printSummary(log: SiteLog, sessions: [String: DocumentValue], statuses: [EmulatedSite.ChargerStatus?]) {
        let totals = log.totals()
        let peak = totals.map { $0.houseW + $0.chargersW }.max() ?? 0
        let excursions = log.excursions(limitW: Self.limitW)
        let overSeconds = excursions.reduce(0.0) { $0 + ($1.clockSeconds ?? 0) }
        print("")
        print("Unplugged at \(tariff.calendar.localDescription(of: departure)).")
        for (car, status) in zip(cars, statuses) {
            let session = sessions[car.id] ?? .object([])
            let energy = (session["energy_wh"]?.number ?? 0) / 1000
            let cost = session["cost"]?.number ?? 0
            let average = session["average_price"]?.number.map { String(format: " (%.4f %@/kWh on average)", $0, tariff.currency) } ?? ""
            print(String(format: "  %@  %6.2f kWh  %5.2f %@%@,  %.0f %% -> %.1f %%, %d commands",
                         car.id, energy, cost, tariff.currency, average, car.socPercent, status?.socPercent ?? 0, status?.commands ?? 0))
        }
        let violations = log.violations(limitW: Self.limitW, reactionSeconds: 2)
        let answered = excursions.filter { excursion in !violations.contains { $0.start.at == excursion.start.at } }
        var text = String(format: "  the site: at most %.1f kW on the %.1f kW connection", peak / 1000, Self.limitW / 1000)
        if excursions.isEmpty {
            text += ", never over the limit"
        } else if violations.isEmpty {
            text += String(format: "; over it only while the house rose before the meter said so (%.0f s of the night), the chargers re-divided %.3f s (real) after the reading that showed it, at the slowest",
                           overSeconds, answered.compactMap(\.reactionSeconds).max() ?? 0)
        } else {
            let badSeconds = violations.reduce(0.0) { $0 + ($1.clockSeconds ?? departure.timeIntervalSince($1.start.at)) }
            text += String(format: "; OVER IT for %.0f s of the night with the chargers drawing more than fitted (%d time(s))", badSeconds, violations.count)
        }
        print(text)
    }
}
