import Foundation
import Testing
@testable import Bridge

/// Discovery payloads checked against Home Assistant's documented rules for MQTT entities
/// (sensor device and state classes and their units, binary sensor classes, select, number,
/// text and button options).
@Suite struct HomeAssistantDiscoveryTests {
    let messages: [(topic: String, object: [String: Any])]

    init() throws {
        let config = try BridgeFixtures.config(vehicles: """
          - {id: car1, name: Family car}
          - {id: van, name: Work van, min_soc: 30}
        """)
        messages = HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages().map {
            ($0.topic, try! JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any])
        }
    }

    // Home Assistant's sensor rules: which units and state classes each device class allows.
    static let energyUnits: Set<String> = ["Wh", "kWh", "MWh", "GJ", "MJ"]
    static let powerUnits: Set<String> = ["W", "kW", "MW", "GW", "TW"]
    static let binarySensorClasses: Set<String> = ["battery_charging", "plug", "power", "running", "problem", "connectivity"]

    @Test func topicsFollowTheDiscoveryScheme() {
        let pattern = #"^homeassistant/(sensor|binary_sensor|select|number|text|button)/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/config$"#
        for message in messages {
            #expect(message.topic.range(of: pattern, options: .regularExpression) != nil, "\(message.topic)")
        }
        #expect(messages.count == 2 * 20 + 4) // and the site's: limit, house, chargers, available
    }

    @Test func everyEntityHasUniqueIdDeviceOriginAndAvailability() {
        var ids = Set<String>()
        for (topic, object) in messages {
            let id = object["unique_id"] as? String ?? ""
            #expect(!id.isEmpty && ids.insert(id).inserted, "\(topic)")
            let device = object["device"] as? [String: Any]
            #expect((device?["identifiers"] as? [String])?.isEmpty == false, "\(topic)")
            #expect(device?["name"] as? String != nil)
            #expect((object["origin"] as? [String: Any])?["name"] as? String == "ChargeBridge")
            #expect(object["availability_topic"] as? String == "chargebridge/status")
            #expect(object["payload_available"] as? String == "online")
            #expect(object["payload_not_available"] as? String == "offline")
        }
    }

    @Test func sensorClassesUnitsAndStateClassesAreValid() {
        for (topic, object) in messages where topic.contains("/sensor/") {
            let deviceClass = object["device_class"] as? String
            let stateClass = object["state_class"] as? String
            let unit = object["unit_of_measurement"] as? String
            #expect(object["state_topic"] is String, "\(topic)")
            switch deviceClass {
            case "monetary":
                // Monetary sensors: an ISO 4217 currency, and never state_class measurement.
                #expect(unit == "EUR", "\(topic)")
                #expect(stateClass == nil || stateClass == "total", "\(topic)")
            case "energy":
                #expect(unit.map(Self.energyUnits.contains) == true, "\(topic)")
                #expect(stateClass == nil || stateClass == "total" || stateClass == "total_increasing", "\(topic)")
            case "timestamp":
                #expect(unit == nil && stateClass == nil, "\(topic)")
            case "battery":
                #expect(unit == "%", "\(topic)")
            case "power":
                #expect(unit.map(Self.powerUnits.contains) == true, "\(topic)")
                #expect(stateClass == "measurement", "\(topic)")
            case nil:
                #expect(stateClass == nil || stateClass == "measurement", "\(topic)")
            default:
                Issue.record("unexpected device class \(deviceClass!) in \(topic)")
            }
        }
    }

    @Test func requiredEntitiesCarryTheRightClasses() throws {
        func entity(_ suffix: String) throws -> [String: Any] {
            try #require(messages.first { $0.topic.hasSuffix("chargebridge_car1/\(suffix)/config") }?.object)
        }
        let sessionCost = try entity("session_cost")
        #expect(sessionCost["device_class"] as? String == "monetary" && sessionCost["state_class"] as? String == "total")
        let sessionEnergy = try entity("session_energy")
        #expect(sessionEnergy["device_class"] as? String == "energy" && sessionEnergy["state_class"] as? String == "total_increasing")
        let price = try entity("price")
        #expect(price["unit_of_measurement"] as? String == "EUR/kWh" && price["device_class"] == nil && price["state_class"] as? String == "measurement")
        #expect(try entity("next_start")["device_class"] as? String == "timestamp")
        #expect(try entity("planned_end")["device_class"] as? String == "timestamp")
        #expect(try entity("cost_today")["device_class"] as? String == "monetary")
        #expect(try entity("cost_month")["device_class"] as? String == "monetary")
        #expect(try entity("soc")["device_class"] as? String == "battery")
        #expect(try entity("charging")["device_class"] as? String == "battery_charging")
        #expect(try entity("plugged")["device_class"] as? String == "plug")
    }

    @Test func controlsAreWellFormed() throws {
        for (topic, object) in messages {
            if topic.contains("/binary_sensor/"), let deviceClass = object["device_class"] as? String {
                #expect(Self.binarySensorClasses.contains(deviceClass), "\(topic)")
            }
            if topic.contains("/select/") {
                #expect(object["options"] as? [String] == ["smart", "fast", "solar", "min_solar", "off"])
                #expect((object["command_topic"] as? String)?.hasSuffix("/mode/set") == true)
            }
            if topic.contains("/number/") {
                let low = try #require(object["min"] as? Double)
                let high = try #require(object["max"] as? Double)
                #expect(low < high && (object["step"] as? Double ?? 0) > 0)
                #expect((object["command_topic"] as? String)?.hasSuffix("/target_soc/set") == true)
            }
            if topic.contains("/text/") {
                let pattern = try #require(object["pattern"] as? String)
                #expect("07:30".range(of: pattern, options: .regularExpression) != nil)
                #expect("24:00".range(of: pattern, options: .regularExpression) == nil)
                #expect("7:30".range(of: pattern, options: .regularExpression) == nil)
            }
            if topic.contains("/button/") {
                #expect(object["command_topic"] as? String != nil && object["payload_press"] as? String == "ON")
                #expect(object["state_topic"] == nil)
            }
        }
        // The van's target slider starts at its min_soc.
        let van = try #require(messages.first { $0.topic.hasSuffix("chargebridge_van/target_soc/config") }?.object)
        #expect(van["min"] as? Double == 30)
    }

    @Test func theSiteIsADeviceWithPowerSensorsForWhatItHas() throws {
        var config = try BridgeFixtures.config()
        func site() -> [String: [String: Any]] {
            Dictionary(uniqueKeysWithValues: HomeAssistantDiscovery(config: config, prefix: "homeassistant").siteMessages().map {
                ($0.topic, try! JSONSerialization.jsonObject(with: Data($0.payload.utf8)) as! [String: Any])
            })
        }
        // A limit and no meter: the limit, the house, the chargers and what is available.
        #expect(Set(site().keys) == Set(["limit", "house", "chargers", "available"].map { "homeassistant/sensor/chargebridge_site_home/\($0)/config" }))
        config.location.grid = .init(topic: "meter/grid")
        let all = site()
        #expect(all.count == 6)
        for (topic, object) in all {
            #expect(object["state_topic"] as? String == "chargebridge/site", "\(topic)")
            #expect(object["device_class"] as? String == "power" && object["unit_of_measurement"] as? String == "W", "\(topic)")
            #expect(object["state_class"] as? String == "measurement", "\(topic)")
            #expect((object["device"] as? [String: Any])?["identifiers"] as? [String] == ["chargebridge_site_home"])
            #expect((object["value_template"] as? String)?.contains("value_json.") == true)
        }
        #expect(all["homeassistant/sensor/chargebridge_site_home/grid/config"]?["value_template"] as? String
            == "{{ value_json.grid_w if value_json.grid_w is not none else None }}")
        // Neither a limit nor a meter: no site, no sensors.
        config.location.grid = nil
        config.location.maxPowerW = nil
        #expect(site().isEmpty)
    }

    @Test func homeAssistantComingOnlineGetsTheAnnouncementAgain() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: BridgeFixtures.at("2025-11-17T17:00:00Z"))
        driver.send(.connected)
        let again = driver.message("homeassistant/status", "online")
        #expect(again == [.announceDiscovery])
        #expect(driver.message("homeassistant/status", "offline").isEmpty)
    }

    @Test func aLivePriceSourceGetsADiagnosticStatusSensor() throws {
        let config = try BridgeConfigLoader.parse("""
            broker: {url: "mqtt://127.0.0.1:1883"}
            tariff: {timeZone: Europe/Berlin, currency: EUR, tariffs: [{type: dynamic, currency: EUR}], dynamic: {source: awattar, zone: DE-LU}}
            vehicles: [{id: car1}]
            """, baseDirectory: FileManager.default.temporaryDirectory)
        let messages = HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages()
        #expect(messages.count == 21)
        let sensor = try #require(messages.first { $0.topic == "homeassistant/sensor/chargebridge_car1/price_source/config" })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sensor.payload.utf8)) as? [String: Any])
        #expect(object["state_topic"] as? String == "chargebridge/prices/status")
        #expect(object["json_attributes_topic"] as? String == "chargebridge/prices/status")
        #expect(object["value_template"] as? String == "{{ value_json.state }}")
        #expect(object["entity_category"] as? String == "diagnostic")
    }
}
