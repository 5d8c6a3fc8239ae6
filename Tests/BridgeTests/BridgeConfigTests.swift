import Foundation
import Testing
@testable import Bridge

@Suite struct BridgeConfigTests {
    @Test func defaultsFollowTheContract() throws {
        let config = try BridgeFixtures.config(vehicles: "  - id: car1")
        #expect(config.broker.host == "127.0.0.1")
        #expect(config.broker.port == 1883)
        #expect(config.broker.clientId == "chargebridge")
        #expect(config.broker.protocolVersion == .v5)
        #expect(config.baseTopic == "chargebridge")
        #expect(config.discovery?.prefix == "homeassistant")
        let car = try #require(config.vehicles.first)
        #expect(car.name == "car1")
        #expect(car.efficiency == 0.9)
        #expect(car.readyBy.description == "07:00")
        #expect(car.targetSoc == 80)
        #expect(car.topics.plug.topic == "chargebridge/car1/plug")
        #expect(car.topics.readyBySet == "chargebridge/car1/ready_by/set")
        #expect(car.topics.costToday == "chargebridge/car1/cost/today")
        #expect(car.topics.energy == nil)
        #expect(config.databasePath.hasSuffix("/test.sqlite"))
    }

    @Test func logLevelIsReadAndChecked() throws {
        #expect(try BridgeFixtures.config(vehicles: "  - id: car1").logLevel == nil)
        #expect(try BridgeFixtures.config(vehicles: "  - id: car1", extra: "log_level: Debug").logLevel == .debug)
        #expect(throws: ConfigError.self) { try BridgeFixtures.config(vehicles: "  - id: car1", extra: "log_level: loud") }
        do {
            _ = try BridgeFixtures.config(vehicles: "  - id: car1", extra: "log_level: loud")
        } catch {
            #expect("\(error)" == "log_level 'loud' must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    @Test(arguments: [
        ("  - id: car1\n    capacity_wh: -5", "vehicles[0].capacity_wh must be a positive number"),
        ("  - id: car1\n    capacity_wh: lots", "vehicles[0].capacity_wh must be a positive number"),
        ("  - id: car1\n    target_soc: 140", "vehicles[0].target_soc must be a percentage from 0 to 100"),
        ("  - id: car1\n    min_soc: 90", "vehicles[0].min_soc (90.0) must not be above target_soc (80.0)"),
        ("  - id: car1\n    ready_by: '7am'", "vehicles[0].ready_by '7am' must be a local time HH:MM such as 07:00"),
        ("  - id: car1\n  - id: car1", "vehicles[1].id 'car1' is used by another vehicle; ids must be unique"),
        ("  - id: my car", "vehicles[0].id 'my car' may hold only letters, digits, '_' and '-' (it is used in topics)"),
        ("  - name: nameless", "vehicles[0].id is required"),
        ("  - id: car1\n    capacity: 5", "vehicles[0].capacity is not a known key (did you mean capacity_wh?)"),
        ("  - id: car1\n    topics: {soc: 'car/#'}", "vehicles[0].topics.soc 'car/#' must be a plain MQTT topic without wildcards"),
        ("  - id: car1\n    topics: {soc_path: 'battery level'}", "vehicles[0].topics.soc_path 'battery level' must be a JSON path such as $.battery.level"),
    ])
    func vehicleErrorsNameTheKey(vehicles: String, expected: String) {
        #expect(throws: ConfigError.self) { try BridgeFixtures.config(vehicles: vehicles) }
        do {
            _ = try BridgeFixtures.config(vehicles: vehicles)
        } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test func passwordFromEnvironmentNeverShows() throws {
        let text = """
        broker: {url: "mqtts://broker.local", username: bridge, password_env: MQTT_PASSWORD}
        tariff: {timeZone: UTC, currency: EUR, tariffs: [{type: standard, currency: EUR, price: 0.3}]}
        vehicles: [{id: car1}]
        """
        let config = try BridgeConfigLoader.parse(text, baseDirectory: URL(fileURLWithPath: "/tmp"), environment: ["MQTT_PASSWORD": "hunter2"])
        #expect(config.broker.password?.revealed == "hunter2")
        #expect(config.broker.port == 8883)
        #expect(!"\(config)".contains("hunter2"))
        #expect(!String(reflecting: config).contains("hunter2"))
        do {
            _ = try BridgeConfigLoader.parse(text, baseDirectory: URL(fileURLWithPath: "/tmp"), environment: [:])
            Issue.record("an unset variable must fail")
        } catch {
            #expect("\(error)" == "broker.password_env names the environment variable MQTT_PASSWORD, which is not set")
        }
    }

    @Test func passwordFileIsReadAndTrimmed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "s3cret\n".write(to: folder.appendingPathComponent("mqtt.pw"), atomically: true, encoding: .utf8)
        let config = try BridgeConfigLoader.parse("""
        broker: {url: "mqtt://127.0.0.1:1884", username: bridge, password_file: mqtt.pw}
        tariff: {timeZone: UTC, currency: EUR, tariffs: [{type: standard, currency: EUR, price: 0.3}]}
        vehicles: [{id: car1}]
        """, baseDirectory: folder)
        #expect(config.broker.password?.revealed == "s3cret")
        #expect(config.broker.port == 1884)
    }

    @Test(arguments: [
        ("broker: {url: 'http://x'}", "broker.url 'http://x' must look like mqtt://host:1883 or mqtts://host:8883"),
        ("broker: {url: 'mqtt://u:pw@x'}", "broker.url must not hold credentials; use broker.username and password_env or password_file"),
        ("broker: {url: 'mqtt://x', protocol: 4.0.0}", "broker.protocol must be 5 or 3.1.1"),
        ("broker: {url: 'mqtt://x', password: a}", "broker.username is required when a password is given"),
        ("broker: {client_id: x}", "broker.url is required, e.g. mqtt://127.0.0.1:1883"),
    ])
    func brokerErrorsNameTheKey(broker: String, expected: String) {
        do {
            _ = try BridgeConfigLoader.parse("""
            \(broker)
            tariff: {timeZone: UTC, currency: EUR, tariffs: [{type: standard, currency: EUR, price: 0.3}]}
            vehicles: [{id: car1}]
            """, baseDirectory: URL(fileURLWithPath: "/tmp"))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == expected)
            #expect(!"\(error)".contains(":pw@"))
        }
    }

    @Test func tariffErrorsAreNamedUnderTheTariffKey() {
        do {
            _ = try BridgeConfigLoader.parse("""
            broker: {url: 'mqtt://x'}
            tariff: {timeZone: UTC, currency: EUR, tariffs: [{type: peak, currency: EUR, price: 0.3}, {type: offPeak, currency: EUR, price: 0.2}],
                     tariffIntervals: [{daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "00:00", endTime: "22:00", tariffType: peak}]}
            vehicles: [{id: car1}]
            """, baseDirectory: URL(fileURLWithPath: "/tmp"))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "tariff is not valid: tariffIntervals: monday 22:00-24:00 is not covered")
        }
    }

    @Test func theDocumentedExampleConfigLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try BridgeConfigLoader.load(path: root.appendingPathComponent("Config/chargebridge.yaml").path, environment: ["MQTT_PASSWORD": "x"])
        #expect(config.vehicles.count >= 1)
        #expect(config.location.maxPowerW == 11000)
    }
}
