import Bridge
import Documents
import Foundation
import Locking
import Logging
import MQTT
import SolarBacktest
import Tariffs
import TestSupport

/// The demo's sunny day on one broker: a car at home from 08:00 to 18:00 in `solar` mode on a
/// wallbox told 6-32 A on one phase, 8 kWp on the roof (the clear-sky bell of ``PVSystem``,
/// with a passing cloud and a long one), the house with a cooker at lunch, the grid meter and
/// the PV inverter, and the bridge in between. What it says about the session (energy, solar
/// share, cost, savings) is the bridge's own session payload.
struct DemoSunnyDay {
    let brokerURL: String
    let tariff: Tariff
    let tariffPath: String
    let start: Date
    let end: Date
    let speed: Double

    static let limitW = 17_250.0
    static let baseHouseW = 400.0
    static let cookerW = 2_000.0
    static let exportPrice = 0.08
    static let rowSeconds = 1_800.0
    static let capacityWh = 60_000.0
    static let socPercent = 30.0
    static let pv = PVSystem()

    /// What gets through the clouds at `secondsIntoDay` (local): a cloud passing at 10:40 for 2
    /// minutes (shorter than the 180 s the bridge waits before a solar stop: the car holds its
    /// minimum under it), and a long one from 14:00 to 14:40 (the car stops).
    static func cloudFactor(secondsIntoDay seconds: Double) -> Double {
        let minute = seconds / 60
        if minute >= 10 * 60 + 40, minute < 10 * 60 + 42 { return 0.3 }
        if minute >= 14 * 60, minute < 14 * 60 + 40 { return 0.2 }
        return 1
    }

    /// The house: 400 W, and the cooker 2 kW from 12:00 to 12:45.
    static func houseW(secondsIntoDay seconds: Double) -> Double {
        let minute = seconds / 60
        return baseHouseW + (minute >= 12 * 60 && minute < 12 * 60 + 45 ? cookerW : 0)
    }

