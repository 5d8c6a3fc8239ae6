import Foundation
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
        #expect(vehicle.charger == .current(phases: 3, minCurrentA: 6, maxCurrentA: 16, stepA: 1))
        #expect(vehicle.topics.wholeAmps)
        #expect(vehicle.topics.command == "go-eCharger/012345/frc/set")
        #expect(vehicle.topics.powerTopic == "go-eCharger/012345/amp/set")
        #expect(vehicle.topics.power.path == "$[11]")
        #expect(vehicle.topics.energy?.topic == "go-eCharger/012345/eto")
        #expect(vehicle.topics.commandResult == ["go-eCharger/012345/frc/result", "go-eCharger/012345/amp/result"])
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
        let phases = try BridgeFixtures.config(vehicles: "  - {id: c, topics: {command_phases_topic: x/psm/set, command_phases_1: '1', command_phases_3: '2'}}")
        #expect(phases.vehicles[0].topics.commandPhases == .init(topic: "x/psm/set", onePhase: "1", threePhases: "2"))
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

    /// End to end: the example file on a real mosquitto, the bridge's services, the emulated go-e.
    @Test func endToEndWithTheEmulatedGoE() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let folder = try BridgeServiceTests.temporaryFolder()
        let tariff = Self.example.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tariff-tou.json").path
        var text = try String(contentsOf: Self.example, encoding: .utf8)
        for (from, to) in [("url: mqtt://127.0.0.1:1883", "url: \(broker.url)\n  client_id: bridge-goe"),
                           ("database: /var/lib/chargebridge/ledger.sqlite", "database: ledger.sqlite"),
                           ("tariff: ../tariff-tou.json", "tariff: \(tariff)")] {
            #expect(text.contains(from))
            text = text.replacingOccurrences(of: from, with: to)
        }
        text += "metering: {flush_interval_s: 0.2}\n"
        let path = folder.appendingPathComponent("go-e.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.load(path: path, environment: ["MQTT_PASSWORD": "x"])

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
        try await probe.waitUntil { goE.frc == 2 && goE.amp == 16 }
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
        try await probe.waitUntil { logs.lines.value.contains { $0.contains("exceeds range 6 to 32") } }
        // Each refusal is one warning; each unknown car state one notice (the charger repeats them every report).
        let lines = logs.lines.value
        #expect(lines.filter { $0.hasPrefix("warning") && $0.contains("ev: the charger refused a command on go-eCharger/012345/amp/result") }.count == 2, "\(lines)")
        for token in ["5", "null", "0"] {
            #expect(lines.filter { $0.hasPrefix("notice") && $0.contains("the plug state on go-eCharger/012345/car is unknown ('\(token)')") }.count == 1, "\(token)")
        }

        // Off: only frc 1.
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
