import Foundation
import Logging
import MQTT
import Testing
import TestSupport
@testable import Bridge

/// The guard against real parts (docs/bridge.md, "Chargers" and "The grid meter"): a real
/// mosquitto, the real bridge services on an accelerated clock, emulated chargers of all three
/// kinds that draw exactly what they are told (TestSupport's EmulatedSite: an OpenEVSE-style
/// current charger, openevse_esp32_firmware docs/mqtt.md; a charger told a power; a
/// Zigbee2MQTT relay, {"state": "ON"/"OFF"} on <device>/set, zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages) and an emulated
/// grid meter. Scripted hours of a busy evening; every assertion is on what the emulated
/// chargers drew, from their records: the house plus the chargers never above the limit, but
/// for the moments between the house rising and the bridge re-dividing, which must come within
/// 2 s (real) of the first grid reading that shows less room.
@Suite(.serialized) struct SiteGuardEndToEndTests {
    /// 3 x 25 A.
    static let limitW = 17_250.0
    /// Accelerated: two hours in a minute.
    static let speed = 120.0
    /// The contract's reaction: re-divided within 2 s of a reading that shows less room.
    static let reactionSeconds = 2.0
    static let staleSeconds = 60.0

    @Test func aBusyEveningStaysUnderTheLimit() async throws {
        let rig = try await SiteRig.start(houseW: 1_500)
        defer { rig.end() }

        // 18:00: three cars come home. The power charger's car wants boost, the wallbox's fast,
        // the relay's smart (its plan waits for the night's off-peak prices).
        try await rig.plugAll()
        try await rig.probe.publish("ON", to: "chargebridge/box/boost/set")
        try await rig.probe.publish("fast", to: "chargebridge/wallbox/mode/set")
        try await rig.run(minutes: 12)
        // Boost first: the box takes all of its 7400 W; the wallbox what is left, at a whole amp
        // step: 17250 - 1500 - 7400 = 8350 W -> 12 A x 690 = 8280 W.
        #expect(rig.site.status("box")?.drawW == 7_400)
        #expect(rig.site.status("wallbox")?.drawW == 8_280)
        #expect(rig.site.status("plug")?.drawW == 0)

        // 18:12: the cooker and the heat pump: 9000 W in the house. 8250 W are left: the box
        // keeps its 7400 W; the wallbox's 6 A minimum (4140 W) no longer fits: stopped.
        rig.site.setHouse(9_000)
        try await rig.run(minutes: 10)
        #expect(rig.site.status("box")?.drawW == 7_400)
        #expect(rig.site.status("wallbox")?.drawW == 0)

        // 18:22: the house falls to 800 W: the wallbox back at 17250 - 800 - 7400 = 9050 -> 13 A.
        rig.site.setHouse(800)
        try await rig.run(minutes: 8)
        #expect(rig.site.status("wallbox")?.drawW == 8_970)

        // 18:30: the relay's car in fast too: it starts only when all of its 2300 W fit.
        try await rig.probe.publish("fast", to: "chargebridge/plug/mode/set")
        try await rig.run(minutes: 10)

        // 18:40: the meter goes silent for 10 minutes. Once its reading is stale (60 s), the
        // bridge assumes the house takes its highest of the last hour (9000 W): 8250 W for the cars.
        let silentAt = rig.clock.now()
        rig.site.silenceMeter(true)
        try await rig.run(minutes: 10)
        let resumedAt = rig.clock.now()
        rig.site.silenceMeter(false)
        try await rig.run(minutes: 5)

        // 18:55: a spike that leaves only 5250 W: the boost car is reduced to what fits (a power
        // charger can), everything else stops.
        rig.site.setHouse(12_000)
        try await rig.run(minutes: 8)
        #expect(rig.site.status("box")?.drawW == 5_250)
        #expect(rig.site.chargersW <= 5_250)
        rig.site.setHouse(3_000)
        try await rig.run(minutes: 8)
        // 19:11: boost off: the box back to smart; the fast cars share the room.
        try await rig.probe.publish("OFF", to: "chargebridge/box/boost/set")
        try await rig.run(minutes: 10)

        let log = rig.site.log
        rig.report(log)
        // Never over the limit, but while the bridge could not know, and then for at most 2 s.
        let violations = log.violations(limitW: Self.limitW, reactionSeconds: Self.reactionSeconds)
        #expect(violations.isEmpty, "\(violations.map(\.description).joined(separator: "\n"))")
        // Every house jump was seen and answered (three rises: 9000, 12000 and, after the silence, none).
        #expect(log.excursions(limitW: Self.limitW).allSatisfy { $0.end != nil })
        // While the meter was stale: the chargers under the limit less the hour's highest house load.
        let trustedUntil = silentAt.addingTimeInterval(Self.staleSeconds + Self.reactionSeconds * Self.speed)
        let staleDraw = log.peakW(from: trustedUntil, to: resumedAt, includingHouse: false)
        #expect(staleDraw <= Self.limitW - 9_000 + 0.5, "chargers drew \(staleDraw) W with a stale meter; at most \(Self.limitW - 9_000) W fit")
        // Every charger charged at some point, at powers it can do, and was never sent what it
        // cannot follow (a current below 6 A, between steps, above its maximum, another payload).
        #expect(log.draws(of: "box").map(\.watts).contains(7_400))
        #expect(log.draws(of: "wallbox").contains { $0.watts >= 4_140 })
        #expect(log.draws(of: "plug").map(\.watts).contains(2_300))
        rig.expectOnlyFollowableCommands(log)
        rig.expectSwitchingHolds(log)
    }

