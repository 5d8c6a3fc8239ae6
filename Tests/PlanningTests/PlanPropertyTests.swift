import Foundation
@testable import Planning
import Tariffs
import TestSupport
import Testing

/// Thousands of random small instances: every constraint holds and no plan costs more than
/// the reference optimum (nor delivers less).
struct PlanPropertyTests {
    static let origin = at("2025-10-06T00:00:00Z")

    /// Random slices on a 15-minute grid over `units` quarters: lengths 1-3 quarters, prices in
    /// steps of 0.05 (ties are common, a few negative), sometimes a gap.
    static func randomSlices(units: Int, _ rng: inout SeededGenerator) -> [RateSlice] {
        var result: [RateSlice] = []
        var u = 0
        while u < units {
            let length = min(Int.random(in: 1...3, using: &rng), units - u)
            let price = Double(Int.random(in: -1...6, using: &rng)) * 0.05
            if Int.random(in: 0..<12, using: &rng) != 0 {
                result.append(RateSlice(
                    start: origin.addingTimeInterval(Double(u) * 900),
                    end: origin.addingTimeInterval(Double(u + length) * 900),
                    pricePerKWh: price, type: .dynamic))
            }
            u += length
        }
        return result
    }

    @Test func singleDevicePlansMatchTheReferenceWithEveryOption() throws {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        var checked = 0
        var withShortfall = 0
        for round in 0..<3000 {
            let units = Int.random(in: 4...16, using: &rng)
            let rates = Self.randomSlices(units: units, &rng)
            let first = Int.random(in: 0..<units, using: &rng)
            let last = Int.random(in: (first + 1)...units, using: &rng)
            let power = [600.0, 1200, 1800, 3000].randomElement(using: &rng)!
            let site: Double? = Int.random(in: 0..<4, using: &rng) == 0 ? [900.0, 2400].randomElement(using: &rng)! : nil
            let perMinute = min(power, site ?? power) / 60
            let windowMinutes = (last - first) * 15
            let energy = perMinute * Double(Int.random(in: 0...(windowMinutes * 3 / 4 + 10), using: &rng))
            var device = DeviceRequest(
                deviceId: "car", start: Self.origin.addingTimeInterval(Double(first) * 900),
                end: Self.origin.addingTimeInterval(Double(last) * 900), maxPowerW: power, energyWh: energy)
            if Bool.random(using: &rng) { device.minEnergyWh = perMinute * Double(Int.random(in: 0...20, using: &rng)) }
            if Int.random(in: 0..<3, using: &rng) == 0 { device.preconditionMinutes = Double(Int.random(in: 1...40, using: &rng)) }
            if Int.random(in: 0..<3, using: &rng) == 0 { device.continuous = true }
            if Int.random(in: 0..<3, using: &rng) == 0 { device.priceCapPerKWh = Double(Int.random(in: 0...5, using: &rng)) * 0.05 }
            let tariffCap: Double? = Int.random(in: 0..<8, using: &rng) == 0 ? 0.15 : nil
            let request = ChargeRequest(sitePowerW: site, devices: [device])
            guard rates.contains(where: { $0.end > device.start && $0.start < device.end }) else {
                #expect(throws: PlanningError.self) { try Planner.plan(request, slices: rates) }
                continue
            }
            let plan = try Planner.plan(request, slices: rates, tariffCapPerKWh: tariffCap)
            checkConstraints(plan, request: request, slices: rates, tariffCap: tariffCap)
            let reference = Reference.singleOptimum(device: device, sitePowerW: site, slices: rates, tariffCap: tariffCap)
            let result = plan.devices[0]
            checked += 1
            if result.shortfallWh > 0 { withShortfall += 1 }
            #expect(abs(result.energyWh - reference.energyWh) <= 1e-6 * max(1, reference.energyWh),
                    "round \(round): delivered \(result.energyWh) Wh, reference \(reference.energyWh) Wh")
            #expect(result.cost <= reference.cost + 1e-9 * max(1, abs(reference.cost)),
                    "round \(round): cost \(result.cost), reference \(reference.cost)")
            #expect(result.cost >= reference.cost - 1e-9 * max(1, abs(reference.cost)),
                    "round \(round): cost \(result.cost) below the reference \(reference.cost): a constraint slipped")
            if device.continuous, device.minEnergyWh == 0, device.preconditionMinutes == 0, !result.slots.isEmpty {
                #expect(result.slots.count == 1, "round \(round): continuous plan in \(result.slots.count) blocks")
            }
        }
        #expect(checked > 2500 && withShortfall > 100 && checked - withShortfall > 1000, "checked \(checked), short \(withShortfall)")
    }

    @Test func jointPlansMatchMinCostMaxFlow() throws {
        var rng = SeededGenerator(seed: 0x5EED_0002)
        var checked = 0
        var siteBound = 0
        for round in 0..<1500 {
            let units = Int.random(in: 4...12, using: &rng)
            let rates = Self.randomSlices(units: units, &rng)
            guard !rates.isEmpty else { continue }
            let count = Int.random(in: 2...4, using: &rng)
            var devices: [DeviceRequest] = []
            for j in 0..<count {
                let first = Int.random(in: 0..<units, using: &rng)
                let last = Int.random(in: (first + 1)...units, using: &rng)
                let power = Double(Int.random(in: 1...4, using: &rng)) * 1000
                var device = DeviceRequest(
                    deviceId: "car\(j)", start: Self.origin.addingTimeInterval(Double(first) * 900),
                    end: Self.origin.addingTimeInterval(Double(last) * 900), maxPowerW: power,
                    energyWh: Double(Int.random(in: 0...(last - first) * 4, using: &rng)) * 250 * power / 4000)
                if Int.random(in: 0..<3, using: &rng) == 0 { device.priceCapPerKWh = Double(Int.random(in: 0...5, using: &rng)) * 0.05 }
                devices.append(device)
            }
            let site: Double? = Int.random(in: 0..<5, using: &rng) == 0 ? nil : Double(Int.random(in: 2...8, using: &rng)) * 500
            let request = ChargeRequest(sitePowerW: site, devices: devices)
            let covered = devices.allSatisfy { d in rates.contains { $0.end > d.start && $0.start < d.end } }
            guard covered else { continue }
            let plan = try Planner.plan(request, slices: rates)
            checkConstraints(plan, request: request, slices: rates)
            let reference = Reference.jointOptimum(request: request, slices: rates)
            let delivered = plan.devices.reduce(0) { $0 + $1.energyWh }
            checked += 1
            if site != nil, delivered < devices.reduce(0, { $0 + $1.energyWh }) - 1e-6 { siteBound += 1 }
            #expect(abs(delivered - reference.energyWh) <= 1e-6 * max(1, reference.energyWh),
                    "round \(round): delivered \(delivered) Wh, max flow \(reference.energyWh) Wh")
            #expect(abs(plan.cost - reference.cost) <= 1e-9 * max(1, abs(reference.cost)),
                    "round \(round): cost \(plan.cost), min-cost flow \(reference.cost)")
        }
        #expect(checked > 1000 && siteBound > 100, "checked \(checked), short under the site limit \(siteBound)")
    }
}

