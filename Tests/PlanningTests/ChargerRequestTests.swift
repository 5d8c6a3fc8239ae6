import Foundation
import Testing
@testable import Planning

/// A device's `charger` in the plan request (docs/schedules.md): the bridge's defaults, and
/// errors that name the key.
struct ChargerRequestTests {
    func request(_ charger: String, maxPower: String = #"{"units": "KW", "value": 11}"#) -> String {
        """
        {"max_power": {"units": "W", "value": 11000}, "data": [{"device_id": "a", "start_time": "2026-05-20T18:00:00Z",
         "end_time": "2026-05-21T05:00:00Z", "max_power": \(maxPower), "energy": {"units": "KWH", "value": 30},
         "charger": \(charger)}]}
        """
    }

    func decode(_ text: String) throws -> ChargeRequest {
        try ChargeRequest.decode(json: Data(text.utf8))
    }

    func error(_ text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return (error as? PlanningError)?.description ?? "unexpected \(error)"
        }
    }

    @Test func currentChargerDefaultsFollowTheBridge() throws {
        let charger = try #require(try decode(request(#"{"kind": "current"}"#)).devices[0].charger)
        // 11 kW on 3 phases: whole amps at or under it, 15 A; 6 A minimum; 1 A steps.
        #expect(charger == .current(phases: 3, minCurrentA: 6, maxCurrentA: 15, stepA: 1))
        let single = try #require(try decode(request(
            #"{"kind": "CURRENT", "phases": 1, "min_current_a": 8, "max_current_a": 32, "current_step_a": 0.5}"#,
            maxPower: #"{"units": "W", "value": 7360}"#)).devices[0].charger)
        #expect(single == .current(phases: 1, minCurrentA: 8, maxCurrentA: 32, stepA: 0.5))
    }

    @Test func switchAndPowerChargers() throws {
        let switched = try #require(try decode(request(#"{"kind": "switch", "phases": 1}"#)).devices[0].charger)
        #expect(switched == .switched(powerW: 11000, phases: 1))
        let power = try #require(try decode(request(#"{"kind": "power", "min_power": {"units": "KW", "value": "1.4"}}"#)).devices[0].charger)
        #expect(power == .power(minPowerW: 1400, maxPowerW: 11000))
        let byDefault = try #require(try decode(request(#"{"kind": "power", "phases": 1}"#)).devices[0].charger)
        #expect(byDefault == .power(minPowerW: 1380, maxPowerW: 11000, phases: 1))
        #expect(try decode(request("null")).devices[0].charger == nil)
    }

    @Test(arguments: [
        (#"{"kind": "dimmer"}"#, "data[0].charger.kind: 'dimmer' is not one of switch, current, power"),
        (#"{"phases": 3}"#, "data[0].charger.kind: missing (switch, current, power)"),
        (#""current""#, "data[0].charger: not an object with kind (switch, current or power)"),
        (#"{"kind": "current", "phases": 2}"#, "data[0].charger.phases: 2 is not 1 or 3"),
        (#"{"kind": "current", "min_current_a": 10, "max_current_a": 8}"#,
         "data[0].charger.min_current_a: (10 A) must not be above max_current_a (8 A)"),
        (#"{"kind": "current", "max_current_a": 16, "current_step_a": 3}"#,
         "data[0].charger.current_step_a: (3 A) must divide max_current_a - min_current_a (10 A) into whole steps"),
        (#"{"kind": "current", "current_step_a": 0}"#, "data[0].charger.current_step_a: must be above 0 A"),
        (#"{"kind": "current", "current_step_a": "one"}"#, "data[0].charger.current_step_a: 'one' is not a number"),
        (#"{"kind": "power", "min_power": {"units": "KW", "value": 12}}"#,
         "data[0].charger.min_power: (12000 W) must not be above max_power (11000 W)"),
        (#"{"kind": "power", "min_power": {"units": "MW", "value": 1}}"#, "data[0].charger.min_power.units: 'MW' is not W or KW"),
        (#"{"kind": "switch", "min_current_a": 6}"#, "data[0].charger.min_current_a: applies to kind current only, not switch"),
        (#"{"kind": "current", "min_power": {"value": 1000}}"#, "data[0].charger.min_power: applies to kind power only, not current"),
        (#"{"kind": "current", "min_current_a": 20, "max_current_a": 32}"#,
         "data[0].charger.min_current_a: its least power (13800 W) is above the device's max_power (11000 W)"),
    ])
    func badChargersNameTheKey(charger: String, message: String) {
        #expect(error(request(charger)) == message)
    }

    @Test func validateChecksAChargerGivenInCode() {
        let device = DeviceRequest(deviceId: "a", start: at("2026-05-20T18:00:00Z"), end: at("2026-05-21T05:00:00Z"),
                                   maxPowerW: 11000, energyWh: 1000, charger: .current(phases: 3, maxCurrentA: 16, stepA: 4))
        #expect(throws: PlanningError("data[0].charger.current_step_a: (4 A) must divide max_current_a - min_current_a (10 A) into whole steps")) {
            try ChargeRequest(devices: [device]).validate()
        }
    }
}
