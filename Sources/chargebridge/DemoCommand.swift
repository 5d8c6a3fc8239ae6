import ArgumentParser
import Bridge
import Documents
import Foundation
import Locking
import Logging
import MQTT
import Tariffs
import TestSupport

/// `chargebridge demo`: one night charged on real prices, in accelerated time, with a local
/// broker, a simulated car and wallbox, and the bridge in between.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A self-contained showcase: local broker, simulated car and charger, one night on real prices.",
        discussion: """
        Starts mosquitto on a free 127.0.0.1 port (or uses --broker), a simulated wallbox with a car at \
        25 % that follows the bridge's commands, and the bridge, and charges one night on real DE-LU \
        15-minute day-ahead prices (Examples/prices) in accelerated time. Shows the plan as a chart, \
        every command as it happens, and the session's cost and savings.
        """
    )

    @Option(help: "Use this broker instead of starting one (mqtt://host:port).")
    var broker: String?

    @Option(help: "The evening to plug in, a local date within the example prices (2026-05-10 to 2026-05-30).")
    var night: String = "2026-05-28"

    @Option(help: "How many times faster than real time the night runs.")
    var speed: Double = 1000

    @Option(help: "State of charge at plug-in, percent.")
    var soc: Double = 25

    @Option(help: "The folder with the example tariff and prices (default: ./Examples or the one beside the build).")
    var examples: String?

    func validate() throws {
        guard speed >= 1, speed <= 100_000 else { throw ValidationError("--speed must be between 1 and 100000") }
        guard (0..<100).contains(soc) else { throw ValidationError("--soc must be a percentage below 100") }
    }

    func run() async throws {
        _ = LoggingSetup.once
        let examplesFolder = try locateExamples()
        let tariffPath = examplesFolder.appendingPathComponent("tariff-dynamic.yaml").path
        let tariffs = try loadTariffSet(tariffPath)
        let tariff = tariffs.importTariff!
        guard let evening = CivilDate(night) else { throw CLIError("--night: '\(night)' is not a date YYYY-MM-DD") }
        let start = tariff.calendar.instant(of: evening, minuteOfDay: 18 * 60)
        let departure = tariff.calendar.instant(of: evening.adding(days: 1), minuteOfDay: 7 * 60)
        guard tariff.rates(from: start, to: departure).gaps.isEmpty else {
            throw CLIError("--night: the example prices do not cover \(night) 18:00 to 07:00 the next morning")
        }

        // The test kit's broker: loopback only, anonymous, a free port, stopped cleanly at the end.
        var localBroker: MosquittoBroker?
        let brokerURL: String
        if let broker {
            brokerURL = broker
        } else {
            guard MosquittoBroker.executable != nil else {
                throw CLIError("mosquitto is not installed (apt-get install mosquitto, or run make demo, which installs it); or pass --broker URL")
            }
            let started = try await MosquittoBroker.start()
            localBroker = started
            brokerURL = started.url
        }
        do {
            try await play(brokerURL: brokerURL, tariff: tariff, tariffPath: tariffPath, start: start, departure: departure)
        } catch {
            await localBroker?.stop()
            throw error
        }
        await localBroker?.stop()
    }

    /// The night itself, on the broker at `brokerURL`: the bridge, the simulated wallbox and the display.
    private func play(brokerURL: String, tariff: Tariff, tariffPath: String, start: Date, departure: Date) async throws {
        var logger = Logger(label: "chargebridge")
        logger.logLevel = .warning
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chargebridge-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = folder.appendingPathComponent("chargebridge.yaml").path
        try """
        broker: {url: "\(brokerURL)", client_id: chargebridge-demo}
        location: {id: home, max_power_w: 11000}
        tariff: "\(tariffPath)"
        database: ledger.sqlite
        metering: {flush_interval_s: 1, publish_interval_s: 600, power_stale_after_s: 900}
        vehicles:
          - id: car1
            name: Demo car
            capacity_wh: 60000
            max_power_w: 11000
            efficiency: 0.9
            ready_by: "07:00"
            target_soc: 80
            topics: {energy: chargebridge/car1/energy}
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.load(path: configPath)

        let clock = AcceleratedClock(start: start, factor: speed)
        let port = URLComponents(string: brokerURL)?.port ?? 1883
        let host = URLComponents(string: brokerURL)?.host ?? "127.0.0.1"
        print("""
        ChargeBridge demo: one night on real DE-LU day-ahead prices, \(Int(speed))x faster than real time.
        Broker \(brokerURL). Watch every topic with:
          mosquitto_sub -h \(host) -p \(port) -t 'chargebridge/#' -v

        A 60 kWh car plugs in at \(tariff.calendar.localDescription(of: start)) at \(Int(soc)) %; it must reach 80 % by 07:00.
        """)

        var observerConfiguration = try MQTTConfiguration(url: brokerURL, clientID: "chargebridge-demo-observer")
        observerConfiguration.cleanStart = true
        let observer = try MQTTClient(configuration: observerConfiguration, logger: logger)
        try await observer.connect(timeout: .seconds(5))
        try await observer.subscribe("chargebridge/#")

        let services = try BridgeServices(config: config, logger: logger, clock: clock)
        let bridge = Task { try await services.run() }
        var settings = SimulatedCharger.Settings(vehicle: config.vehicles[0], initialSoc: soc)
        settings.reportEverySeconds = 60
        let charger = try SimulatedCharger(settings: settings, brokerURL: brokerURL, clock: clock, logger: logger)
        let wallbox = Task { try await charger.run() }

        let display = DemoDisplay(tariff: tariff, clock: clock, start: start, departure: departure)
        let watcher = Task { await display.watch(observer.messages, charger: charger) }

        // Run the night; then the driver unplugs.
        while clock.now() < departure {
            try await Task.sleep(for: .milliseconds(50))
            if bridge.isCancelled { break }
        }
        wallbox.cancel()
        _ = try? await wallbox.value
        await charger.unplugAndStop()
        try await display.waitForClosedSession(timeout: .seconds(10))
        bridge.cancel()
        _ = try? await bridge.value
        await observer.shutdown()
        watcher.cancel()
        display.printSummary(charger: charger.status, initialSoc: soc, maxPowerW: config.vehicles[0].maxPowerW)
    }

    private func locateExamples() throws -> URL {
        var candidates: [URL] = []
        if let examples { candidates.append(URL(fileURLWithPath: examples)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Examples"))
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            // .build/<config>/chargebridge -> the package root's Examples.
            var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<4 {
                url = url.deletingLastPathComponent()
                candidates.append(url.appendingPathComponent("Examples"))
            }
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("tariff-dynamic.yaml").path) }) else {
            throw CLIError("cannot find Examples/tariff-dynamic.yaml; run the demo from the project folder or pass --examples DIR")
        }
        return found
    }
}

/// What the demo prints as the night goes on.
final class DemoDisplay: @unchecked Sendable {
    let tariff: Tariff
    let clock: AcceleratedClock
    let start: Date
    let departure: Date
    /// What was shown and seen so far (the watcher and `waitForClosedSession` share it).
    private struct Seen {
        var shownPlan = false
        var lastSession: DocumentValue?
        var closed = false
        var lastHour = -1
    }

    private let seen = Locked(Seen())

    init(tariff: Tariff, clock: AcceleratedClock, start: Date, departure: Date) {
        self.tariff = tariff
        self.clock = clock
        self.start = start
        self.departure = departure
    }

    func watch(_ messages: AsyncStream<MQTTMessage>, charger: SimulatedCharger) async {
        for await message in messages {
            let text = message.payloadText
            switch message.topic {
            case "chargebridge/car1/schedule" where !text.isEmpty:
                showPlanOnce(text)
            case "chargebridge/car1/command":
                let price = tariff.rates(from: clock.now(), to: clock.now().addingTimeInterval(1)).slices.first?.pricePerKWh ?? .nan
                let what = text == "start" ? "⚡ charger told to START" : "■ charger told to STOP "
                line("\(what)   price now \(formatPrice(price)) \(tariff.currency)/kWh")
            case "chargebridge/car1/session":
                let object = try? DocumentValue.parse(text, preferJSON: true)
                seen.withLock {
                    $0.lastSession = object
                    if object?["state"]?.text == "closed" { $0.closed = true }
                }
            default:
                break
            }
            progress(charger: charger.status)
        }
    }

    private func showPlanOnce(_ text: String) {
        guard let object = try? DocumentValue.parse(text, preferJSON: true),
              case let .array(slots)? = object["schedule"], !slots.isEmpty else { return }
        let first = seen.withLock { seen -> Bool in
            defer { seen.shownPlan = true }
            return !seen.shownPlan
        }
        guard first else { return }
        let marks = slots.compactMap { slot -> (start: Date, end: Date)? in
            guard let from = slot["start_time"]?.text.flatMap(Timestamp.parse),
                  let to = slot["end_time"]?.text.flatMap(Timestamp.parse) else { return nil }
            return (from, to)
        }
        let energy = (object["energy"]?["value"]?.number ?? 0) / 1000
        let cost = object["tariff"]?["value"]?.number ?? 0
        let savings = object["savings"]
        print("""

        The bridge's plan: \(String(format: "%.1f", energy)) kWh in \(slots.count) slot(s) for \(String(format: "%.2f", cost)) \(tariff.currency), \
        saving \(String(format: "%.2f", savings?["value"]?.number ?? 0)) \(tariff.currency) (\(String(format: "%.1f", savings?["percentage"]?.number ?? 0)) %) against charging at once.

        """)
        let timeline = tariff.rates(from: clock.now(), to: departure)
        print(RateChart(tariff: tariff, timeline: timeline, colour: stdoutIsTerminal, marks: marks).render())
        print("")
    }

    private func progress(charger status: SimulatedCharger.Status) {
        let now = clock.now()
        let hour = Int(now.timeIntervalSince(start) / 3600)
        let due = seen.withLock { seen -> Bool in
            defer { seen.lastHour = max(seen.lastHour, hour) }
            return hour > seen.lastHour && seen.shownPlan
        }
        guard due else { return }
        let cost = seen.value.lastSession?["cost"]?.number ?? 0
        line(String(format: "state of charge %5.1f %%   energy %5.1f kWh   cost so far %.2f %@",
                    status.socPercent, status.counterWh / 1000, cost, tariff.currency))
    }

    private func line(_ text: String) {
        let (date, minute) = tariff.calendar.localDateAndMinute(of: clock.now())
        print("[\(date.weekday.rawValue.prefix(3).capitalized) \(TimeOfDay(minutes: minute)!)] \(text)")
    }

    func waitForClosedSession(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if seen.value.closed { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func printSummary(charger: SimulatedCharger.Status, initialSoc: Double, maxPowerW: Double) {
        let session = seen.value.lastSession ?? .object([])
        let energy = (session["energy_wh"]?.number ?? 0) / 1000
        let cost = session["cost"]?.number ?? 0
        let average = session["average_price"]?.number
        // What a plain charger would have cost: the same energy at full power from the plug-in.
        let plugIn = session["start_time"]?.text.flatMap(Timestamp.parse) ?? start
        let baselineEnd = plugIn.addingTimeInterval(energy * 1000 / maxPowerW * 3600)
        let baseline = tariff.rates(from: plugIn, to: baselineEnd).slices.reduce(0.0) { total, slice in
            total + slice.duration / 3600 * maxPowerW / 1000 * slice.pricePerKWh
        }
        let savings: Double? = energy > 0 ? baseline - cost : nil
        print("""

        Unplugged at \(tariff.calendar.localDescription(of: clock.now())). Session \(session["session_reference_id"]?.text ?? "-"):
          energy        \(String(format: "%.2f", energy)) kWh (the wallbox counted \(String(format: "%.2f", charger.counterWh / 1000)) kWh)
          state of charge \(String(format: "%.0f", initialSoc)) % -> \(String(format: "%.1f", charger.socPercent)) %
          cost          \(String(format: "%.2f", cost)) \(tariff.currency)\(average.map { String(format: " (%.4f %@/kWh on average)", $0, tariff.currency) } ?? "")
          savings       \(savings.map { String(format: "%.2f %@ (%.0f %%) against charging at once at full power from the plug-in (%.2f %@)", $0, tariff.currency, baseline > 0 ? $0 / baseline * 100 : 0, baseline, tariff.currency) } ?? "-")
          commands      \(charger.commands) sent to the wallbox
        """)
    }
}
