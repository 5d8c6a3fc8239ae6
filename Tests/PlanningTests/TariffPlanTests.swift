import Foundation
@testable import Planning
import Tariffs
import TestSupport
import Testing

/// Plans on real tariffs: the contract's example, DST nights and real 15-minute prices.
struct TariffPlanTests {
    static func tariffSet(_ text: String) throws -> TariffSet {
        try TariffSet.parse(Data(text.utf8), preferJSON: true, baseDirectory: packageRoot)
    }

    /// Every day: off-peak 0.20 from 23:00 to 07:00 local, peak 0.40 otherwise, in Amsterdam.
    static let nightly = """
    {"timeZone": "Europe/Amsterdam", "currency": "EUR",
     "tariffs": [{"currency": "EUR", "price": 0.40, "type": "peak"}, {"currency": "EUR", "price": 0.20, "type": "offPeak"}],
     "tariffIntervals": [
       {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "00:00", "endTime": "07:00", "tariffType": "offPeak"},
       {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "07:00", "endTime": "23:00", "tariffType": "peak"},
       {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"], "startTime": "23:00", "endTime": "24:00", "tariffType": "offPeak"}
     ]}
    """

    /// A dynamic tariff over the real 15-minute prices, loaded once for all tests.
    static let dynamic: Tariff? = try? tariffSet("""
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": "Examples/prices/de-lu-dayahead-15min.csv.gz", "unit": "EUR/MWh", "charges": 0.12, "vat": 0.19}}
        """).importTariff

    func plan(_ request: ChargeRequest, _ tariff: Tariff) throws -> (Plan, [RateSlice]) {
        let from = request.devices.map(\.start).min()!
        let to = request.devices.map(\.end).max()!
        let rates = tariff.rates(from: from, to: to).slices
        let plan = try Planner.plan(request, slices: rates, tariffCapPerKWh: tariff.offPeakChargingCap)
        checkConstraints(plan, request: request, slices: rates, tariffCap: tariff.offPeakChargingCap)
        return (plan, rates)
    }

