import Foundation
import Planning
import Testing
@testable import Bridge

/// The example set-ups in Examples/chargers load, and their topic styles drive the bridge.
@Suite struct ChargerMappingTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/chargers")
    let evening = BridgeFixtures.at("2025-11-17T17:00:00Z")

    @Test func openEVSEStyle() throws {
        let config = try BridgeConfigLoader.load(path: Self.examples.appendingPathComponent("openevse.yaml").path, environment: ["MQTT_PASSWORD": "x"])
        // An evening within the example's real prices: the plan waits for cheaper hours.
        var driver = CoreDriver(config: config, start: BridgeFixtures.at("2026-05-20T16:00:00Z"))
        driver.send(.connected)
        driver.message("openevse/session_energy", "0")
        driver.message("openevse/vehicle", "1")
        #expect(driver.core.isPlugged(vehicleId: "leaf"))
        // Disabled on connect, and again at the plug-in (OpenEVSE starts a car by itself).
        #expect(driver.actions.published("openevse/override/set") == [#"{"state": "disabled"}"#, #"{"state": "disabled"}"#])
        // A current charger of 6-32 A on one phase: fast asks for all of its 32 A.
        #expect(config.vehicles[0].charger == .current(phases: 1, minCurrentA: 6, maxCurrentA: 32, stepA: 1))
        let fast = driver.message("chargebridge/leaf/mode/set", "fast")
        #expect(fast.published("openevse/override/set") == [#"{"state": "active", "charge_current": 32}"#])
        driver.message("openevse/session_energy", "250")
        #expect(driver.advance(1).records.map(\.energyWh) == [250])
        let off = driver.message("chargebridge/leaf/mode/set", "off")
        #expect(off.published("openevse/override/set") == [#"{"state": "disabled"}"#])
        driver.message("openevse/vehicle", "0")
        #expect(!driver.core.isPlugged(vehicleId: "leaf"))
    }

    @Test func zigbee2MQTTStyleJSONWithAKilowattHourCounter() throws {
        let config = try BridgeConfigLoader.load(path: Self.examples.appendingPathComponent("zigbee2mqtt.yaml").path)
        // A relay: a switch charger, 0 or all of its 2300 W.
        #expect(config.vehicles[0].charger == .switched(powerW: 2300, phases: 1))
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("zigbee2mqtt/garage_charger", #"{"state": "OFF", "power": 0, "energy": 123.45, "linkquality": 120}"#)
        // The car's plug and battery from Home Assistant (Examples/home-assistant/car-to-chargebridge.yaml).
        driver.message("chargebridge/zoe/soc", "54")
        driver.message("chargebridge/zoe/plug", "on")
        #expect(driver.core.isPlugged(vehicleId: "zoe"))
        // 54 % -> 90 % of 52 kWh at 85 %: the plan asks for 22.02 kWh from the grid.
        let plan = try #require(driver.core.plan(vehicleId: "zoe"))
        #expect(abs(plan.request.energyWh - 0.36 * 52_000 / 0.85) < 1e-6)
        let boost = driver.message("chargebridge/zoe/boost/set", "ON")
        #expect(boost.published("zigbee2mqtt/garage_charger/set") == [#"{"state": "ON"}"#])
        driver.message("zigbee2mqtt/garage_charger", #"{"state": "ON", "power": 2300, "energy": 123.95, "linkquality": 118}"#)
        let energy = driver.advance(1).records.map(\.energyWh)
        #expect(energy.count == 1)
        #expect(abs(energy[0] - 500) < 1e-6)
    }
}
