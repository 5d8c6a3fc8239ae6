import Foundation
import Testing
@testable import Bridge

/// With a grid meter each vehicle gets the session's solar share (percent) and savings as Home
/// Assistant sensors, read from the session payload (docs/bridge.md, "Home Assistant discovery");
/// without one, neither (the bridge knows no surplus).
@Suite struct SolarDiscoveryTests {
    static func objects(grid: Bool) throws -> [String: [String: Any]] {
        var config = try BridgeFixtures.config(vehicles: "  - {id: car1, name: Family car}")
        if grid { config.location.grid = BridgeConfig.GridMeter(topic: "meter/grid") }
        var result: [String: [String: Any]] = [:]
        for message in HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages() {
            result[message.topic] = try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any]
        }
        return result
    }

    @Test func aGridMeterAddsTheSolarShareAndSavingsSensors() throws {
        let objects = try Self.objects(grid: true)
        let share = try #require(objects["homeassistant/sensor/chargebridge_car1/session_solar_share/config"])
        #expect(share["state_topic"] as? String == "chargebridge/car1/session")
        #expect(share["unit_of_measurement"] as? String == "%")
        #expect(share["state_class"] as? String == "measurement")
        #expect(share["value_template"] as? String == "{{ value_json.solar_share if value_json.solar_share is defined else 0 }}")
        let savings = try #require(objects["homeassistant/sensor/chargebridge_car1/session_savings/config"])
        #expect(savings["device_class"] as? String == "monetary")
        #expect(savings["unit_of_measurement"] as? String == "EUR")
        #expect(savings["state_class"] as? String == "total")

        let without = try Self.objects(grid: false)
        #expect(without.keys.allSatisfy { !$0.contains("solar") && !$0.contains("savings") })
        #expect(objects.count == without.count + 2 + 2) // and the site's grid and surplus sensors
    }
}
