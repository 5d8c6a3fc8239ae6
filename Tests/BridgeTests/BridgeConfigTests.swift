import Foundation
import Planning
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

    @Test func chargerKindsAndDefaultsFollowSectionEight() throws {
        let config = try BridgeFixtures.config(vehicles: """
          - id: plain
            max_power_w: 7400
          - id: wallbox
            max_power_w: 11000
            phases: 3
            topics: {command_power: '{"current": {current_a}}'}
          - id: evse
            phases: 1
            max_current_a: 32
            topics: {command_power: '{"state": "active", "charge_current": {current_a}}'}
          - id: stepped
            phases: 3
            min_current_a: 8
            max_current_a: 16
            current_step_a: 2
            max_power_w: 11040
            topics: {command_power: '{"current": {current_a}}'}
          - id: limited
            max_power_w: 11000
            topics: {command_power: '{"power": {power_w}}'}
          - id: oneamp
            phases: 1
            min_current_a: 10
            max_power_w: 3680
            topics: {command_power: '{power_w}'}
          - id: floor
            min_power_w: 1500
            max_power_w: 3000
            topics: {command_power: '{power_w}'}
        """)
        let chargers = Dictionary(uniqueKeysWithValues: config.vehicles.map { ($0.id, $0.charger) })
        // No command_power: a switch, 0 or its full max_power_w.
        #expect(chargers["plain"] == .switched(powerW: 7400, phases: 3))
        // {current_a}: 6 A up to max_power_w / 230 / phases in whole amps (11000 / 690 = 15.9: 15 A).
        #expect(chargers["wallbox"] == .current(phases: 3, minCurrentA: 6, maxCurrentA: 15, stepA: 1))
        #expect(chargers["wallbox"]?.maxPowerW == 10_350)
        #expect(chargers["wallbox"]?.minPowerW == 4_140)
        // max_current_a without max_power_w: the vehicle draws at most what 32 A on one phase draws.
        #expect(chargers["evse"] == .current(phases: 1, minCurrentA: 6, maxCurrentA: 32, stepA: 1))
        #expect(config.vehicles[2].maxPowerW == 7_360)
        #expect(chargers["stepped"]?.steps == [5_520, 6_900, 8_280, 9_660, 11_040])
        // {power_w}: min_power_w defaults to min_current_a x 230 V x phases.
        #expect(chargers["limited"] == .power(minPowerW: 4_140, maxPowerW: 11_000, phases: 3))
        #expect(chargers["oneamp"] == .power(minPowerW: 2_300, maxPowerW: 3_680, phases: 1))
        #expect(chargers["floor"] == .power(minPowerW: 1_500, maxPowerW: 3_000, phases: 3))
    }

    @Test(arguments: [
        ("  - id: car1\n    phases: 3\n    min_current_a: 20\n    max_current_a: 16\n    topics: {command_power: '{current_a}'}",
         "vehicles[0].min_current_a (20 A) must not be above max_current_a (16 A)"),
        ("  - id: car1\n    phases: 3\n    current_step_a: 4\n    max_current_a: 16\n    topics: {command_power: '{current_a}'}",
         "vehicles[0].current_step_a (4 A) must divide max_current_a - min_current_a (10 A) into whole steps"),
        ("  - id: car1\n    topics: {command_power: '{\"current\": {current_a}}'}",
         "vehicles[0].phases is required with {current_a} in command_power (1 or 3: the current is per phase)"),
        ("  - id: car1\n    phases: 1\n    max_power_w: 7000\n    max_current_a: 32\n    topics: {command_power: '{current_a}'}",
         "vehicles[0].max_current_a (32 A x 230 V x 1 = 7360 W) must not draw more than max_power_w (7000 W)"),
        ("  - id: car1\n    phases: 3\n    max_power_w: 3000\n    topics: {command_power: '{current_a}'}",
         "vehicles[0].max_power_w (3000 W) is below what the charger draws at min_current_a (6 A x 230 V x 3 = 4140 W)"),
        ("  - id: car1\n    min_power_w: 5000\n    max_power_w: 4000\n    topics: {command_power: '{power_w}'}",
         "vehicles[0].min_power_w (5000 W) must not be above max_power_w (4000 W)"),
        ("  - id: car1\n    min_current_a: -2\n    phases: 3\n    topics: {command_power: '{current_a}'}",
         "vehicles[0].min_current_a must be a positive number"),
        ("  - id: car1\n    max_current_a: 16",
         "vehicles[0].max_current_a applies only to a charger told a current or a power (command_power); without command_power the charger is only switched on and off at max_power_w"),
        ("  - id: car1\n    phases: 3\n    min_power_w: 2000\n    topics: {command_power: '{current_a}'}",
         "vehicles[0].min_power_w applies only to a charger told a power ({power_w}); a current charger's minimum is min_current_a x 230 V x phases"),
        ("  - id: car1\n    current_step_a: 2\n    topics: {command_power: '{power_w}'}",
         "vehicles[0].current_step_a applies only to a charger told a current ({current_a} in command_power)"),
        ("  - id: car1\n    min_current_a: 6\n    max_curent_a: 16",
         "vehicles[0].max_curent_a is not a known key (did you mean max_current_a?)"),
    ])
    func chargerErrorsNameTheKey(vehicles: String, expected: String) {
        #expect(throws: ConfigError.self) { try BridgeFixtures.config(vehicles: vehicles) }
        do {
            _ = try BridgeFixtures.config(vehicles: vehicles)
        } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test func gridMeterIsParsed() throws {
        #expect(try BridgeFixtures.config(vehicles: "  - id: car1").location.grid == nil)
        let plain = try BridgeFixtures.config(vehicles: "  - id: car1", location: "max_power_w: 11000\n  grid: {topic: meter/grid}")
        #expect(plain.location.grid == .init(topic: "meter/grid", path: nil, scale: 1, exportPositive: false))
        let full = try BridgeFixtures.config(vehicles: "  - id: car1", location: """
        max_power_w: 11000
          grid:
            topic: shellies/em/emeter
            path: $.total_power
            units: kW
            export_positive: true
        """)
        #expect(full.location.grid == .init(topic: "shellies/em/emeter", path: "$.total_power", scale: 1000, exportPositive: true))
    }

    @Test(arguments: [
        ("max_power_w: 11000\n  grid: {path: $.power}", "location.grid.topic is required: the topic the meter publishes its power on (W now, import positive)"),
        ("max_power_w: 11000\n  grid: {topic: 'meter/+'}", "location.grid.topic 'meter/+' must be a plain MQTT topic without wildcards"),
        ("max_power_w: 11000\n  grid: {topic: meter/grid, units: MW}", "location.grid.units 'MW' must be W or kW"),
        ("max_power_w: 11000\n  grid: {topic: meter/grid, path: 'power now'}", "location.grid.path 'power now' must be a JSON path such as $.power"),
        ("max_power_w: 11000\n  grid: {topic: meter/grid, export_positiv: true}", "location.grid.export_positiv is not a known key (did you mean export_positive?)"),
        ("max_power_w: 11000\n  grid: meter/grid", "location.grid must be a mapping with at least a topic, e.g. {topic: meter/grid}"),
        ("max_power_w: 11000\n  grid: {topic: meter/grid, export_positive: maybe}", "location.grid.export_positive must be true or false"),
    ])
    func gridMeterErrorsNameTheKey(location: String, expected: String) {
        do {
            _ = try BridgeFixtures.config(vehicles: "  - id: car1", location: location)
            Issue.record("expected: \(expected)")
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