    @Test func smartCarsAtNightUnderAHouseThatComesAndGoes() async throws {
        // 22:30, half an hour before the off-peak prices: the three cars plan for the night together.
        let rig = try await SiteRig.start(houseW: 600, at: SiteRig.evening.addingTimeInterval(4.5 * 3600))
        defer { rig.end() }
        try await rig.plugAll()
        // Two hours of a house that jumps every 5 to 15 minutes between 300 W and 11 kW (seeded).
        var random = SeededGenerator(seed: 15)
        let end = rig.clock.now().addingTimeInterval(2 * 3600)
        var houses: [Double] = []
        while rig.clock.now() < end {
            try await rig.run(minutes: Double.random(in: 5...15, using: &random))
            let house = Double(Int.random(in: 3...110, using: &random) * 100)
            houses.append(house)
            rig.site.setHouse(house)
        }
        let log = rig.site.log
        rig.report(log)
        let violations = log.violations(limitW: Self.limitW, reactionSeconds: Self.reactionSeconds)
        #expect(violations.isEmpty, "\(violations.map(\.description).joined(separator: "\n"))")
        // The plans were followed: every car charged in the night.
        for id in ["wallbox", "box", "plug"] {
            #expect(log.energyWh(of: id, to: rig.clock.now()) > 1_000, "\(id) charged \(log.energyWh(of: id, to: rig.clock.now())) Wh")
        }
        // The cars want more than the night holds (the plug cannot be full by 07:00), so from
        // 23:00 (off-peak) the chargers use the room the house leaves. (Plans that counted on the
        // house as it was now but on an empty house later put the wallbox off to a room that
        // never came: 73 % of the room used; with the house as it is wherever no history says
        // otherwise, 99 %; 95 % with plans on the bare limit.)
        let offPeak = rig.clock.now().addingTimeInterval(-1.5 * 3600)
        var usedWh = 0.0
        var roomWh = 0.0
        let totals = log.totals()
        for (a, b) in zip(totals, totals.dropFirst()) where a.entry.at >= offPeak {
            let hours = b.entry.at.timeIntervalSince(a.entry.at) / 3600
            usedWh += a.chargersW * hours
            roomWh += max(0, Self.limitW - a.houseW) * hours
        }
        print("site: the chargers used \(Int(usedWh)) of \(Int(roomWh)) Wh of room from 23:00")
        #expect(usedWh >= 0.9 * roomWh, "the chargers used \(Int(usedWh)) Wh of \(Int(roomWh)) Wh of room")
        #expect(houses.count >= 8)
        // No chatter: a re-plan after each state of charge report moves a slot's power by a few
        // watts, which the deadband does not send (docs/site.md): before it, the power charger
        // got 134-139 commands in these 2 hours, alternating 6,090 and 6,094 W every 20 s; with it
        // 37 (wallbox 54, plug 2: a dozen house jumps, each a reduction and a raise, and the slots).
        // The re-plans lay this small group out exactly, keeping the layout in force among equal
        // optima (ChargeRequest.layoutInForce): box 23, wallbox 15, plug 3; without it 329, 303
        // and 35 (a new optimum at nearly every re-plan); with the heuristic 39, 24 and 16.
        #expect(log.commands(to: "box").count <= 50, "box: \(log.commands(to: "box").count) commands in 2 hours")
        for charger in rig.site.chargers {
            #expect(log.commands(to: charger.id).count <= 80, "\(charger.id): \(log.commands(to: charger.id).count) commands in 2 hours")
        }
        rig.expectOnlyFollowableCommands(log)
        rig.expectSwitchingHolds(log)
    }

