import Foundation
import Metering
import Tariffs
import Testing
import TestSupport
@testable import Bridge

/// Each example in Examples/chargers, loaded as a user has it, against emulations of its devices
/// that publish and accept exactly what the devices' documentation says (TestSupport/Devices; each
/// emulator cites its document), on a real mosquitto, with the real bridge services on an
/// accelerated clock: plug-in gives a schedule, the commands reach the device in the form it
/// accepts, metering follows the device's own counter (kWh scaled), unplugging ends the session,
/// and the device's error or unknown states do not.
@Suite(.serialized) struct DeviceExampleTests {
    /// The OpenEVSE example started with its 32 A wallbox and a Leaf at `socPercent`; the wallbox
    /// sees the car, Home Assistant forwards the level only.
    static func openEVSE(socPercent: Double) async throws -> (DeviceRig, EmulatedOpenEVSE) {
        let rig = try await DeviceRig.start(example: "openevse.yaml")
        let car = EmulatedCar(capacityWh: 40_000, socPercent: socPercent, efficiency: 0.88, maxPowerW: 7_400)
        let evse = try EmulatedOpenEVSE(brokerURL: rig.broker.url, baseTopic: "openevse", ratingA: 32, car: car, clock: rig.devices)
        let home = try EmulatedHomeAssistantForwarder(brokerURL: rig.broker.url, vehicleID: "leaf", car: car, forwardsPlug: false, clock: rig.devices)
        try await rig.start(evse, home)
        return (rig, evse)
    }

