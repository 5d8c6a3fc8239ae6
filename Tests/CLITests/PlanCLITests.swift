import Foundation
import Testing
import TestSupport

/// `chargebridge plan` run as a user runs it: the built binary, real tariff files, real prices.
@Suite struct PlanCLITests {
    private let touTariff = CLIRunner.packageRoot.appendingPathComponent("Examples/tariff-tou.json").path

    static let contractRequest = """
    {
      "max_power": {"units": "W", "value": 11000},
      "data": [{
        "device_id": "car1",
        "direction": "IMPORT",
        "start_time": "2025-10-06T17:00:00Z",
        "end_time": "2025-10-07T05:00:00Z",
        "max_power": {"units": "W", "value": 7000},
        "energy": {"units": "WH", "value": 5300, "min_value": 0},
        "continuous": false,
        "precondition_minutes": 0,
        "price_cap": null
      }]
    }
    """

    private func write(_ text: String, name: String = "request.json") throws -> String {
        let path = CLIRunner.temporaryDirectory().appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func contractExampleAsJSON() throws {
        let request = try write(Self.contractRequest)
        let result = try CLIRunner.run(["plan", "--tariff", touTariff, "--request", request, "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["object"] as? String == "schedule")
        #expect(object["currency_code"] as? String == "EUR")
        #expect(object["location_timezone"] as? String == "Europe/Amsterdam")
        #expect((object["tariff"] as? [String: Any])?["value"] as? Double == 1.71826)
        // No chargers: the continuous relaxation is the plan.
        #expect((object["lower_bound"] as? [String: Any])?["value"] as? Double == 1.71826)
        #expect((object["savings"] as? [String: Any])?["percentage"] as? Double == 21.37)
        let device = try #require((object["data"] as? [[String: Any]])?.first)
        let slots = try #require(device["schedule"] as? [[String: Any]])
        #expect(slots.count == 1)
        #expect(slots.first?["end_time"] as? String == "2025-10-07T05:00:00Z")
        #expect((slots.first?["energy"] as? [String: Any])?["value"] as? Double == 5300)
        #expect((device["shortfall"] as? [String: Any])?["value"] as? Double == 0)
    }

    @Test func requestFromStdinAsATable() throws {
        let result = try CLIRunner.run(["plan", "--tariff", touTariff, "--request", "-"], stdin: Self.contractRequest)
        #expect(result.status == 0)
        #expect(result.stdout.contains("car1 (IMPORT) 2025-10-06 19:00:00 +02:00 to 2025-10-07 07:00:00 +02:00: 5.300 kWh in 1 slot, costs 1.7183 EUR"))
        #expect(result.stdout.contains("2025-10-07 06:14:34.286 +02:00  2025-10-07 07:00:00 +02:00  7.000  5.300   0.3242  1.7183"))
    }

    @Test func chartMarksTheChargingSlotsAndSVGIsWritten() throws {
        let request = try write(Self.contractRequest)
        let svg = CLIRunner.temporaryDirectory().appendingPathComponent("plan.svg").path
        let result = try CLIRunner.run(["plan", "--tariff", touTariff, "--request", request, "--format", "chart", "--svg", svg])
        #expect(result.status == 0)
        let charging = result.stdout.split(separator: "\n").filter { $0.contains("⚡") && !$0.contains("charging") }
        #expect(charging.count == 1)
        #expect(charging.first?.contains("23:00-07:00") == true)
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<?xml"))
        #expect(picture.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(picture.contains("car1: 2025-10-07T04:14:34.286Z to 2025-10-07T05:00:00Z, 7000 W"))
        #expect(picture.hasSuffix("</svg>\n"))
    }

    @Test func fleetOnRealPricesStaysUnderTheSiteLimit() throws {
        let folder = CLIRunner.temporaryDirectory()
        let tariff = folder.appendingPathComponent("dynamic.json").path
        try """
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": "\(RepositoryPrices.url(RepositoryPrices.quarterHours).path)", "unit": "EUR/MWh", "charges": 0.12, "vat": 0.19}}
        """.write(toFile: tariff, atomically: true, encoding: .utf8)
        let cars = (0..<4).map { j in
            #"{"device_id": "car\#(j)", "start_time": "2026-01-14T1\#(6 + j):00:00Z", "end_time": "2026-01-15T06:00:00Z", "max_power": {"units": "KW", "value": "11"}, "energy": {"units": "KWH", "value": 30}}"#
        }
        let request = try write(#"{"max_power": {"units": "KW", "value": 22}, "data": [\#(cars.joined(separator: ","))]}"#)
        let result = try CLIRunner.run(["plan", "--tariff", tariff, "--request", request, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let devices = try #require(object["data"] as? [[String: Any]])
        #expect(devices.count == 4)
        var events: [(String, Double)] = []
        for device in devices {
            #expect((device["shortfall"] as? [String: Any])?["value"] as? Double == 0)
            for slot in device["schedule"] as? [[String: Any]] ?? [] {
                let power = (slot["power"] as? [String: Any])?["value"] as? Double ?? 0
                events.append((slot["start_time"] as! String, power))
                events.append((slot["end_time"] as! String, -power))
            }
        }
        // Same-format UTC strings sort chronologically; ends before starts at the same instant.
        events.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var load = 0.0
        for event in events {
            load += event.1
            #expect(load <= 22000 + 1e-3, "site load \(load) W at \(event.0)")
        }
    }

    @Test(arguments: [
        (#""end_time": "2025-10-06T16:00:00Z", "max_power": {"value": 7000}, "energy": {"value": 1}"#, "data[0].end_time"),
        (#""end_time": "2025-10-07T05:00:00Z", "max_power": {"value": 7000}, "energy": {"value": -1}"#, "data[0].energy.value"),
        (#""end_time": "2025-10-07T05:00:00Z", "max_power": {"units": "HP", "value": 7}, "energy": {"value": 1}"#, "data[0].max_power.units"),
        (#""end_time": "2025-10-07T05:00:00Z", "max_power": {"value": "fast"}, "energy": {"value": 1}"#, "data[0].max_power.value"),
        (#""end_time": "2025-10-07T05:00:00Z", "max_power": {"value": 7000}, "energy": {"units": "J", "value": 1}"#, "data[0].energy.units"),
    ])
    func badRequestsExitOneNamingTheField(fields: String, field: String) throws {
        let request = try write(#"{"data": [{"device_id": "car1", "start_time": "2025-10-06T17:00:00Z", \#(fields)}]}"#)
        let result = try CLIRunner.run(["plan", "--tariff", touTariff, "--request", request])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("chargebridge: \(request): \(field): "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func windowWithoutPricesExitsOne() throws {
        let dynamic = CLIRunner.packageRoot.appendingPathComponent("Examples/tariff-dynamic.yaml").path
        let request = try write(Self.contractRequest.replacingOccurrences(of: "2025-10-0", with: "2019-10-0"))
        let result = try CLIRunner.run(["plan", "--tariff", dynamic, "--request", request])
        #expect(result.status == 1)
        #expect(result.stderr == "chargebridge: \(request): data[0]: the tariff has no prices for 2019-10-06T17:00:00Z to 2019-10-07T05:00:00Z\n")
    }

    @Test func windowPartlyBeyondThePricesWarnsAndReportsShortfall() throws {
        let dynamic = CLIRunner.packageRoot.appendingPathComponent("Examples/tariff-dynamic.yaml").path
        // The example prices end 2026-05-31T22:00Z and the forecast covers 7 local days more:
        // the hour before 2026-06-07T22:00Z is forecast, the rest of the night has no price.
        let request = try write(#"{"data": [{"device_id": "car1", "start_time": "2026-06-07T21:00:00Z", "end_time": "2026-06-08T06:00:00Z", "max_power": {"units": "KW", "value": 11}, "energy": {"units": "KWH", "value": 20}}]}"#)
        let result = try CLIRunner.run(["plan", "--tariff", dynamic, "--request", request, "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stderr == "chargebridge: warning: no IMPORT price is known for 2026-06-07T22:00:00Z-2026-06-08T06:00:00Z; nothing is planned there\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let device = try #require((object["data"] as? [[String: Any]])?.first)
        #expect((device["energy"] as? [String: Any])?["value"] as? Double == 11000)
        #expect((device["shortfall"] as? [String: Any])?["value"] as? Double == 9000)
        // Planned on forecast prices: the schedule says how sure its cost is.
        #expect(((device["tariff"] as? [String: Any])?["confidence"] as? Double ?? 1) < 1)
    }

    /// `plan --name value ...` is read without ArgumentParser (`PlanCommand.direct`), the
    /// `--name=value` form by ArgumentParser: both give the same output, errors and exit code, with
    /// every option set (an option the direct reader missed would stop the process).
    @Test(arguments: ["json", "table", "chart"])
    func directReadingMatchesArgumentParser(format: String) throws {
        let folder = CLIRunner.temporaryDirectory()
        let request = try write(Self.contractRequest)
        let bad = try write(Self.contractRequest.replacingOccurrences(of: "\"WH\"", with: "\"J\""), name: "bad.json")
        let dynamic = CLIRunner.packageRoot.appendingPathComponent("Examples/tariff-dynamic.yaml").path
        let beyond = try write(#"{"data": [{"device_id": "car1", "start_time": "2026-06-07T21:00:00Z", "end_time": "2026-06-08T06:00:00Z", "max_power": {"units": "KW", "value": 11}, "energy": {"units": "KWH", "value": 20}}]}"#, name: "beyond.json")
        let ledger = folder.appendingPathComponent("absent.sqlite").path
        let cases: [(tariff: String, request: String, extra: [(String, String)])] = [
            (touTariff, request, []),
            (touTariff, bad, []),
            (dynamic, beyond, [("--ledger", ledger)]),
            (touTariff, "/nonexistent/request.json", []),
            ("/nonexistent/tariff.json", request, []),
            (touTariff, request, [("--svg", folder.appendingPathComponent("plan-\(format).svg").path)]),
        ]
        for (index, entry) in cases.enumerated() {
            let options = [("--tariff", entry.tariff), ("--request", entry.request), ("--format", format)] + entry.extra
            let direct = try CLIRunner.run(["plan"] + options.flatMap { [$0.0, $0.1] })
            let svg = folder.appendingPathComponent("plan-\(format).svg")
            let directPicture = try? Data(contentsOf: svg)
            try? FileManager.default.removeItem(at: svg)
            let parsed = try CLIRunner.run(["plan"] + options.map { "\($0.0)=\($0.1)" })
            #expect(direct.status == parsed.status, "case \(index)")
            #expect(direct.stdout == parsed.stdout, "case \(index)")
            #expect(direct.stderr == parsed.stderr, "case \(index)")
            #expect(directPicture == (try? Data(contentsOf: svg)), "case \(index)")
        }
    }

    @Test func missingRequestIsAUsageError() throws {
        let result = try CLIRunner.run(["plan", "--tariff", touTariff])
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }
}

/// `Examples/plan-request-chargers.json`: four vehicles with chargers of every kind under an
/// 11 kW connection on the night of 2026-05-20 (real day-ahead prices).
@Suite struct PlanChargersCLITests {
    @Test func everySlotIsDrawableAndTheLimitHoldsInEverySlot() throws {
        let root = CLIRunner.packageRoot
        let requestPath = root.appendingPathComponent("Examples/plan-request-chargers.json").path
        let tariff = root.appendingPathComponent("Examples/tariff-dynamic.yaml").path
        let result = try CLIRunner.run(["plan", "--tariff", tariff, "--request", requestPath, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let request = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: requestPath))) as? [String: Any])
        let limit = try #require((request["max_power"] as? [String: Any])?["value"] as? Double)
        let asked = try #require(request["data"] as? [[String: Any]])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let devices = try #require(object["data"] as? [[String: Any]])
        #expect(devices.count == asked.count)
        var events: [(Double, Double)] = []
        func instant(_ text: Any?) throws -> Double {
            let plain = ISO8601DateFormatter()
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let string = try #require(text as? String)
            return try #require(plain.date(from: string) ?? fractional.date(from: string)).timeIntervalSince1970
        }
        for (device, ask) in zip(devices, asked) {
            let id = device["device_id"] as? String ?? "?"
            let charger = try #require(ask["charger"] as? [String: Any])
            let phases = charger["phases"] as? Double ?? 3
            let maxPower = try #require((ask["max_power"] as? [String: Any])?["value"] as? Double)
                * ((ask["max_power"] as? [String: Any])?["units"] as? String == "KW" ? 1000 : 1)
            #expect((device["shortfall"] as? [String: Any])?["value"] as? Double == 0, "\(id)")
            let slots = try #require(device["schedule"] as? [[String: Any]])
            #expect(!slots.isEmpty, "\(id)")
            for slot in slots {
                let power = try #require((slot["power"] as? [String: Any])?["value"] as? Double)
                // What each kind can draw (docs/schedules.md), worked out here from the request.
                switch charger["kind"] as? String {
                case "current":
                    let amps = power / 230 / phases
                    let low = charger["min_current_a"] as? Double ?? 6
                    let high = charger["max_current_a"] as? Double ?? 32
                    #expect(abs(amps - amps.rounded()) < 1e-6 && amps >= low - 1e-9 && amps <= high + 1e-9, "\(id): \(power) W")
                case "switch":
                    #expect(abs(power - maxPower) < 1e-3, "\(id): \(power) W, not its full \(maxPower) W")
                default:
                    let low = (charger["min_power"] as? [String: Any])?["value"] as? Double ?? 0
                    #expect(power >= low - 1e-3 && power <= maxPower + 1e-3, "\(id): \(power) W")
                }
                events.append((try instant(slot["start_time"]), power))
                events.append((try instant(slot["end_time"]), -power))
            }
        }
        // Chronologically (the output's instants are exact to the millisecond); ends before starts at one instant.
        events.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var load = 0.0
        for event in events {
            load += event.1
            #expect(load <= limit + 1e-3, "\(load) W at \(event.0)")
        }
        let bound = try #require((object["lower_bound"] as? [String: Any])?["value"] as? Double)
        let cost = try #require((object["tariff"] as? [String: Any])?["value"] as? Double)
        #expect(bound <= cost && cost <= bound * 1.01, "cost \(cost), lower bound \(bound)")
    }
}