    @Test func withoutPricesSmartCarsChargeAtOnceAndStillShare() async throws {
        // A dynamic tariff whose only prices are long past: no plan, so smart cars charge at
        // once like fast ones, and share the room like them.
        let rig = try await SiteRig.start(houseW: 1_000, tariff: """
        {timeZone: Europe/Amsterdam, currency: EUR, tariffs: [{type: dynamic, currency: EUR}],
         dynamic: {prices: [{start: "2020-01-01T00:00:00Z", end: "2020-01-01T01:00:00Z", price: 0.3}]}}
        """)
        defer { rig.end() }
        try await rig.plugAll()
        try await rig.run(minutes: 10)
        #expect(rig.site.chargersW > 10_000)
        rig.site.setHouse(8_000)
        try await rig.run(minutes: 10)
        #expect(rig.site.chargersW <= SiteGuardEndToEndTests.limitW - 8_000)
        #expect(rig.site.chargersW > 0)
        rig.site.setHouse(500)
        try await rig.run(minutes: 10)

        let log = rig.site.log
        rig.report(log)
        let violations = log.violations(limitW: Self.limitW, reactionSeconds: Self.reactionSeconds)
        #expect(violations.isEmpty, "\(violations.map(\.description).joined(separator: "\n"))")
        for id in ["wallbox", "box", "plug"] {
            #expect(log.energyWh(of: id, to: rig.clock.now()) > 500, "\(id) charged \(log.energyWh(of: id, to: rig.clock.now())) Wh")
        }
        rig.expectOnlyFollowableCommands(log)
        rig.expectSwitchingHolds(log)
    }

    @Test func aBridgeRestartMidChargeKeepsTheLimit() async throws {
        // This meter reports kW with export as positive (units: kW, export_positive: true).
        let rig = try await SiteRig.start(houseW: 2_000, kilowattsExportPositive: true)
        defer { rig.end() }
        try await rig.plugAll()
        try await rig.probe.publish("fast", to: "chargebridge/wallbox/mode/set")
        try await rig.probe.publish("fast", to: "chargebridge/box/mode/set")
        try await rig.probe.publish("fast", to: "chargebridge/plug/mode/set")
        try await rig.run(minutes: 10)
        let before = rig.site.chargersW
        #expect(before > 10_000)

        // The bridge stops mid-charge (its services cancelled, as SIGTERM does); the chargers go
        // on with what they were told. Two minutes later it is back.
        try await rig.restartBridge(after: 2)
        try await rig.run(minutes: 5)
        // Still charging after the restart, and a jump in the house is answered as before.
        #expect(rig.site.chargersW > 10_000)
        rig.site.setHouse(10_000)
        try await rig.run(minutes: 5)
        #expect(rig.site.chargersW <= Self.limitW - 10_000)
        rig.site.setHouse(2_000)
        try await rig.run(minutes: 5)
        #expect(rig.site.chargersW > 10_000)

        let log = rig.site.log
        rig.report(log)
        let violations = log.violations(limitW: Self.limitW, reactionSeconds: Self.reactionSeconds)
        #expect(violations.isEmpty, "\(violations.map(\.description).joined(separator: "\n"))")
        rig.expectOnlyFollowableCommands(log)
        rig.expectSwitchingHolds(log)
    }
}