extension PlanPropertyTests {
    /// Joint plans with every option (minimum, preconditioning, continuous blocks, caps) under a
    /// shared limit: every constraint of the contract holds, and the energy adds up.
    @Test func jointPlansWithOptionsKeepEveryConstraint() throws {
        var rng = SeededGenerator(seed: 0x5EED_0003)
        var checked = 0
        for _ in 0..<1500 {
            let units = Int.random(in: 4...16, using: &rng)
            let rates = Self.randomSlices(units: units, &rng)
            var devices: [DeviceRequest] = []
            for j in 0..<Int.random(in: 2...5, using: &rng) {
                let first = Int.random(in: 0..<units, using: &rng)
                let last = Int.random(in: (first + 1)...units, using: &rng)
                let power = Double(Int.random(in: 1...4, using: &rng)) * 1000
                var device = DeviceRequest(
                    deviceId: "car\(j)", start: Self.origin.addingTimeInterval(Double(first) * 900 + Double(Int.random(in: 0...1, using: &rng)) * 420),
                    end: Self.origin.addingTimeInterval(Double(last) * 900), maxPowerW: power,
                    energyWh: Double(Int.random(in: 0...(last - first) * 4, using: &rng)) * 200)
                if Bool.random(using: &rng) { device.minEnergyWh = Double(Int.random(in: 0...6, using: &rng)) * 200 }
                if Int.random(in: 0..<3, using: &rng) == 0 { device.preconditionMinutes = Double(Int.random(in: 1...40, using: &rng)) }
                if Int.random(in: 0..<3, using: &rng) == 0 { device.continuous = true }
                if Int.random(in: 0..<3, using: &rng) == 0 { device.priceCapPerKWh = Double(Int.random(in: 0...5, using: &rng)) * 0.05 }
                devices.append(device)
            }
            let site: Double? = Int.random(in: 0..<5, using: &rng) == 0 ? nil : Double(Int.random(in: 2...8, using: &rng)) * 500
            let request = ChargeRequest(sitePowerW: site, devices: devices)
            guard devices.allSatisfy({ d in rates.contains { $0.end > d.start && $0.start < d.end } }) else { continue }
            let plan = try Planner.plan(request, slices: rates)
            checkConstraints(plan, request: request, slices: rates)
            checked += 1
        }
        #expect(checked > 1000)
    }
}