    @Test func contractExampleChargesInTheLatestOffPeakMinutes() throws {
        let set = try TariffSet.load(path: packageRoot.appendingPathComponent("Examples/tariff-tou.json").path)
        let request = try ChargeRequest.decode(json: Data(RequestDecodingTests.contractExample.utf8))
        let (plan, _) = try plan(request, set.importTariff!)
        let car = plan.devices[0]
        // Off-peak (0.3242) runs 23:00-07:00 Amsterdam = 21:00Z-05:00Z; all equally cheap, the latest wins.
        #expect(car.slots.count == 1)
        #expect(car.slots[0].end == at("2025-10-07T05:00:00Z"))
        #expect(abs(car.slots[0].start.timeIntervalSince1970 - (at("2025-10-07T05:00:00Z").timeIntervalSince1970 - 5300.0 / 7000 * 3600)) < 1e-6)
        #expect(abs(car.cost - 5.3 * 0.3242) < 1e-9)
        #expect(abs(car.baselineCost - 5.3 * 0.4123) < 1e-9)
        let json = ScheduleResponse(plan: plan, currencyCode: "EUR", timeZoneIdentifier: "Europe/Amsterdam").jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["object"] as? String == "schedule")
        #expect(object["currency_code"] as? String == "EUR")
        #expect(object["location_timezone"] as? String == "Europe/Amsterdam")
        let tariff = try #require(object["tariff"] as? [String: Any])
        #expect(tariff["value"] as? Double == 1.71826)
        #expect(tariff["confidence"] as? Double == 1)
        let savings = try #require(object["savings"] as? [String: Any])
        #expect(savings["value"] as? Double == 0.46693)
        #expect(savings["percentage"] as? Double == 21.37)
        let device = try #require((object["data"] as? [[String: Any]])?.first)
        #expect(device["device_id"] as? String == "car1")
        #expect(device["direction"] as? String == "IMPORT")
        #expect(device["start_time"] as? String == "2025-10-06T17:00:00Z")
        #expect(device["end_time"] as? String == "2025-10-07T05:00:00Z")
        #expect((device["energy"] as? [String: Any])?["value"] as? Double == 5300)
        #expect((device["energy"] as? [String: Any])?["units"] as? String == "WH")
        #expect((device["shortfall"] as? [String: Any])?["value"] as? Double == 0)
        let slot = try #require((device["schedule"] as? [[String: Any]])?.first)
        #expect(slot["start_time"] as? String == "2025-10-07T04:14:34.286Z")
        #expect(slot["end_time"] as? String == "2025-10-07T05:00:00Z")
        #expect((slot["power"] as? [String: Any])?["value"] as? Double == 7000)
        #expect((slot["power"] as? [String: Any])?["units"] as? String == "W")
        #expect((slot["energy"] as? [String: Any])?["value"] as? Double == 5300)
        #expect(slot["cost"] as? Double == 1.71826)
    }

    @Test func autumnDSTNightHasNineOffPeakHours() throws {
        // 2025-10-26: clocks go back at 03:00 CEST; 23:00 local (21:00Z) to 07:00 local (06:00Z) is 9 hours.
        let tariff = try Self.tariffSet(Self.nightly).importTariff!
        let request = ChargeRequest(devices: [DeviceRequest(
            deviceId: "car", start: at("2025-10-25T18:00:00Z"), end: at("2025-10-26T10:00:00Z"), maxPowerW: 7000,
            energyWh: 63000)])
        let (plan, _) = try plan(request, tariff)
        let car = plan.devices[0]
        #expect(car.slots.map(\.start) == [at("2025-10-25T21:00:00Z")])
        #expect(car.slots.map(\.end) == [at("2025-10-26T06:00:00Z")])
        #expect(abs(car.cost - 63 * 0.20) < 1e-9)
        #expect(car.shortfallWh == 0)
    }

    @Test func springDSTNightHasSevenOffPeakHours() throws {
        // 2026-03-29: clocks go forward at 02:00 CET; 23:00 local (22:00Z) to 07:00 local (05:00Z) is 7 hours.
        let tariff = try Self.tariffSet(Self.nightly).importTariff!
        let request = ChargeRequest(devices: [DeviceRequest(
            deviceId: "car", start: at("2026-03-28T20:00:00Z"), end: at("2026-03-29T08:00:00Z"), maxPowerW: 7000,
            energyWh: 56000)])
        let (plan, _) = try plan(request, tariff)
        let car = plan.devices[0]
        // 49 kWh off-peak; the 8th hour at peak, inside the morning peak slice next to the off-peak
        // block (one start and one stop rather than two).
        #expect(car.slots.map(\.start) == [at("2026-03-28T22:00:00Z")])
        #expect(car.slots.map(\.end) == [at("2026-03-29T06:00:00Z")])
        #expect(abs(car.cost - (49 * 0.20 + 7 * 0.40)) < 1e-9)
    }

    @Test func offPeakOnlyTariffCapsAtTheOffPeakPrice() throws {
        let text = Self.nightly.replacingOccurrences(
            of: #"{"timeZone": "Europe/Amsterdam", "currency": "EUR","#,
            with: #"{"timeZone": "Europe/Amsterdam", "currency": "EUR", "offPeakChargingOnly": true,"#)
        let tariff = try Self.tariffSet(text).importTariff!
        #expect(tariff.offPeakChargingCap == 0.20)
        let request = ChargeRequest(devices: [DeviceRequest(
            deviceId: "car", start: at("2026-03-28T20:00:00Z"), end: at("2026-03-29T08:00:00Z"), maxPowerW: 7000,
            energyWh: 56000)])
        let (plan, _) = try plan(request, tariff)
        #expect(abs(plan.devices[0].energyWh - 49000) < 1e-6)
        #expect(abs(plan.devices[0].shortfallWh - 7000) < 1e-6)
    }

    @Test(arguments: [
        ("2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z", 100),  // Berlin's 25-hour day
        ("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 92),   // Berlin's 23-hour day
    ])
    func realQuarterHoursOverADSTDayMatchTheReference(from: String, to: String, quarters: Int) throws {
        let tariff = try #require(Self.dynamic, "real prices missing from Examples/prices/")
        let rates = tariff.rates(from: at(from), to: at(to))
        #expect(rates.gaps.isEmpty)
        #expect(rates.slices.reduce(0) { $0 + $1.duration } == Double(quarters) * 900)
        for (energy, continuous) in [(30000.0, false), (30000, true), (200000, false)] {
            let device = DeviceRequest(deviceId: "car", start: at(from), end: at(to), maxPowerW: 11000, energyWh: energy,
                                       continuous: continuous, preconditionMinutes: 20)
            let request = ChargeRequest(devices: [device])
            let plan = try Planner.plan(request, slices: rates.slices)
            checkConstraints(plan, request: request, slices: rates.slices)
            let reference = Reference.singleOptimum(device: device, sitePowerW: nil, slices: rates.slices, tariffCap: nil)
            #expect(abs(plan.devices[0].energyWh - reference.energyWh) < 1e-6)
            #expect(plan.cost <= reference.cost + 1e-9)
        }
    }

    @Test func realWeekSingleCarMatchesTheReference() throws {
        let week = window(realPrices15, from: at("2025-11-03T00:00:00Z"), to: at("2025-11-10T00:00:00Z"))
        try #require(week.count == 672, "real prices missing from Examples/prices/")
        let device = DeviceRequest(deviceId: "car", start: at("2025-11-03T07:10:00Z"), end: at("2025-11-09T21:50:00Z"),
                                   maxPowerW: 11000, energyWh: 60000, minEnergyWh: 5000)
        let request = ChargeRequest(devices: [device])
        let plan = try Planner.plan(request, slices: week)
        checkConstraints(plan, request: request, slices: week)
        let reference = Reference.singleOptimum(device: device, sitePowerW: nil, slices: week, tariffCap: nil)
        #expect(abs(plan.devices[0].energyWh - 60000) < 1e-6)
        #expect(abs(plan.cost - reference.cost) < 1e-9)
        #expect(plan.savings > 0)
    }

    @Test func realDayFleetMatchesMinCostFlow() throws {
        let day = window(realPrices15, from: at("2026-01-14T12:00:00Z"), to: at("2026-01-15T12:00:00Z"))
        try #require(day.count == 96, "real prices missing from Examples/prices/")
        var rng = SeededGenerator(seed: 42)
        var devices: [DeviceRequest] = []
        for j in 0..<8 {
            let arrive = Int.random(in: 0..<40, using: &rng)
            let leave = Int.random(in: (arrive + 16)...96, using: &rng)
            devices.append(DeviceRequest(
                deviceId: "car\(j)", start: day[arrive].start, end: day[leave - 1].end,
                maxPowerW: [3700.0, 7400, 11000][j % 3], energyWh: Double(Int.random(in: 10...40, using: &rng)) * 1000))
        }
        let request = ChargeRequest(sitePowerW: 22000, devices: devices)
        let plan = try Planner.plan(request, slices: day)
        checkConstraints(plan, request: request, slices: day)
        let reference = Reference.jointOptimum(request: request, slices: day)
        #expect(abs(plan.devices.reduce(0) { $0 + $1.energyWh } - reference.energyWh) < 1e-6)
        #expect(abs(plan.cost - reference.cost) < 1e-9)
    }
}
