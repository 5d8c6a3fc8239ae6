import Foundation
import Locking
import Logging
import MQTT
import Testing
import TestSupport

/// The device emulators publish what their documents show and take only what the documents
/// describe (each emulator cites its document), on a real mosquitto.
@Suite(.serialized) struct DeviceEmulatorTests {
    /// A client that sends commands and records what the devices publish.
    final class Console: Sendable {
        let client: MQTTClient
        private let seen = Locked<[(topic: String, payload: String)]>([])
        private let reader: Task<Void, Never>

        init(url: String) async throws {
            var configuration = try MQTTConfiguration(url: url, clientID: "console-\(UUID().uuidString.prefix(6))")
            configuration.cleanStart = true
            var logger = Logger(label: "console")
            logger.logLevel = .warning
            client = try MQTTClient(configuration: configuration, logger: logger)
            try await client.connect(timeout: .seconds(5))
            try await client.subscribe("#")
            reader = Task { [client, seen] in
                for await message in client.messages { seen.withLock { $0.append((message.topic, message.payloadText)) } }
            }
        }

        func send(_ payload: String, to topic: String) async throws { try await client.publish(payload, to: topic) }

        func last(_ topic: String) -> String? { seen.value.last { $0.topic == topic }?.payload }

        /// Waits up to 5 s for `condition`.
        func wait(_ what: String, _ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline {
                if condition() { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            Issue.record("timed out waiting for \(what)")
        }

        func stop() async {
            reader.cancel()
            await client.shutdown()
        }
    }

    @Test func openEVSETakesOverridePropertiesAndReportsItsStatusValues() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let console = try await Console(url: broker.url)
        let car = EmulatedCar(capacityWh: 40_000, socPercent: 50)
        let evse = try EmulatedOpenEVSE(brokerURL: broker.url, baseTopic: "openevse", car: car)
        try await evse.start()
        try await console.wait("the announce and the override") {
            console.last("openevse/announce/55ad")?.contains(#""state":"connected""#) == true && console.last("openevse/override") == #"{"state":"null"}"#
        }
        // Without an override a plugged car charges at once, at the rating.
        await evse.plugIn()
        #expect(evse.status.drawW == 32 * 230)
        try await console.wait("vehicle 1") { console.last("openevse/vehicle") == "1" && console.last("openevse/state") == "3" }
        #expect(console.last("openevse/power") == "7360")
        #expect(console.last("openevse/pilot") == "32")
        // Properties merge; the acknowledgement is the retained override.
        try await console.send(#"{"state": "active", "charge_current": 16}"#, to: "openevse/override/set")
        try await console.wait("16 A") { evse.status.drawW == 16 * 230 }
        try await console.send(#"{"state": "disabled"}"#, to: "openevse/override/set")
        try await console.wait("disabled") { evse.status.drawW == 0 }
        #expect(evse.status.overrideCurrentA == 16)
        try await console.wait("the override") { console.last("openevse/override") == #"{"state":"disabled","charge_current":16}"# }
        try await console.wait("state 255") { console.last("openevse/state") == "255" }
        // Not override properties, or not JSON: ignored.
        for payload in [#"{"current": 10}"#, #"{"state": "on"}"#, "start", #"{"charge_current": "lots"}"#] {
            try await console.send(payload, to: "openevse/override/set")
        }
        try await console.send("clear", to: "openevse/override/set")
        try await console.wait("cleared") { console.last("openevse/override") == #"{"state":"null"}"# }
        #expect(evse.commands.filter { !$0.accepted }.map(\.payload) == [#"{"current": 10}"#, #"{"state": "on"}"#, "start", #"{"charge_current": "lots"}"#])
        // An error opens the relay and keeps the vehicle flag.
        await evse.fault(6)
        #expect(evse.status.drawW == 0)
        try await console.wait("state 6") { console.last("openevse/state") == "6" && console.last("openevse/vehicle") == "1" }
        await evse.clearFault()
        #expect(evse.status.drawW == 32 * 230)
        await evse.stop()
        await console.stop()
    }

    @Test func tasmotaTakesPowerWordsAndSendsItsEnergyInKilowattHours() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let console = try await Console(url: broker.url)
        let car = EmulatedCar(capacityWh: 40_000, socPercent: 50)
        car.setPlugged(true)
        let relay = try EmulatedTasmota(brokerURL: broker.url, topic: "plug", chargerW: 2_300, car: car, telePeriodSeconds: 10, totalWh: 6_294)
        try await relay.start()
        try await console.wait("LWT Online and the telemetry") { console.last("tele/plug/LWT") == "Online" && console.last("tele/plug/SENSOR") != nil }
        let sensor = try #require(console.last("tele/plug/SENSOR"))
        #expect(sensor.contains(#""ENERGY":{"TotalStartTime":"2025-01-01T00:00:00","Total":6.294,"#))
        #expect(sensor.contains(#""Power":0,"#))
        for (word, on) in [("on", true), ("OFF", false), ("1", true), ("false", false), ("TOGGLE", true)] {
            try await console.send(word, to: "cmnd/plug/Power")
            try await console.wait("POWER \(word)") { relay.status.on == on && console.last("stat/plug/POWER") == (on ? "ON" : "OFF") }
        }
        #expect(console.last("stat/plug/RESULT") == #"{"POWER":"ON"}"#)
        #expect(relay.status.drawW == 2_300)
        try await console.send("start", to: "cmnd/plug/POWER")
        try await console.send("ON", to: "cmnd/plug/Dimmer")
        try await console.wait("two ignored") { relay.commands.filter { !$0.accepted }.count == 2 }
        #expect(relay.status.on)
        await relay.stop()
        await console.stop()
    }

    @Test func aZigbee2MQTTPlugTakesJSONOnSetAndPlainOnSetState() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let console = try await Console(url: broker.url)
        let car = EmulatedCar(capacityWh: 40_000, socPercent: 50)
        car.setPlugged(true)
        let plug = try EmulatedZigbeePlug(brokerURL: broker.url, friendlyName: "garage", chargerW: 2_300, car: car, energyWh: 123_450)
        try await plug.start()
        try await console.wait("its availability and state") {
            console.last("zigbee2mqtt/garage/availability") == #"{"state":"online"}"# && console.last("zigbee2mqtt/garage")?.contains(#""energy":123.45,"#) == true
        }
        try await console.send(#"{"state": "ON"}"#, to: "zigbee2mqtt/garage/set")
        try await console.wait("ON") { console.last("zigbee2mqtt/garage")?.contains(#""power":2300,"#) == true }
        try await console.send("OFF", to: "zigbee2mqtt/garage/set/state")
        try await console.wait("OFF") { console.last("zigbee2mqtt/garage")?.contains(#""state":"OFF""#) == true }
        // /set takes only JSON; power cannot be set; a state word it does not know.
        for (payload, topic) in [("ON", "zigbee2mqtt/garage/set"), (#"{"power": 2300}"#, "zigbee2mqtt/garage/set"), (#"{"state": "START"}"#, "zigbee2mqtt/garage/set")] {
            try await console.send(payload, to: topic)
        }
        try await console.wait("three ignored") { plug.commands.filter { !$0.accepted }.count == 3 }
        #expect(!plug.status.on)
        await plug.stop()
        await console.stop()
    }

    @Test func teslaMatePublishesRetainedValuesWhenTheyChange() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let car = EmulatedCar(capacityWh: 57_500, socPercent: 50.6)
        let teslamate = try EmulatedTeslaMate(brokerURL: broker.url, carID: 1, car: car) { 0 }
        try await teslamate.start()
        car.setPlugged(true)
        await teslamate.poll()
        // A client that comes later gets the retained values.
        let console = try await Console(url: broker.url)
        try await console.wait("retained values") {
            console.last("teslamate/cars/1/plugged_in") == "true" && console.last("teslamate/cars/1/charger_power") == "0"
        }
        #expect(console.last("teslamate/cars/1/battery_level") == "50")
        #expect(console.last("teslamate/cars/1/charging_state") == "Stopped")
        car.setPlugged(false)
        await teslamate.poll()
        // The car's charger_power is nil unplugged: published empty.
        try await console.wait("unplugged") {
            console.last("teslamate/cars/1/plugged_in") == "false" && console.last("teslamate/cars/1/charging_state") == "Disconnected"
                && console.last("teslamate/cars/1/charger_power") == ""
        }
        await teslamate.stop()
        await console.stop()
    }
}
