import Foundation
import Testing
@testable import Planning
import Tariffs

/// Hand-checked plans for several devices under the location's limit.
struct JointPlanTests {
    let twoHours = slices(from: "2025-10-06T00:00:00Z", prices: [0.3, 0.1])

    func car(_ id: String, start: String = "2025-10-06T00:00:00Z", end: String = "2025-10-06T02:00:00Z",
             powerW: Double = 2000, energyWh: Double) -> DeviceRequest {
        DeviceRequest(deviceId: id, start: at(start), end: at(end), maxPowerW: powerW, energyWh: energyWh)
    }

    @Test func jointPlanBeatsPlanningOneAfterAnother() throws {
        // Planning car A first would give it the cheap hour and leave B (only there in hour 1)
        // nothing; the joint optimum moves A to hour 0 and delivers both.
        let request = ChargeRequest(sitePowerW: 2000, devices: [
            car("A", energyWh: 2000),
            car("B", start: "2025-10-06T01:00:00Z", energyWh: 2000),
        ])
        let plan = try Planner.plan(request, slices: twoHours)
        checkConstraints(plan, request: request, slices: twoHours)
        #expect(plan.devices.allSatisfy { $0.shortfallWh == 0 })
        #expect(abs(plan.cost - (0.6 + 0.2)) < 1e-12)
        #expect(plan.devices[0].slots.map(\.start) == [at("2025-10-06T00:00:00Z")])
    }

    @Test func siteLimitIsSharedInTheCheapHour() throws {
        // 3 kW site, two 2 kW cars wanting 2 kWh each: the cheap hour holds 3 kWh, the rest goes to hour 0.
        let request = ChargeRequest(sitePowerW: 3000, devices: [car("A", energyWh: 2000), car("B", energyWh: 2000)])
        let plan = try Planner.plan(request, slices: twoHours)
        checkConstraints(plan, request: request, slices: twoHours)
        #expect(plan.devices.allSatisfy { $0.shortfallWh == 0 })
        #expect(abs(plan.cost - (3 * 0.1 + 1 * 0.3)) < 1e-12)
    }

    @Test func moreThanTheSiteCanDeliverIsShortfallAtLeastCost() throws {
        let request = ChargeRequest(sitePowerW: 2000, devices: [car("A", energyWh: 4000), car("B", energyWh: 4000)])
        let plan = try Planner.plan(request, slices: twoHours)
        checkConstraints(plan, request: request, slices: twoHours)
        #expect(abs(plan.devices.reduce(0) { $0 + $1.energyWh } - 4000) < 1e-9)
        #expect(abs(plan.devices.reduce(0) { $0 + $1.shortfallWh } - 4000) < 1e-9)
    }

    @Test func withoutSiteLimitDevicesArePlannedIndependently() throws {
        let request = ChargeRequest(devices: [car("A", energyWh: 2000), car("B", energyWh: 1000)])
        let plan = try Planner.plan(request, slices: twoHours)
        checkConstraints(plan, request: request, slices: twoHours)
        #expect(abs(plan.cost - (0.2 + 0.1)) < 1e-12)
    }

    @Test func minimumEnergiesShareTheSiteAtOnce() throws {
        var a = car("A", energyWh: 1000)
        a.minEnergyWh = 1000
        var b = car("B", energyWh: 1000)
        b.minEnergyWh = 1000
        let request = ChargeRequest(sitePowerW: 3000, devices: [a, b])
        let plan = try Planner.plan(request, slices: twoHours)
        checkConstraints(plan, request: request, slices: twoHours)
        // A gets its 2 kW at once; B the 1 kW left until A is done, then 2 kW.
        #expect(plan.devices[0].slots.map(\.powerW) == [2000])
        #expect(plan.devices[0].slots.first?.start == at("2025-10-06T00:00:00Z"))
        #expect(plan.devices[1].slots.first?.start == at("2025-10-06T00:00:00Z"))
        #expect(plan.devices.allSatisfy { $0.shortfallWh == 0 })
    }

    @Test func devicesOfBothDirectionsUseTheirOwnPrices() throws {
        var seller = car("battery", energyWh: 1000)
        seller.direction = .export
        let request = ChargeRequest(devices: [car("A", energyWh: 1000), seller])
        let importPrices = twoHours
        let exportPrices = slices(from: "2025-10-06T00:00:00Z", prices: [0.05, 0.25])
        let plan = try Planner.plan(request) { direction in
            PriceSource(slices: direction == .import ? importPrices : exportPrices)
        }
        #expect(abs(plan.devices[0].cost - 0.1) < 1e-12)
        #expect(abs(plan.devices[1].cost - 0.25) < 1e-12)
        #expect(plan.devices[1].slots.first?.start == at("2025-10-06T01:30:00Z"))
    }
}
