import Foundation
import Testing
@testable import Planning
import Tariffs

/// The schedule request JSON (docs/schedules.md), and its errors naming the field.
struct RequestDecodingTests {
    static let contractExample = """
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

    func decode(_ text: String) throws -> ChargeRequest {
        try ChargeRequest.decode(json: Data(text.utf8))
    }

    func error(_ text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch let error as PlanningError {
            return error.description
        } catch {
            return "unexpected \(error)"
        }
    }

    /// One device with `fields` spliced in after the window.
    func device(_ fields: String, site: String = "") -> String {
        """
        {\(site)"data": [{"device_id": "car1", "start_time": "2025-10-06T17:00:00Z", "end_time": "2025-10-07T05:00:00Z"\(fields)}]}
        """
    }

    @Test func decodesTheContractExample() throws {
        let request = try decode(Self.contractExample)
        #expect(request.sitePowerW == 11000)
        let car = try #require(request.devices.first)
        #expect(car.deviceId == "car1")
        #expect(car.direction == .import)
        #expect(car.start == at("2025-10-06T17:00:00Z"))
        #expect(car.end == at("2025-10-07T05:00:00Z"))
        #expect(car.maxPowerW == 7000)
        #expect(car.energyWh == 5300)
        #expect(car.minEnergyWh == 0)
        #expect(!car.continuous)
        #expect(car.priceCapPerKWh == nil)
    }

    @Test func powersMayBeStringsInKilowattsAndEnergyInKilowattHours() throws {
        let request = try decode(device(#", "max_power": {"units": "KW", "value": "7.4"}, "energy": {"units": "kWh", "value": "10", "min_value": 2}, "price_cap": "0.25", "precondition_minutes": 15, "continuous": true"#))
        let car = request.devices[0]
        #expect(abs(car.maxPowerW - 7400) < 1e-9)
        #expect(car.energyWh == 10000)
        #expect(car.minEnergyWh == 2000)
        #expect(car.priceCapPerKWh == 0.25)
        #expect(car.preconditionMinutes == 15)
        #expect(car.continuous)
    }

    @Test func batteryGivesTheEnergyFromTheGrid() throws {
        let request = try decode(device(#", "max_power": {"units": "W", "value": 11000}, "battery": {"capacity_wh": 60000, "soc": 20, "target_soc": 80}"#))
        #expect(abs(request.devices[0].energyWh - 60000 * 0.6 / 0.9) < 1e-9)
        let full = try decode(device(#", "max_power": {"units": "W", "value": 11000}, "battery": {"capacity_wh": 60000, "soc": 90, "target_soc": 80, "efficiency": 0.95}"#))
        #expect(full.devices[0].energyWh == 0)
    }

    @Test func deviceWithoutMaxPowerUsesTheLocationLimit() throws {
        let request = try decode(device(#", "energy": {"units": "WH", "value": 1000}"#, site: #""max_power": {"units": "KW", "value": 11}, "#))
        #expect(request.devices[0].maxPowerW == 11000)
        #expect(request.sitePowerW == 11000)
    }

    @Test(arguments: [
        (#", "end_time": "2025-10-06T16:00:00Z", "max_power": {"value": 7000}, "energy": {"value": 1}"#,
         "data[0].end_time: 2025-10-06T16:00:00Z is not after start_time 2025-10-06T17:00:00Z"),
        (#", "max_power": {"value": 7000}, "energy": {"units": "WH", "value": -5}"#,
         "data[0].energy.value: -5.0 Wh is negative"),
        (#", "max_power": {"units": "MW", "value": 7}, "energy": {"value": 1}"#,
         "data[0].max_power.units: 'MW' is not W or KW"),
        (#", "max_power": {"units": "W", "value": "lots"}, "energy": {"value": 1}"#,
         "data[0].max_power.value: 'lots' is not a number"),
        (#", "max_power": {"units": "W", "value": true}, "energy": {"value": 1}"#,
         "data[0].max_power.value: true is not a number"),
        (#", "max_power": {"value": 7000}, "energy": {"units": "MWH", "value": 1}"#,
         "data[0].energy.units: 'MWH' is not WH or KWH"),
        (#", "max_power": {"value": 7000}"#,
         "data[0]: needs either energy or battery"),
        (#", "energy": {"value": 1}"#,
         "data[0].max_power: missing, and the request has no location max_power either"),
        (#", "max_power": {"value": 7000}, "energy": {"value": 1}, "start_time": "tomorrow""#,
         "data[0].start_time: 'tomorrow' is not an ISO 8601 instant with an offset or Z"),
        (#", "max_power": {"value": 7000}, "energy": {"value": 1, "min_value": -1}"#,
         "data[0].energy.min_value: -1.0 Wh is negative"),
        (#", "max_power": {"value": 7000}, "battery": {"capacity_wh": 60000, "soc": 120, "target_soc": 80}"#,
         "data[0].battery.soc: 120.0 is not a percentage 0-100"),
        (#", "max_power": {"value": 7000}, "energy": {"value": 1}, "direction": "SIDEWAYS""#,
         "data[0].direction: 'SIDEWAYS' is not IMPORT or EXPORT"),
        (#", "max_power": {"value": 0}, "energy": {"value": 1}"#,
         "data[0].max_power.value: 0.0 W is not a positive power"),
    ])
    func badRequestsNameTheField(fields: String, message: String) {
        // Later keys win in JSONSerialization, so a field given twice overrides the default.
        #expect(error(device(fields)) == message)
    }

    @Test func structuralErrorsNameTheField() {
        #expect(error("[]") == "request: the top level is not a JSON object")
        #expect(error("{}") == "data: missing or not an array of devices")
        #expect(error(#"{"data": []}"#) == "data: the request has no devices")
        #expect(error("{nope") != nil)
        #expect(error(#"{"max_power": {"units": "W", "value": -1}, "data": []}"#) == "max_power.value: -1.0 W is not a positive power")
    }
}