/// One site for a test: the broker, the emulated devices, the bridge and a probe.
final class SiteRig: @unchecked Sendable {
    let broker: MosquittoBroker
    let folder: URL
    let config: BridgeConfig
    let clock: AcceleratedClock
    let site: EmulatedSite
    let probe: Probe
    /// The test's name, for the timeline ``end()`` writes when `SITE_LOG_DIR` is set.
    let name: String
    private var bridge: Task<Void, Error>
    /// The most real time the accelerated clocks of these tests count between two readings, s
    /// (``AcceleratedClock``'s `maxStepSeconds`): a stall of the whole test process (the eight
    /// end-to-end suites share two cores) pauses the site instead of jumping it two minutes on.
    /// Normally something reads the clock every 10-40 ms.
    static let maxClockStepSeconds = 0.2
    /// 2026-05-20 18:00 in Amsterdam: an evening at the time-of-use tariff's peak.
    static let evening = Date(timeIntervalSince1970: 1_779_292_800)

    private init(broker: MosquittoBroker, folder: URL, config: BridgeConfig, clock: AcceleratedClock, site: EmulatedSite, probe: Probe,
                 name: String, bridge: Task<Void, Error>) {
        self.broker = broker
        self.folder = folder
        self.config = config
        self.clock = clock
        self.site = site
        self.probe = probe
        self.name = name
        self.bridge = bridge
    }

