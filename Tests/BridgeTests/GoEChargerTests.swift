import Foundation
import Locking
import Logging
import Metering
import Planning
import Testing
import TestSupport
@testable import Bridge

/// A go-eCharger with its own topics and payloads (Examples/chargers/go-e.yaml), against the
/// test kit's strict emulator of go-e's MQTT API v2 (``GoECharger``; go-e's own documentation,
/// github.com/goecharger/go-eCharger-API-v2, mqtt-en.md and API_KEYS_FIRMWARE/apikeys-en.md).
@Suite(.serialized) struct GoEChargerTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/chargers/go-e.yaml")

    @Test func theExampleLoadsAsAWholeAmpCurrentChargerOnTwoTopics() throws {
        let config = try BridgeConfigLoader.load(path: Self.example.path, environment: ["MQTT_PASSWORD": "x"])
        let vehicle = config.vehicles[0]
        #expect(vehicle.charger == Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 16, stepA: 1).switchingPhases())
        #expect(vehicle.topics.commandPhases == .init(topic: "go-eCharger/012345/psm/set", onePhase: "1", threePhases: "2"))
        #expect(vehicle.phaseSwitchIntervalSeconds == 300)
        #expect(vehicle.topics.wholeAmps)
        #expect(vehicle.topics.command == "go-eCharger/012345/frc/set")
        #expect(vehicle.topics.powerTopic == "go-eCharger/012345/amp/set")
        #expect(vehicle.topics.power.path == "$[11]")
        #expect(vehicle.topics.energy?.topic == "go-eCharger/012345/eto")
        #expect(vehicle.topics.commandResult == ["go-eCharger/012345/frc/result", "go-eCharger/012345/amp/result", "go-eCharger/012345/psm/result"])
        #expect(BridgeCore(config: config).subscriptions.contains("go-eCharger/012345/amp/result"))
    }

    /// The two command topics' order: to charge the limit first, then on; a new limit while on
    /// is only the limit; a stop only the off.
    @Test func twoCommandTopicsInOrder() throws {
        var topics = try BridgeConfigLoader.load(path: Self.example.path, environment: ["MQTT_PASSWORD": "x"]).vehicles[0].topics
        let charger = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 16, stepA: 1)
        func messages(_ wanted: ChargerCommand, after previous: ChargerCommand?) -> [String] {
            wanted.messages(after: previous, topics: topics, charger: charger).map { "\($0.topic.split(separator: "/")[2]) \($0.payload)" }
        }
        #expect(messages(.start(powerW: 11_040), after: nil) == ["amp 16", "frc 2"])
        #expect(messages(.start(powerW: 11_040), after: .stop) == ["amp 16", "frc 2"])
        #expect(messages(.start(powerW: 6_000), after: .start(powerW: 11_040)) == ["amp 8"])
        #expect(messages(.start(powerW: 5_600), after: .start(powerW: 5_520)) == []) // both 8 A
        #expect(messages(.stop, after: .start(powerW: 6_000)) == ["frc 1"])
        #expect(messages(.stop, after: nil) == ["frc 1"])
        #expect(messages(.stop, after: .stop) == [])
        // One topic (no command_power_topic): today's behaviour, the limit is the start.
        topics.commandPowerTopic = nil
        #expect(messages(.start(powerW: 11_040), after: nil) == ["frc 16"])
        #expect(messages(.stop, after: .start(powerW: 11_040)) == ["frc 1"])
    }

    /// `{current_a}` prints whole numbers as `16`, never `16.0`; whole_amps rounds down, never up.
    @Test func currentIsPrintedWholeAndRoundedDown() {
        let whole = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 16, stepA: 1)
        #expect(ChargerCommand.decimal(ChargerCommand.current(powerW: 11_040, charger: whole)) == "16")
        #expect(ChargerCommand.current(powerW: 11_039, charger: whole) == 15)
        let halves = Charger.current(phases: 1, minCurrentA: 6, maxCurrentA: 16, stepA: 0.5)
        #expect(ChargerCommand.decimal(ChargerCommand.current(powerW: 3_600, charger: halves)) == "15.5")
        #expect(ChargerCommand.current(powerW: 3_600, charger: halves, wholeAmps: true) == 15)
        #expect(ChargerCommand.current(powerW: 3_679, charger: halves, wholeAmps: true) == 15)
    }

    @Test func wholeAmpsAndTheNewTopicKeysAreValidated() throws {
        func problem(_ vehicle: String) -> ConfigError? {
            do { _ = try BridgeFixtures.config(vehicles: vehicle); return nil } catch let error as ConfigError { return error } catch { return nil }
        }
        #expect(problem("  - {id: c, phases: 1, whole_amps: true, current_step_a: 0.5, topics: {command_power: '{current_a}'}}")
            == ConfigError(key: "vehicles[0].current_step_a", problem: "(0.5) must be whole amperes with whole_amps: true"))
        #expect(problem("  - {id: c, whole_amps: true}")?.key == "vehicles[0].whole_amps")
        #expect(problem("  - {id: c, topics: {command_power_topic: x/amp/set}}")?.key == "vehicles[0].topics.command_power_topic")
        #expect(problem("  - {id: c, topics: {command_phases_topic: x/psm/set, command_phases_1: '1'}}")?.key == "vehicles[0].topics.command_phases_3")
        #expect(problem("  - {id: c, topics: {command_phases_1: '1'}}")?.key == "vehicles[0].topics.command_phases_1")
        #expect(problem("  - {id: c, topics: {command_result: [a/+/result]}}")?.key == "vehicles[0].topics.command_result[0]")
        let phases = try BridgeFixtures.config(vehicles: "  - {id: c, phases: 3, phase_switch_interval_s: 600, topics: {command_power: '{current_a}', command_phases_topic: x/psm/set, command_phases_1: '1', command_phases_3: '2'}}")
        #expect(phases.vehicles[0].topics.commandPhases == .init(topic: "x/psm/set", onePhase: "1", threePhases: "2"))
        #expect(phases.vehicles[0].charger.switchesToOnePhase && phases.vehicles[0].charger.minPowerW == 1_380)
        #expect(phases.vehicles[0].phaseSwitchIntervalSeconds == 600)
        // Phase switching needs a current charger on three phases; the interval needs switching, and a minute.
        let switched = "command_phases_topic: x/psm/set, command_phases_1: '1', command_phases_3: '2'"
        #expect(problem("  - {id: c, topics: {\(switched)}}")
            == ConfigError(key: "vehicles[0].topics.command_phases_topic", problem: "needs a charger told a current on three phases ({current_a} in command_power, phases: 3)"))
        #expect(problem("  - {id: c, phases: 1, topics: {command_power: '{current_a}', \(switched)}}")?.key == "vehicles[0].topics.command_phases_topic")
        #expect(problem("  - {id: c, phases: 3, topics: {command_power: '{power_w}', \(switched)}}")?.key == "vehicles[0].topics.command_phases_topic")
        #expect(problem("  - {id: c, phase_switch_interval_s: 300}")?.key == "vehicles[0].phase_switch_interval_s")
        #expect(problem("  - {id: c, phases: 3, phase_switch_interval_s: 30, topics: {command_power: '{current_a}', \(switched)}}")?.key == "vehicles[0].phase_switch_interval_s")
    }

    /// An error answer on a result topic is a warning, once per distinct error.
    @Test func refusedCommandsAreLoggedOnce() throws {
        let config = try BridgeConfigLoader.load(path: Self.example.path, environment: ["MQTT_PASSWORD": "x"])
        var driver = CoreDriver(config: config, start: BridgeFixtures.at("2025-11-17T17:00:00Z"))
        driver.send(.connected)
        #expect(driver.message("go-eCharger/012345/amp/result", "success").logs.isEmpty)
        let refused = "amp: failed: Value 5 exceeds range 6 to 32 (5)"
        #expect(driver.message("go-eCharger/012345/amp/result", refused).logs == ["ev: the charger refused a command on go-eCharger/012345/amp/result: \(refused)"])
        #expect(driver.message("go-eCharger/012345/amp/result", refused).logs.isEmpty)
        #expect(driver.message("go-eCharger/012345/frc/result", "frc: failed: invalid value 7").logs.count == 1)
        driver.message("go-eCharger/012345/amp/result", "success")
        #expect(driver.message("go-eCharger/012345/amp/result", refused).logs.count == 1) // again after a success
    }

    /// The example as a user has it, but for the test's broker (as `clientID`), a ledger in a
    /// temporary folder, the tariff's path, `replacing` and `appending`.
    static func exampleOn(_ broker: MosquittoBroker, clientID: String, replacing: [(String, String)] = [], appending: String = "") throws -> BridgeConfig {
        let folder = try BridgeServiceTests.temporaryFolder()
        let tariff = example.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tariff-tou.json").path
        var text = try String(contentsOf: example, encoding: .utf8)
        for (from, to) in [("url: mqtt://127.0.0.1:1883", "url: \(broker.url)\n  client_id: \(clientID)"),
                           ("database: /var/lib/chargebridge/ledger.sqlite", "database: ledger.sqlite"),
                           ("tariff: ../tariff-tou.json", "tariff: \(tariff)")] + replacing {
            #expect(text.contains(from))
            text = text.replacingOccurrences(of: from, with: to)
        }
        let path = folder.appendingPathComponent("go-e.yaml").path
        try (text + appending).write(toFile: path, atomically: true, encoding: .utf8)
        return try BridgeConfigLoader.load(path: path, environment: ["MQTT_PASSWORD": "x"])
    }

    /// The example with phase switching on a real mosquitto, the bridge's services on a clock 120
    /// times faster than real time, the emulated go-e on the same clock (psm as modbus-en.md
    /// describes it) and a grid meter that reads the house plus the charger less the PV every 5 s,
    /// under an 8,000 W limit. In `solar` a 2,500 W surplus is followed on one phase (10 A,
    /// 2,300 W), 8,500 W on three (12 A), and back; in `fast` 3,000 W of room is charged on one
    /// phase (13 A), 7,000 W on three (10 A). Each switch is made with the charger stopped (the
    /// go-e never changes its phases while it draws), and the connection never imports more than
    /// its limit, not even during a switch.
    @Test func solarAndTheRoomOnOnePhaseAndThreeWithTheEmulatedGoE() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let config = try Self.exampleOn(broker, clientID: "bridge-goe-phases",
                                        replacing: [("max_power_w: 17250 ", "max_power_w: 8000\n  grid: {topic: meter/grid}\n  solar: {}\n ")])
        #expect(config.location.maxPowerW == 8_000 && config.vehicles[0].charger.switchesToOnePhase)

        // Wednesday 2026-05-20, 11:00 in Amsterdam.
        let clock = AcceleratedClock(start: BridgeFixtures.at("2026-05-20T09:00:00Z"), factor: 120, maxStepSeconds: SiteRig.maxClockStepSeconds)
        let devices = DeviceClock(now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
        let goE = try GoECharger(brokerURL: broker.url, serial: "012345", phases: 3, reportEverySeconds: 5, clock: devices)
        try await goE.start()
        let probe = try await Probe.start(url: broker.url, filter: "#")
        // The house and the PV, with when they last changed.
        let site = Locked((houseW: 500.0, pvW: 3_000.0, changes: [(at: Date, houseW: Double, pvW: Double)]()))
        func set(houseW: Double? = nil, pvW: Double? = nil) {
            site.withLock {
                $0.houseW = houseW ?? $0.houseW
                $0.pvW = pvW ?? $0.pvW
                $0.changes.append((clock.now(), $0.houseW, $0.pvW))
            }
        }
        set()
        let meter = Task {
            while !Task.isCancelled {
                let now = site.value
                try? await probe.publish(String(Int(now.houseW + goE.drawW - now.pvW)), to: "meter/grid")
                try? await clock.sleep(seconds: 5)
            }
        }
        defer { meter.cancel() }
        let service = try BridgeServices(config: config, logger: BridgeServiceTests.logger, clock: clock)
        let running = Task { try await service.run() }
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        try await probe.publish("solar", to: "chargebridge/ev/mode/set")
        try await probe.waitFor("chargebridge/ev/state") { $0.contains(#""mode":"solar""#) }
        await goE.plug(true)

        func waitFor(_ what: String, within: Duration = .seconds(20), _ condition: () -> Bool) async throws {
            do {
                try await probe.waitUntil(within: within, condition)
            } catch {
                Issue.record("no \(what): the charger took \(goE.requests.map { "\($0.key) \($0.payload)" }), draws \(goE.draws.suffix(6).map(\.watts))")
                throw error
            }
        }
        // 2,500 W of surplus: one phase, 10 A (after the 60 s enable delay, the phase, 10 s).
        try await waitFor("one phase") { goE.activePhases == 1 && goE.drawW == 2_300 }
        #expect(goE.psm == 1 && goE.amp == 10 && goE.frc == 2)
        // Full sun, 8,500 W: three phases at 12 A, once 5 minutes have passed since the switch
        // (the charger stopped first, two minutes off, then the phase, then the start).
        set(pvW: 9_000)
        try await waitFor("three phases") { goE.activePhases == 3 && goE.drawW == 8_280 }
        #expect(goE.psm == 2)
        // A long cloud: back to one phase.
        set(pvW: 3_000)
        try await waitFor("one phase again") { goE.activePhases == 1 && goE.drawW == 2_300 }
        // Fast, no sun, the house takes 5,000 W: 3,000 W of room, 13 A on one phase.
        set(houseW: 5_000, pvW: 0)
        try await probe.publish("fast", to: "chargebridge/ev/mode/set")
        try await waitFor("13 A on one phase") { goE.activePhases == 1 && goE.drawW == 2_990 }
        // The house goes down to 1,000 W: 7,000 W of room, 10 A on three phases.
        set(houseW: 1_000)
        try await waitFor("10 A on three phases") { goE.activePhases == 3 && goE.drawW == 6_900 }

        running.cancel()
        _ = try? await running.value
        await probe.stop()
        await goE.stop()

        let draws = goE.draws
        let changes = site.value.changes
        #expect(goE.switchesWhileCharging == 0, "\(goE.requests)")
        #expect(goE.requests.allSatisfy { $0.error == nil }, "\(goE.requests)")
        let switches = goE.requests.filter { $0.key == "psm" }
        #expect(switches.map(\.payload) == ["1", "2", "1", "2"])
        // Every draw is one of the charger's, and none goes from one phase straight to three.
        let drawable = Set(config.vehicles[0].charger.steps ?? [])
        #expect(draws.allSatisfy { $0.watts == 0 || drawable.contains($0.watts) }, "\(draws.map(\.watts))")
        for (before, after) in zip(draws, draws.dropFirst()) where before.watts > 0 && after.watts > 0 {
            #expect((before.watts < 4_140) == (after.watts < 4_140), "from \(before.watts) W straight to \(after.watts) W")
        }
        // The import never exceeds the limit (but for the meter's 5 s after the house jumped).
        for draw in draws {
            guard let site = changes.last(where: { $0.at <= draw.at }), draw.at.timeIntervalSince(site.at) > 6 else { continue }
            #expect(site.houseW + draw.watts - site.pvW <= 8_000, "at \(draw.at): \(draw.watts) W beside the house's \(site.houseW) W and \(site.pvW) W of PV")
        }
        print("go-e phases: draws \(draws.map { "\(Int($0.watts))" }.joined(separator: " ")); psm \(switches.map(\.payload))")
    }

    /// End to end: the example file on a real mosquitto, the bridge's services, the emulated go-e.
    @Test func endToEndWithTheEmulatedGoE() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let config = try Self.exampleOn(broker, clientID: "bridge-goe", appending: "metering: {flush_interval_s: 0.2}\n")

        let goE = try GoECharger(brokerURL: broker.url, serial: "012345", phases: 3)
        try await goE.start()
        let probe = try await Probe.start(url: broker.url, filter: "#")
        let logs = PriceTokenSecrecyTests.CapturingLogHandler()
        let service = try BridgeServices(config: config, logger: Logger(label: "bridge") { _ in logs })
        let running = Task { try await service.run() }
        try await probe.waitFor("chargebridge/status") { $0 == "online" }

        // No car (car 1): not plugged in, whatever 1 used to mean.
        try await probe.waitFor("go-eCharger/012345/car") { $0 == "1" }
        try await probe.waitFor("chargebridge/ev/state") { $0.contains(#""plugged":false"#) }
        // Plug-in: a session and a schedule.
        await goE.plug(true)
        try await probe.waitFor("chargebridge/ev/state") { $0.contains(#""plugged":true"#) }
        let schedule = try await probe.waitFor("chargebridge/ev/schedule") { !$0.isEmpty }
        #expect(schedule.contains(#""device_id":"ev""#))

        // Fast: 16 A on amp/set, then on (frc 2), in the form the charger accepts.
        try await probe.publish("fast", to: "chargebridge/ev/mode/set")
        // (The first start of a run says the phases first, psm 2, and comes 10 s after it.)
        try await probe.waitUntil(within: .seconds(20)) { goE.frc == 2 && goE.amp == 16 }
        #expect(goE.psm == 2 && goE.activePhases == 3)
        // (A smart plan may have started it at plug-in already: whichever start came first, the
        // current went out just before the on, and every current is a whole number of 6-16 A.)
        let commands = probe.messagesSeen.filter { $0.topic.hasSuffix("/set") && $0.topic.hasPrefix("go-eCharger/") }
        let firstOn = try #require(commands.firstIndex { $0.topic == "go-eCharger/012345/frc/set" && $0.payload == "2" })
        #expect(firstOn > 0 && commands[firstOn - 1].topic == "go-eCharger/012345/amp/set")
        let currents = commands.filter { $0.topic == "go-eCharger/012345/amp/set" }.map(\.payload)
        #expect(!currents.isEmpty && currents.allSatisfy { Int($0).map { (6...16).contains($0) } ?? false }, "\(currents)")
        #expect(currents.last == "16")
        #expect(goE.requests.allSatisfy { $0.error == nil }, "\(goE.requests)")
        try await probe.waitFor("go-eCharger/012345/car") { $0 == "2" }

        // The charger's errors and null car state do not end the session.
        let sessionId = try #require(try await probe.waitFor("chargebridge/ev/state") { $0.contains("session_reference_id") }
            .split(separator: "\"").drop { $0 != "session_reference_id" }.dropFirst(2).first.map(String.init))
        for raw in [5, nil, 0] as [Int?] {
            await goE.reportCarError(raw)
            try await probe.waitFor("go-eCharger/012345/car") { $0 == raw.map(String.init) ?? "null" }
        }
        try await Task.sleep(for: .milliseconds(500))
        await goE.clearCarError()
        #expect(!probe.messages(on: "chargebridge/ev/session").contains { $0.contains(#""state":"closed""#) })
        #expect(probe.messages(on: "chargebridge/ev/state").last?.contains(#""plugged":true"#) == true)

        // Metering follows eto (Wh).
        let etoAtStart = goE.etoWh
        try await probe.waitUntil(within: .seconds(15)) { goE.etoWh > etoAtStart + 4 }

        // The charger refuses what it cannot take (a decimal, a current under 6 A), on amp/result.
        try await probe.publish("15.9", to: "go-eCharger/012345/amp/set")
        try await probe.waitFor("go-eCharger/012345/amp/result") { $0.contains("expected an integer") }
        try await probe.publish("5", to: "go-eCharger/012345/amp/set")
        try await probe.waitFor("go-eCharger/012345/amp/result") { $0.contains("exceeds range 6 to 32") }
        #expect(goE.amp == 16)
        // psm takes 0, 1 or 2 only (modbus-en.md): 3 and 1.0 are refused, the phases stay.
        try await probe.publish("3", to: "go-eCharger/012345/psm/set")
        try await probe.waitFor("go-eCharger/012345/psm/result") { $0.contains("expected 0, 1 or 2") }
        try await probe.publish("1.0", to: "go-eCharger/012345/psm/set")
        try await probe.waitUntil { goE.requests.filter { $0.key == "psm" && $0.error != nil }.count == 2 }
        #expect(goE.psm == 2 && goE.drawW == 11_040)
        try await probe.waitUntil { logs.lines.value.contains { $0.contains("exceeds range 6 to 32") } }
        try await probe.waitUntil { logs.lines.value.contains { $0.contains("psm/result") } }
        // Each refusal is one warning; each unknown car state one notice (the charger repeats them every report).
        let lines = logs.lines.value
        #expect(lines.filter { $0.hasPrefix("warning") && $0.contains("ev: the charger refused a command on go-eCharger/012345/amp/result") }.count == 2, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("warning") && $0.contains("ev: the charger refused a command on go-eCharger/012345/psm/result") }.count >= 1, "\(lines)")
        for token in ["5", "null", "0"] {
            #expect(lines.filter { $0.hasPrefix("notice") && $0.contains("the plug state on go-eCharger/012345/car is unknown ('\(token)')") }.count == 1, "\(token)")
        }

        // Off: only frc 1. (The probe hears its own "1.0" back through the broker, maybe after the
        // charger has answered it: it must be in before the count starts, or it is taken for the bridge's.)
        try await probe.waitFor("go-eCharger/012345/psm/set") { $0 == "1.0" }
        let before = probe.messagesSeen.count
        try await probe.publish("off", to: "chargebridge/ev/mode/set")
        try await probe.waitUntil { goE.frc == 1 }
        try await Task.sleep(for: .milliseconds(400))
        let offCommands = probe.messagesSeen.dropFirst(before).filter { $0.topic.hasPrefix("go-eCharger/") && $0.topic.hasSuffix("/set") }
        #expect(offCommands.map { "\($0.topic) \($0.payload)" } == ["go-eCharger/012345/frc/set 1"])
        try await Task.sleep(for: .milliseconds(600)) // the last eto reading reaches the bridge
        let counted = goE.etoWh

        // Unplug (car 1): the session ends.
        await goE.plug(false)
        let closed = try await probe.waitFor("chargebridge/ev/session") { $0.contains(#""state":"closed""#) }
        #expect(closed.contains(sessionId))
        running.cancel()
        _ = try? await running.value
        await probe.stop()
        await goE.stop()

        let ledger = try Ledger(path: config.databasePath)
        let info = try ledger.session(sessionId)
        #expect(!info.isOpen)
        // eto is published in whole Wh: the ledger holds the counter's increase to within 1 Wh
        // (the charger drew 11,040 W from frc 2 to frc 1).
        let drawn = counted - 1_234_000
        #expect(info.importEnergyWh > 4)
        #expect(abs(info.importEnergyWh - drawn) <= 1.5, "ledger \(info.importEnergyWh) Wh, charger \(drawn) Wh")
    }
}