    func play() async throws {
        var logger = Logger(label: "chargebridge")
        logger.logLevel = .error
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chargebridge-demo-day-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = folder.appendingPathComponent("chargebridge.yaml").path
        try """
        broker: {url: "\(brokerURL)", client_id: chargebridge-demo-day}
        location:
          id: home
          max_power_w: \(Int(Self.limitW))
          grid: {topic: home/grid, path: $.power}
          solar: {export_price: \(Self.exportPrice), pv_topic: solar/ac/power}
        tariff: "\(tariffPath)"
        database: ledger.sqlite
        metering: {flush_interval_s: 1, publish_interval_s: 600, power_stale_after_s: 900}
        vehicles:
          - id: ev
            name: Home-office car
            capacity_wh: \(Int(Self.capacityWh))
            max_power_w: 7360
            phases: 1
            max_current_a: 32
            ready_by: "18:00"
            target_soc: 100
            topics: {energy: chargebridge/ev/energy, command_power: '{"current": {current_a}}'}
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.load(path: configPath)

        let clock = AcceleratedClock(start: start, factor: speed)
        let devices = DeviceClock(now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
        let site = try EmulatedSite(brokerURL: brokerURL, chargers: [
            .current(id: "ev", phases: 1, maxCurrentA: 32, topics: .bridgeDefaults(id: "ev"), template: #"{"current": {current_a}}"#,
                     battery: .init(capacityWh: Self.capacityWh, socPercent: Self.socPercent)),
        ], meter: EmulatedGridMeter(topic: "home/grid", everySeconds: 10, jsonKey: "power"), houseW: Self.baseHouseW,
           pv: EmulatedPV(topic: "solar/ac/power", everySeconds: 10), reportEverySeconds: 30, clock: devices,
           clientID: "chargebridge-demo-day-site", logger: logger)
        let midnight = tariff.calendar.instant(of: tariff.calendar.localDateAndMinute(of: start).date, minuteOfDay: 0)
        func secondsIntoDay(_ date: Date) -> Double { date.timeIntervalSince(midnight) }
        func pvW(_ date: Date) -> Double { Self.pv.clearSkyW(at: date) * Self.cloudFactor(secondsIntoDay: secondsIntoDay(date)) }

        print("""
        A sunny day: a \(Int(Self.capacityWh / 1000)) kWh car at \(Int(Self.socPercent)) % stays plugged in at home from \(TimeOfDay(minutes: tariff.calendar.localDateAndMinute(of: start).minuteOfDay)!) to \(TimeOfDay(minutes: tariff.calendar.localDateAndMinute(of: end).minuteOfDay)!), in `solar` mode (only from the surplus)
        on a wallbox told 6-32 A on one phase (1.4-7.4 kW). 8 kWp on the roof (OpenDTU-style inverter on solar/ac/power);
        a cloud passes at 10:40 and a long one stays from 14:00 to 14:40; the house draws \(Int(Self.baseHouseW)) W, 2 kW more while
        cooking from 12:00 to 12:45. A kWh fed in earns \(String(format: "%.2f", Self.exportPrice)) \(tariff.currency).

        ░ house   █ the car   · fed in   (1 character = 250 W); one row per 30 minutes, the import price per kWh, the averages

        """)

        var observerConfiguration = try MQTTConfiguration(url: brokerURL, clientID: "chargebridge-demo-day-observer")
        observerConfiguration.cleanStart = true
        let observer = try MQTTClient(configuration: observerConfiguration, logger: logger)
        try await observer.connect(timeout: .seconds(5))
        try await observer.subscribe("chargebridge/#")
        let session = Locked<DocumentValue?>(nil)
        let mode = Locked<String?>(nil)
        let online = Locked(false)
        let watcher = Task {
            for await message in observer.messages {
                if message.topic == "chargebridge/status" { online.withLock { $0 = message.payloadText == "online" } }
                guard let value = try? DocumentValue.parse(message.payloadText, preferJSON: true) else { continue }
                switch message.topic {
                case "chargebridge/ev/session": session.withLock { $0 = value }
                case "chargebridge/ev/state": mode.withLock { $0 = value["mode"]?.text }
                default: break
                }
            }
        }

        // The sun and the house as the script says at `now`.
        func follow(_ now: Date) {
            let pv = pvW(now)
            if abs(pv - site.pvW) >= 20 { site.setPV(pv) }
            let house = Self.houseW(secondsIntoDay: secondsIntoDay(now))
            if house != site.houseW { site.setHouse(house) }
        }
        /// Waits (real time) until `done`, at most `seconds`, the script going on meanwhile.
        func wait(seconds: Int = 10, until done: () -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while !done(), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
                follow(clock.now())
            }
        }

        site.setPV(pvW(clock.now()))
        try await site.start()
        let services = try BridgeServices(config: config, logger: logger, clock: clock)
        let bridge = Task { try await services.run() }
        // The driver picks `solar` once the bridge listens (a set command is not retained, and a
        // retained status or state may be an earlier bridge's: so again until the state says so).
        try await wait { online.value }
        for _ in 0..<20 where mode.value != "solar" {
            try await observer.publish("solar", to: "chargebridge/ev/mode/set")
            try await wait(seconds: 1) { mode.value == "solar" }
        }
        guard mode.value == "solar" else { throw CLIError("the bridge did not take mode solar for the sunny day's car") }
        try await site.plug("ev")

        var rowStart = start
        var counted = (energyWh: 0.0, solarWh: 0.0)
        while rowStart < end {
            let rowEnd = min(rowStart.addingTimeInterval(Self.rowSeconds), end)
            while clock.now() < rowEnd {
                try await Task.sleep(for: .milliseconds(5))
                follow(clock.now())
            }
            let status = site.status("ev")
            let energy = (status?.counterWh ?? 0) - counted.energyWh
            let solar = (status?.solarWh ?? 0) - counted.solarWh
            counted = (status?.counterWh ?? 0, status?.solarWh ?? 0)
            print(row(site.log, from: rowStart, to: rowEnd, energyWh: energy, solarWh: solar))
            rowStart = rowEnd
        }

        try await site.unplug("ev")
        let closeDeadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < closeDeadline, session.value?["state"]?.text != "closed" {
            try await Task.sleep(for: .milliseconds(20))
        }
        bridge.cancel()
        _ = try? await bridge.value
        let finalStatus = site.status("ev")
        await site.stop()
        await observer.shutdown()
        watcher.cancel()
        printSummary(session.value, status: finalStatus)
    }

    /// The row for `[from, to)`: house, car and what was fed in, stacked up to the PV's production.
    func row(_ log: SiteLog, from: Date, to: Date, energyWh: Double, solarWh: Double) -> String {
        let house = SiteChart.average(log, from: from, to: to) { if case let .house(watts) = $0 { watts } else { nil } }
        let car = SiteChart.average(log, from: from, to: to) { if case .draw("ev", let watts, _) = $0 { watts } else { nil } }
        let pv = SiteChart.average(log, from: from, to: to) { if case let .pv(watts) = $0 { watts } else { nil } }
        let perKW = 4.0
        func column(_ watts: Double) -> Int { Int((watts / 1000 * perKW).rounded()) }
        var bar = String(repeating: "░", count: column(house))
        bar += String(repeating: "█", count: max(0, column(house + car) - bar.count))
        bar += String(repeating: "·", count: max(0, column(pv) - bar.count))
        bar = bar.padding(toLength: 30, withPad: " ", startingAt: 0)
        let (date, minute) = tariff.calendar.localDateAndMinute(of: from)
        let price = tariff.rates(from: from, to: from.addingTimeInterval(1)).slices.first?.pricePerKWh ?? .nan
        var text = "[\(date.weekday.rawValue.prefix(3).capitalized) \(TimeOfDay(minutes: minute)!)] \(formatPrice(price)) \(bar) "
            + String(format: "pv %.1f kW, car %.1f kW", pv / 1000, car / 1000)
        if energyWh > 1 { text += String(format: ", %.0f %% of it solar", solarWh / energyWh * 100) }
        return text
    }

    func printSummary(_ session: DocumentValue?, status: EmulatedSite.ChargerStatus?) {
        print("")
        print("Unplugged at \(tariff.calendar.localDescription(of: end)). The bridge's session (chargebridge/ev/session):")
        guard let session else {
            print("  no session payload arrived")
            return
        }
        let energy = (session["energy_wh"]?.number ?? 0) / 1000
        let solar = (session["solar_wh"]?.number ?? 0) / 1000
        let share = session["solar_share"]?.number ?? 0
        let cost = session["cost"]?.number ?? 0
        let currency = session["currency"]?.text ?? tariff.currency
        print(String(format: "  ev  %.2f kWh, %.2f kWh of it solar (%.1f %%), %.2f %@ (the solar energy at the export price, %.2f %@/kWh, the rest at the import price)",
                     energy, solar, share, cost, currency, Self.exportPrice, currency))
        if let savings = session["savings"]?.number {
            print(String(format: "  saved %.2f %@ against charging the same energy at once from the grid at the plug-in", savings, currency))
        }
        if let status {
            print(String(format: "  the car: %.0f %% -> %.1f %%; the emulated wallbox counted %.2f kWh, %.2f kWh of it from the surplus, %d commands",
                         Self.socPercent, status.socPercent ?? 0, status.counterWh / 1000, status.solarWh / 1000, status.commands))
        }
    }
}