    /// `kilowattsExportPositive`: the meter publishes a bare number in kW, export positive,
    /// instead of JSON in W, import positive.
    /// `tariff`: the configuration's tariff (inline), instead of the example time-of-use file.
    /// `solar`: `location.solar` (YAML), with `pv` the panels' inverter on the site.
    static func start(houseW: Double, kilowattsExportPositive: Bool = false, at start: Date = evening, tariff inline: String? = nil,
                      solar: String? = nil, pv: EmulatedPV? = nil, name: String = #function) async throws -> SiteRig {
        let broker = try await MosquittoBroker.start()
        let folder = try BridgeServiceTests.temporaryFolder()
        let tariff = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/tariff-tou.json").path
        let path = folder.appendingPathComponent("chargebridge.yaml").path
        // Three chargers, one of each kind; a grid meter publishing JSON.
        try """
        broker: {url: "\(broker.url)", client_id: site-bridge, keepalive_s: 5}
        location:
          id: home
          max_power_w: \(Int(SiteGuardEndToEndTests.limitW))
          grid: \(kilowattsExportPositive ? "{topic: meter/grid, units: kW, export_positive: true}" : "{topic: meter/grid, path: $.power}")
          \(solar.map { "solar: \($0)" } ?? "")
        tariff: \(inline ?? "\"\(tariff)\"")
        database: ledger.sqlite
        metering: {flush_interval_s: 1, publish_interval_s: 60, power_stale_after_s: \(Int(SiteGuardEndToEndTests.staleSeconds))}
        vehicles:
          - id: wallbox
            capacity_wh: 77000
            max_power_w: 11040
            phases: 3
            max_current_a: 16
            ready_by: "07:00"
            target_soc: 90
            topics:
              energy: chargebridge/wallbox/energy
              command_power: '{"state": "active", "charge_current": {current_a}}'
              command_stop: '{"state": "disabled"}'
          - id: box
            capacity_wh: 60000
            max_power_w: 7400
            min_power_w: 1380
            ready_by: "07:00"
            target_soc: 90
            topics:
              energy: chargebridge/box/energy
              command_power: '{"power": {power_w}}'
          - id: plug
            capacity_wh: 40000
            max_power_w: 2300
            phases: 1
            ready_by: "07:00"
            target_soc: 90
            topics:
              energy: chargebridge/plug/energy
              command: zigbee2mqtt/plug/set
              command_start: '{"state": "ON"}'
              command_stop: '{"state": "OFF"}'

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.load(path: path)
        let clock = AcceleratedClock(start: start, factor: SiteGuardEndToEndTests.speed, maxStepSeconds: SiteRig.maxClockStepSeconds)
        let devices = DeviceClock(now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
        let site = try EmulatedSite(brokerURL: broker.url, chargers: [
            .current(id: "wallbox", phases: 3, minCurrentA: 6, maxCurrentA: 16, topics: .bridgeDefaults(id: "wallbox"),
                     template: #"{"state": "active", "charge_current": {current_a}}"#, stop: #"{"state": "disabled"}"#,
                     battery: .init(capacityWh: 77_000, socPercent: 30)),
            .power(id: "box", minPowerW: 1_380, maxPowerW: 7_400, topics: .bridgeDefaults(id: "box"), template: #"{"power": {power_w}}"#,
                   battery: .init(capacityWh: 60_000, socPercent: 20)),
            .switched(id: "plug", powerW: 2_300,
                      topics: .init(command: "zigbee2mqtt/plug/set", power: "chargebridge/plug/power", energy: "chargebridge/plug/energy",
                                    plug: "chargebridge/plug/plug", soc: "chargebridge/plug/soc"),
                      start: #"{"state": "ON"}"#, stop: #"{"state": "OFF"}"#, battery: .init(capacityWh: 40_000, socPercent: 40)),
        ], meter: kilowattsExportPositive ? EmulatedGridMeter(topic: "meter/grid", everySeconds: 5, kilowatts: true, exportPositive: true)
                                          : EmulatedGridMeter(topic: "meter/grid", everySeconds: 5, jsonKey: "power"), houseW: houseW,
           pv: pv, reportEverySeconds: 20, clock: devices)
        try await site.start()
        let probe = try await Probe.start(url: broker.url, filter: "chargebridge/#", clock: { clock.now() })
        let services = try BridgeServices(config: config, logger: BridgeServiceTests.logger, clock: clock)
        let bridge = Task { try await services.run() }
        try await probe.waitFor("chargebridge/status", within: .seconds(15)) { $0 == "online" }
        return SiteRig(broker: broker, folder: folder, config: config, clock: clock, site: site, probe: probe, name: name, bridge: bridge)
    }

    func plugAll() async throws {
        for id in ["wallbox", "box", "plug"] { try await site.plug(id) }
        for id in ["wallbox", "box", "plug"] {
            try await probe.waitFor("chargebridge/\(id)/state") { $0.contains(#""plugged":true"#) }
        }
    }

    /// Lets `minutes` of the site's clock pass.
    func run(minutes: Double) async throws {
        let until = clock.now().addingTimeInterval(minutes * 60)
        while clock.now() < until { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Stops the bridge's services, lets `minutes` pass, and starts them again on the same files.
    func restartBridge(after minutes: Double) async throws {
        bridge.cancel()
        _ = try? await bridge.value
        try await probe.waitFor("chargebridge/status") { $0 == "offline" }
        try await run(minutes: minutes)
        let onlineBefore = probe.messages(on: "chargebridge/status").filter { $0 == "online" }.count
        let services = try BridgeServices(config: config, logger: BridgeServiceTests.logger, clock: clock)
        bridge = Task { try await services.run() }
        try await probe.waitUntil(within: .seconds(15)) {
            probe.messages(on: "chargebridge/status").filter { $0 == "online" }.count > onlineBefore
        }
    }

    /// The bridge sent each charger only what it can follow (section 8: never a current or a
    /// power below its minimum, a stop instead).
    func expectOnlyFollowableCommands(_ log: SiteLog, sourceLocation: SourceLocation = #_sourceLocation) {
        for charger in site.chargers {
            for command in log.commands(to: charger.id) {
                let interpretation = command.interpretation
                switch interpretation.outcome {
                case .charge, .stop: break
                case .belowMinimum, .rejected:
                    Issue.record("\(charger.id) was sent \(command.payload) (\(interpretation.outcome))", sourceLocation: sourceLocation)
                }
                #expect(!interpretation.aboveMaximum, "\(charger.id) was sent \(command.payload), above its maximum", sourceLocation: sourceLocation)
                #expect(!interpretation.offStep, "\(charger.id) was sent \(command.payload), between its current steps", sourceLocation: sourceLocation)
            }
        }
    }

    /// No charger was started again within 2 minutes (clock) of a stop: the hold docs/site.md
    /// chose for the contactor and the car (a plug-in clears it). The times are when the
    /// charger received the commands, so 0.1 s of real delivery jitter (12 s of the clock at
    /// 120x) is allowed.
    func expectSwitchingHolds(_ log: SiteLog, holdSeconds: Double = 120 - 0.1 * SiteGuardEndToEndTests.speed,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        for charger in site.chargers {
            var stoppedAt: Date?
            for entry in log.entries {
                guard case let .draw(id, watts, cause) = entry.what, id == charger.id else { continue }
                if cause == "plugged in" {
                    stoppedAt = nil
                } else if watts == 0, cause.hasPrefix("told") {
                    stoppedAt = entry.at
                } else if watts > 0, cause.hasPrefix("told"), let stop = stoppedAt {
                    let off = entry.at.timeIntervalSince(stop)
                    #expect(off >= holdSeconds, "\(charger.id) was started again \(Int(off)) s after a stop (\(cause))", sourceLocation: sourceLocation)
                    stoppedAt = nil
                }
            }
        }
    }

    /// What a run measured, for the test log and the closing note.
    func report(_ log: SiteLog) {
        let totals = log.totals()
        let peak = totals.map { $0.houseW + $0.chargersW }.max() ?? 0
        let excursions = log.excursions(limitW: SiteGuardEndToEndTests.limitW)
        let reactions = excursions.compactMap(\.reactionSeconds)
        let commands = site.chargers.map { "\($0.id) \(log.commands(to: $0.id).count)" }.joined(separator: ", ")
        if clock.stalledSeconds > 0.05 {
            print("site: the process stalled; the clock paused for \(String(format: "%.2f", clock.stalledSeconds)) s (real) in all")
        }
        print("site: peak \(Int(peak)) W of \(Int(SiteGuardEndToEndTests.limitW)); \(excursions.count) excursion(s) after house rises, "
            + "slowest answer \(String(format: "%.3f", reactions.max() ?? 0)) s after the reading; commands: \(commands)")
        // What led to each violation, so that a failure says what the bridge saw and did.
        for violation in log.violations(limitW: SiteGuardEndToEndTests.limitW, reactionSeconds: SiteGuardEndToEndTests.reactionSeconds) {
            let from = violation.start.at.addingTimeInterval(-30), to = (violation.end?.at ?? .distantFuture).addingTimeInterval(5)
            print("site: around \(violation)")
            for entry in log.entries where entry.at >= from && entry.at <= to {
                print("  \(String(format: "%+8.3f", entry.at.timeIntervalSince(violation.start.at))) s \(entry.what)")
            }
        }
    }

    /// With `SITE_LOG_DIR` set: the site's log and what the bridge published (its state, schedules
    /// and site figures), merged in the clock's order, into `<dir>/<suite's test>.txt`, so that a
    /// run that failed under load can be read afterwards.
    private func writeTimeline() {
        guard let dir = ProcessInfo.processInfo.environment["SITE_LOG_DIR"], !dir.isEmpty else { return }
        let start = site.log.entries.first?.at ?? clock.now()
        var lines: [(Date, String)] = site.log.entries.map { ($0.at, "site   \($0.what)") }
        lines += probe.stampedMessages.map { ($0.at, "bridge \($0.topic) \($0.payload)") }
        let text = lines.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
            .map { String(format: "%9.1f ", $0.element.0.timeIntervalSince(start)) + $0.element.1 }.joined(separator: "\n")
        let file = name.prefix { $0 != "(" } + ".txt"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? (text + "\n").write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
    }

    /// For a test's `defer`: writes the timeline at once (a `Task` may not get its turn before
    /// the test process exits after its last test), then stops everything in the background.
    func end() {
        writeTimeline()
        Task { await stop() }
    }

    func stop() async {
        bridge.cancel()
        _ = try? await bridge.value
        await site.stop()
        await probe.stop()
        await broker.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}