    @Test func openEVSEWallboxWithTheSoCFromHomeAssistant() async throws {
        // Documents: OpenEVSE/openevse_esp32_firmware docs/Developers_Guide_MQTT.md, docs/mqtt.md.
        let (rig, evse) = try await Self.openEVSE(socPercent: 35)
        defer { Task { await rig.stop() } }

        // Plug-in: a session, a schedule, and the EVSE stays disabled by the bridge's stop on
        // connect (OpenEVSE without an override would charge at its full 32 A).
        await evse.plugIn()
        try await rig.waitForSchedule("leaf")
        try await rig.waitUntil("the stop payload at the plug-in", evse.commands) { evse.status.overrideState == "disabled" }
        #expect(evse.status.drawW == 0)
        try await rig.probe.waitFor("chargebridge/leaf/state") { $0.contains(#""soc":35"#) }

        // Fast: the override with a whole current, which the EVSE signals as its pilot.
        try await rig.probe.publish("fast", to: "chargebridge/leaf/mode/set")
        try await rig.waitUntil("the device to follow", evse.commands) { evse.status.drawW == 32 * 230 }
        #expect(evse.status.overrideState == "active")
        #expect(evse.status.overrideCurrentA == 32)
        try await rig.run(minutes: 20)

        // An error (6: GFCI fault): the relay opens, the vehicle flag stays 1: the session goes on.
        await evse.fault(6)
        try await rig.run(minutes: 5)
        #expect(evse.status.drawW == 0)
        try await rig.expectOpenSession("leaf")
        await evse.clearFault()
        try await rig.run(minutes: 5)
        #expect(evse.status.drawW == 32 * 230)

        // Off, then unplugged: the session closes with the wallbox's session_energy (Wh, two decimals).
        let counted = try await rig.stopAndUnplug("leaf", evse.commands, stopped: { evse.status.drawW == 0 },
                                                  counterWh: { (evse.status.sessionWh * 100).rounded() / 100 }, since: 0) { await evse.unplug() }
        #expect(counted > 2_500)
        rig.expectAccepted(evse.commands, on: ["openevse/override/set"])
    }

    @Test func openEVSEThatStartsByItselfAtPlugInIsStoppedUntilItsSlot() async throws {
        // Documents: OpenEVSE/openevse_esp32_firmware docs/Developers_Guide_MQTT.md ("Command
        // topics": `clear` removes the manual override; without one the EVSE charges a car at once).
        let (rig, evse) = try await Self.openEVSE(socPercent: 77)
        defer { Task { await rig.stop() } }
        #expect(evse.status.overrideState == "disabled") // the bridge's stop on connect
        // Someone clears the override in OpenEVSE's app after that stop: the EVSE is active again.
        try await rig.probe.publish("clear", to: "openevse/override/set")
        try await rig.waitUntil("the override cleared", evse.commands) { evse.status.overrideState == nil }
        // Leave by 21:00: 1.4 kWh are cheapest at 20:00, after the evening grid-fee zone.
        try await rig.probe.publish("21:00", to: "chargebridge/leaf/ready_by/set")
        try await rig.probe.waitFor("chargebridge/leaf/state") { $0.contains(#""ready_by":"21:00""#) }

        // Plug-in at 18:00: the EVSE starts at 32 A by itself; the bridge's stop follows at once.
        let pluggedAt = rig.clock.now()
        await evse.plugIn()
        try await rig.waitUntil("the stop at the plug-in", evse.commands) { evse.status.overrideState == "disabled" && evse.status.drawW == 0 }
        let stoppedAfter = rig.clock.now().timeIntervalSince(pluggedAt)
        #expect(stoppedAfter < 60, "stopped \(stoppedAfter) s of the clock after the plug-in")
        let state = try await rig.probe.waitFor("chargebridge/leaf/state") { $0.contains(#""next_start""#) }
        let nextStart = try #require(state.firstMatch(of: /"next_start":"([^"]+)"/).flatMap { Timestamp.parse(String($0.1)) })
        #expect(nextStart.timeIntervalSince(pluggedAt) > 3_600, "\(state)")

        // Nothing until the slot, then its current.
        while rig.clock.now() < nextStart.addingTimeInterval(-30) {
            #expect(evse.status.drawW == 0)
            if evse.status.drawW > 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await rig.waitUntil("the slot's start", evse.commands, within: .seconds(30)) { evse.status.drawW > 0 }
        #expect(rig.clock.now() >= nextStart)
        #expect(evse.status.overrideState == "active")
        rig.expectAccepted(evse.commands.filter { $0.payload != "clear" }, on: ["openevse/override/set"])
    }

    @Test func tasmotaRelayWithThePlugAndSoCFromHomeAssistant() async throws {
        // Documents: tasmota/docs docs/MQTT.md, docs/Commands.md, docs/devices/Sonoff-Pow-R2.md.
        let rig = try await DeviceRig.start(example: "tasmota.yaml")
        defer { Task { await rig.stop() } }
        let car = EmulatedCar(capacityWh: 38_000, socPercent: 40, efficiency: 0.88, maxPowerW: 7_200)
        let relay = try EmulatedTasmota(brokerURL: rig.broker.url, topic: "garage_plug", chargerW: 2_300, car: car,
                                        telePeriodSeconds: 30, clock: rig.devices)
        let home = try EmulatedHomeAssistantForwarder(brokerURL: rig.broker.url, vehicleID: "ioniq", car: car, clock: rig.devices)
        try await rig.start(relay, home)

        let before = Self.tasmotaTotalWh(relay.status.totalWh)
        car.setPlugged(true)
        relay.carChanged()
        await home.check()
        try await rig.waitForSchedule("ioniq")
        try await rig.probe.publish("fast", to: "chargebridge/ioniq/mode/set")
        try await rig.waitUntil("the device to follow", relay.commands) { relay.status.on && relay.status.drawW == 2_300 }
        try await rig.run(minutes: 20)

        // Home Assistant without its condition: the car's cloud is down, the sensor unavailable.
        // Not a plug state: ignored, the session and the charge go on.
        await home.forwardRaw(plug: "unavailable")
        try await rig.run(minutes: 5)
        try await rig.expectOpenSession("ioniq")
        #expect(relay.status.drawW == 2_300)

        let moved = try await rig.stopAndUnplug("ioniq", relay.commands, stopped: { !relay.status.on },
                                                counterWh: { Self.tasmotaTotalWh(relay.status.totalWh) }, since: before) {
            car.setPlugged(false)
            relay.carChanged()
            await home.check()
        }
        #expect(moved > 900)
        rig.expectAccepted(relay.commands, on: ["cmnd/garage_plug/POWER"])
    }

    @Test func teslaMateCarOnATasmotaRelay() async throws {
        // Documents: teslamate-org/teslamate website/docs/integrations/mqtt.md; tasmota/docs as above.
        let rig = try await DeviceRig.start(example: "teslamate.yaml")
        defer { Task { await rig.stop() } }
        let car = EmulatedCar(capacityWh: 57_500, socPercent: 50, efficiency: 0.9, maxPowerW: 11_000)
        let relay = try EmulatedTasmota(brokerURL: rig.broker.url, topic: "garage_plug", chargerW: 3_680, car: car,
                                        telePeriodSeconds: 30, clock: rig.devices)
        let teslamate = try EmulatedTeslaMate(brokerURL: rig.broker.url, carID: 1, car: car, clock: rig.devices) { relay.status.drawW }
        try await rig.start(relay, teslamate)

        let before = Self.tasmotaTotalWh(relay.status.totalWh)
        car.setPlugged(true)
        relay.carChanged()
        await teslamate.poll()
        try await rig.waitForSchedule("model3")
        try await rig.probe.waitFor("chargebridge/model3/state") { $0.contains(#""soc":50"#) }
        try await rig.probe.publish("fast", to: "chargebridge/model3/mode/set")
        try await rig.waitUntil("the device to follow", relay.commands) { relay.status.drawW == 3_680 }
        try await rig.run(minutes: 10)
        #expect(teslamate.values["charging_state"] == "Charging")
        #expect(teslamate.values["charger_power"] == "4")

        // The car drops off the network: TeslaMate says offline and publishes nothing else; the
        // retained plugged_in stays true: the session and the charge go on.
        await teslamate.setVehicleState("offline")
        try await rig.run(minutes: 10)
        try await rig.expectOpenSession("model3")
        #expect(relay.status.drawW == 3_680)
        await teslamate.setVehicleState("online")

        let moved = try await rig.stopAndUnplug("model3", relay.commands, stopped: { !relay.status.on },
                                                counterWh: { Self.tasmotaTotalWh(relay.status.totalWh) }, since: before) {
            car.setPlugged(false)
            relay.carChanged()
            await teslamate.poll()
        }
        #expect(teslamate.values["plugged_in"] == "false")
        #expect(moved > 1_000)
        rig.expectAccepted(relay.commands, on: ["cmnd/garage_plug/POWER"])
    }

    @Test func zigbee2MQTTPlugWithThePlugAndSoCFromHomeAssistant() async throws {
        // Documents: Koenkk/zigbee2mqtt.io docs/devices/TS011F_plug_1.md, docs/guide/usage/mqtt_topics_and_messages.md.
        let rig = try await DeviceRig.start(example: "zigbee2mqtt.yaml")
        defer { Task { await rig.stop() } }
        let car = EmulatedCar(capacityWh: 52_000, socPercent: 54, efficiency: 0.85, maxPowerW: 22_000)
        let plug = try EmulatedZigbeePlug(brokerURL: rig.broker.url, friendlyName: "garage_charger", chargerW: 2_300, car: car,
                                          reportEverySeconds: 60, clock: rig.devices)
        let home = try EmulatedHomeAssistantForwarder(brokerURL: rig.broker.url, vehicleID: "zoe", car: car, clock: rig.devices)
        try await rig.start(plug, home)

        let before = Self.zigbeeEnergyWh(plug.status.energyWh)
        car.setPlugged(true)
        await plug.carChanged()
        await home.check()
        try await rig.waitForSchedule("zoe")
        // 54 % is above min_soc: at the evening's peak price the plan waits; the plug is told OFF.
        try await rig.waitUntil("OFF at the plug-in", plug.commands) { plug.commands.contains { $0.payload == #"{"state": "OFF"}"# } }
        try await rig.probe.publish("ON", to: "chargebridge/zoe/boost/set")
        try await rig.waitUntil("the device to follow", plug.commands) { plug.status.on && plug.status.drawW == 2_300 }
        try await rig.run(minutes: 20)

        // The plug drops off the Zigbee network for a while: no readings, the session goes on.
        await plug.setAvailable(false)
        try await rig.run(minutes: 5)
        try await rig.expectOpenSession("zoe")
        await plug.setAvailable(true)
        try await rig.run(minutes: 5)

        let moved = try await rig.stopAndUnplug("zoe", plug.commands, stopped: { !plug.status.on },
                                                counterWh: { Self.zigbeeEnergyWh(plug.status.energyWh) }, since: before, settle: 2) {
            car.setPlugged(false)
            await plug.carChanged()
            await home.check()
        }
        #expect(moved > 900)
        rig.expectAccepted(plug.commands, on: ["zigbee2mqtt/garage_charger/set"])
    }

    /// ENERGY.Total as Tasmota publishes it (kWh, three decimals), in Wh.
    static func tasmotaTotalWh(_ wh: Double) -> Double { wh.rounded() }
    /// `energy` as the plug publishes it (kWh, two decimals), in Wh.
    static func zigbeeEnergyWh(_ wh: Double) -> Double { (wh / 10).rounded() * 10 }
}

/// One example on its own broker: the example's configuration with the test's broker and ledger,
/// the bridge's services on an accelerated clock, a probe on every topic.
final class DeviceRig: @unchecked Sendable {
    static let examples = ChargerMappingTests.examples
    /// Wednesday 2026-05-20, 18:00 in Amsterdam and Berlin: within the real prices of
    /// Examples/prices, at the time-of-use tariff's peak.
    static let evening = SiteRig.evening
    static let speed = 120.0

    let broker: MosquittoBroker
    let folder: URL
    let config: BridgeConfig
    let clock: AcceleratedClock
    let devices: DeviceClock
    let probe: Probe
    private var bridge: Task<Void, Error>?
    private var cleanups: [@Sendable () async -> Void] = []

    private init(broker: MosquittoBroker, folder: URL, config: BridgeConfig, clock: AcceleratedClock, probe: Probe) {
        self.broker = broker
        self.folder = folder
        self.config = config
        self.clock = clock
        devices = DeviceClock(now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
        self.probe = probe
    }

    /// Loads Examples/chargers/`example` and starts a broker for it (the devices and the bridge: `start`).
    static func start(example: String) async throws -> DeviceRig {
        let broker = try await MosquittoBroker.start()
        let folder = try BridgeServiceTests.temporaryFolder()
        var config = try BridgeConfigLoader.load(path: examples.appendingPathComponent(example).path,
                                                 environment: ["MQTT_PASSWORD": "unused"])
        // The example as it is, but for where the broker and the ledger are: the test's broker
        // takes anonymous clients.
        config.broker.host = "127.0.0.1"
        config.broker.port = broker.port
        config.broker.username = nil
        config.broker.password = nil
        config.broker.clientId = "example-\(folder.lastPathComponent.prefix(12))"
        config.databasePath = folder.appendingPathComponent("ledger.sqlite").path
        let clock = AcceleratedClock(start: evening, factor: speed, maxStepSeconds: SiteRig.maxClockStepSeconds)
        let probe = try await Probe.start(url: broker.url, filter: "#")
        return DeviceRig(broker: broker, folder: folder, config: config, clock: clock, probe: probe)
    }

    /// Waits for `condition`; on a timeout, says what the device received and what the bridge published.
    func waitUntil(_ what: String, _ commands: @autoclosure () -> [DeviceCommand], within: Duration = .seconds(10),
                   _ condition: () -> Bool) async throws {
        do {
            try await probe.waitUntil(within: within, condition)
        } catch {
            let published = probe.messagesSeen.filter { $0.topic.hasPrefix(config.baseTopic + "/") }.suffix(12)
                .map { "\($0.topic) \($0.payload.prefix(160))" }
            Issue.record("no \(what): the device received \(commands()); the bridge published \(published.joined(separator: "\n"))")
            throw error
        }
    }

    /// Starts the devices (stopped with the rig), then the bridge, and lets two minutes pass:
    /// the devices' periodic reports are in. (Devices first, as in most homes: the bridge's
    /// stop on connect reaches them; a charger that starts by itself at a plug-in, OpenEVSE
    /// without an override, hears the stop again then.)
    func start(_ devices: any EmulatedDevice...) async throws {
        for device in devices {
            try await device.start()
            cleanups.append { await device.stop() }
        }
        let services = try BridgeServices(config: config, logger: BridgeServiceTests.logger, clock: clock)
        bridge = Task { try await services.run() }
        try await probe.waitFor("chargebridge/status", within: .seconds(15)) { $0 == "online" }
        try await run(minutes: 2)
    }

    /// Lets `minutes` of the clock pass.
    func run(minutes: Double) async throws {
        let until = clock.now().addingTimeInterval(minutes * 60)
        while clock.now() < until { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// A plan is published, and a session opened.
    func waitForSchedule(_ vehicle: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let schedule = try await probe.waitFor("\(config.baseTopic)/\(vehicle)/schedule") { !$0.isEmpty }
        #expect(schedule.contains(#""device_id":"\#(vehicle)""#), sourceLocation: sourceLocation)
        try await probe.waitFor("\(config.baseTopic)/\(vehicle)/session") { $0.contains(#""state":"open""#) }
        try await probe.waitFor("\(config.baseTopic)/\(vehicle)/state") { $0.contains(#""plugged":true"#) }
    }

    /// The vehicle is still plugged and its session open.
    func expectOpenSession(_ vehicle: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let state = probe.messages(on: "\(config.baseTopic)/\(vehicle)/state").last ?? ""
        #expect(state.contains(#""plugged":true"#), "state: \(state)", sourceLocation: sourceLocation)
        let session = probe.messages(on: "\(config.baseTopic)/\(vehicle)/session").last ?? ""
        #expect(session.contains(#""state":"open""#), "session: \(session)", sourceLocation: sourceLocation)
        let ledger = try Ledger(path: config.databasePath)
        #expect(try ledger.lastSession(deviceId: vehicle)?.isOpen == true, sourceLocation: sourceLocation)
    }

    /// Mode off; once the device stopped, `settle` minutes for its next counter reading; then
    /// `unplug`. The closed session in the ledger holds what the counter (as published) moved
    /// since `before`, which is returned.
    func stopAndUnplug(_ vehicle: String, _ commands: @autoclosure () -> [DeviceCommand], stopped: () -> Bool,
                       counterWh: () -> Double, since before: Double, settle: Double = 1, unplug: () async -> Void,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> Double {
        try await probe.publish("off", to: "\(config.baseTopic)/\(vehicle)/mode/set")
        try await waitUntil("the stop", commands(), stopped)
        try await run(minutes: settle)
        let moved = counterWh() - before
        await unplug()
        let info = try await closedSession(vehicle)
        #expect(abs(info.importEnergyWh - moved) < 0.01, "ledger \(info.importEnergyWh) Wh, the counter moved \(moved) Wh", sourceLocation: sourceLocation)
        return moved
    }

    /// Waits for the session to close, stops the bridge (everything flushed) and reads the session
    /// from the ledger.
    func closedSession(_ vehicle: String) async throws -> SessionInfo {
        try await probe.waitFor("\(config.baseTopic)/\(vehicle)/session", within: .seconds(15)) { $0.contains(#""state":"closed""#) }
        bridge?.cancel()
        _ = try? await bridge?.value
        let ledger = try Ledger(path: config.databasePath)
        let session = try #require(try ledger.lastSession(deviceId: vehicle))
        #expect(!session.isOpen)
        #expect(try ledger.integrityCheck() == ["ok"])
        return session
    }

    /// The device was sent commands, only on `topics`, and took every one.
    func expectAccepted(_ commands: [DeviceCommand], on topics: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(commands.count >= 2, "\(commands)", sourceLocation: sourceLocation)
        for command in commands {
            #expect(command.accepted && topics.contains(command.topic), "\(command)", sourceLocation: sourceLocation)
        }
    }

    func stop() async {
        bridge?.cancel()
        _ = try? await bridge?.value
        for cleanup in cleanups { await cleanup() }
        await probe.stop()
        await broker.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}
