import Foundation
import Testing
import TestSupport

/// `chargebridge config check FILE` on the real binary (docs/command-line.md).
@Suite struct ConfigCLITests {
    private let examples = CLIRunner.packageRoot.appendingPathComponent("Examples")

    @Test func theGoEExampleIsDescribed() throws {
        let path = examples.appendingPathComponent("chargers/go-e.yaml").path
        let result = try ChargeBridgeBinary.run(["config", "check", path], environment: ["MQTT_PASSWORD": "x"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let out = result.stdout
        #expect(out.hasPrefix("\(path): ok\n"))
        #expect(out.contains("vehicle ev (Electric car): a current charger: off or 6-16 A in steps of 1 A on 3 phases (4140-11040 W)"))
        #expect(out.contains("reads plug:    go-eCharger/012345/car (the bare payload)"))
        #expect(out.contains("plug values: connected: 2, 3, 4; disconnected: 1; unknown: null, 0, 5, anything else"))
        #expect(out.contains("reads power:   go-eCharger/012345/nrg at $[11] in W"))
        #expect(out.contains("reads energy:  go-eCharger/012345/eto (the bare payload) in Wh"))
        #expect(out.contains("reads result:  go-eCharger/012345/amp/result"))
        #expect(out.contains("sends limit:   go-eCharger/012345/amp/set <- {current_a} ({current_a} in whole amperes, rounded down)"))
        #expect(out.contains("sends on/off:  go-eCharger/012345/frc/set <- on '2', off '1'"))
    }

    @Test func everyProblemIsReportedAtOnceWithItsKey() throws {
        let folder = CLIRunner.temporaryDirectory()
        let path = folder.appendingPathComponent("bad.yaml").path
        try """
        broker: {url: "mqtt://127.0.0.1:1883"}
        tariff: \(examples.appendingPathComponent("tariff-tou.json").path)
        log_level: loud
        vehicles:
          - id: car1
            efficiency: 1.5
            topics: {plug_path: "$[", power_units: MW, command_power_topic: x/amp/set}
          - id: car2
            capacity_wh: -3
            topics: {plug_conected: [2]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try ChargeBridgeBinary.run(["config", "check", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let expected = [
            "vehicles[0].efficiency must be a fraction between 0 and 1, such as 0.9",
            "vehicles[0].topics.plug_path '$[' must be a JSON path such as $.battery.level",
            "vehicles[0].topics.power_units must be W or kW",
            "vehicles[0].topics.command_power_topic needs command_power (the payload that goes there, with {current_a} or {power_w})",
            "vehicles[1].capacity_wh must be a positive number",
            "vehicles[1].topics.plug_conected is not a known key (did you mean plug_connected?)",
            "log_level 'loud' must be one of trace, debug, info, notice, warning, error, critical",
        ]
        for problem in expected {
            #expect(lines.contains("chargebridge: \(path): \(problem)"), "missing: \(problem)\n\(result.stderr)")
        }
        #expect(lines.count == expected.count + 1, "\(result.stderr)")
        #expect(lines.last == "chargebridge: \(path): 7 problems")
    }

    @Test func aReadableSecretIsAWarningNotAProblem() throws {
        let folder = CLIRunner.temporaryDirectory()
        let path = folder.appendingPathComponent("open.yaml").path
        try """
        broker: {url: "mqtt://127.0.0.1:1883", username: bridge, password: hunter2}
        tariff: \(examples.appendingPathComponent("tariff-tou.json").path)
        vehicles: [{id: car1}]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let result = try ChargeBridgeBinary.run(["config", "check", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("vehicle car1 (car1): a switch charger: off or 11000 W"))
        #expect(result.stdout.contains("reads energy:  none (energy is power integrated over time)"))
        #expect(result.stdout.contains("sends:         chargebridge/car1/command <- start 'start', stop 'stop'"))
        #expect(result.stderr.hasPrefix("chargebridge: warning: \(path) holds a secret (broker.password)"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func aMissingFileIsOneProblem() throws {
        let result = try ChargeBridgeBinary.run(["config", "check", "/nonexistent/chargebridge.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr == "chargebridge: /nonexistent/chargebridge.yaml: does not exist\nchargebridge: /nonexistent/chargebridge.yaml: 1 problem\n")
    }
}
