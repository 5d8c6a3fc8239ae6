import Foundation
import Planning
import Tariffs
import TestSupport

/// `plan.single.672` and `plan.joint.Nx672`: the planner over one week of real 15-minute
/// day-ahead prices (Examples/prices/de-lu-dayahead-15min.csv.gz), median seconds per plan.
func planBench() async throws -> [BenchResult] {
    let week = try PlanBenchData.week()
    var results: [BenchResult] = []

    let single = PlanBenchData.singleRequest(week)
    let singleRuns = 2000
    let singleMedian = try medianSeconds(runs: singleRuns, warmup: 50) {
        _ = try Planner.plan(single, slices: week)
    }
    results.append(BenchResult(bench: "plan.single.672", value: singleMedian, unit: "s", stat: "median",
                               runs: singleRuns, target: 2e-05))

    for (devices, runs, target) in [(10, 200, 0.01), (50, 40, 0.05), (500, 7, 1.0)] {
        let request = PlanBenchData.jointRequest(week, devices: devices)
        let median = try medianSeconds(runs: runs, warmup: 2) {
            _ = try Planner.plan(request, slices: week)
        }
        // How hard the shared limit binds: the share of quarter-hours where the fleet uses all of it.
        let plan = try Planner.plan(request, slices: week)
        let site = request.sitePowerW!
        let saturated = week.filter { slice in
            let load = plan.devices.reduce(0.0) { sum, device in
                sum + device.slots.reduce(0.0) { inner, slot in
                    let overlap = min(slot.end, slice.end).timeIntervalSince(max(slot.start, slice.start))
                    return inner + (overlap > 0 ? slot.powerW * overlap : 0)
                }
            } / slice.duration
            return load >= site * 0.999
        }.count
        results.append(BenchResult(bench: "plan.joint.\(devices)x672", value: median, unit: "s", stat: "median",
                                   runs: runs, target: target,
                                   extra: ["devices": Double(devices), "site_w": site,
                                           "site_saturated_quarters": Double(saturated)]))
    }

    // The same 50 cars with chargers of every kind (executable plans): the cost above the
    // continuous relaxation says what the chargers' steps cost.
    let steps = PlanBenchData.jointRequestWithChargers(week, devices: 50)
    results.append(try executableResult("plan.joint.steps.50x672", steps, slices: week, runs: 40, warmup: 2, target: 0.05))
    // Issue #15's night: two wallboxes under 11 kW, a group small enough for the exact layout.
    let night = try PlanBenchData.night()
    results.append(try executableResult(
        "plan.joint.steps.2x44", PlanBenchData.nightRequest(night), slices: night, runs: 100, warmup: 3, target: 0.01))
    // The same night re-planned with its plan in force (ChargeRequest.layoutInForce), as the bridge does.
    var replan = PlanBenchData.nightRequest(night)
    replan.layoutInForce = try Planner.plan(replan, slices: night).devices.map(\.slots)
    results.append(try executableResult("plan.joint.steps.2x44.replan", replan, slices: night, runs: 100, warmup: 3, target: 0.01))
    return results
}

/// The median seconds to plan `request` (chargers with steps), with what the steps cost above
/// the continuous relaxation and the energy planned.
private func executableResult(
    _ bench: String, _ request: ChargeRequest, slices: [RateSlice], runs: Int, warmup: Int, target: Double
) throws -> BenchResult {
    let median = try medianSeconds(runs: runs, warmup: warmup) {
        _ = try Planner.plan(request, slices: slices)
    }
    let plan = try Planner.plan(request, slices: slices)
    let bound = plan.lowerBoundCost ?? plan.cost
    return BenchResult(bench: bench, value: median, unit: "s", stat: "median", runs: runs, target: target,
                       extra: ["devices": Double(request.devices.count), "site_w": request.sitePowerW!,
                               "cost_above_relaxation_percent": (plan.cost / bound - 1) * 100,
                               "energy_wh": plan.devices.reduce(0) { $0 + $1.energyWh }])
}

/// The bench's inputs: real prices and seeded random fleets.
enum PlanBenchData {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// The 672 quarter-hours from Monday 2025-11-03T00:00Z, priced as spot plus 0.12 charges plus 19 % VAT
    /// (one slice per published price: the tariff's rates would merge equal neighbours).
    static func week() throws -> [RateSlice] {
        let from = Timestamp.parse("2025-11-03T00:00:00Z")!
        return try quarterHours(from: from, to: from.addingTimeInterval(7 * 86_400), count: 672, name: "week")
    }

    /// The 44 quarter-hours of 2026-05-20T18:00Z to 2026-05-21T05:00Z, priced as ``week()``.
    static func night() throws -> [RateSlice] {
        try quarterHours(from: Timestamp.parse("2026-05-20T18:00:00Z")!, to: Timestamp.parse("2026-05-21T05:00:00Z")!,
                         count: 44, name: "night")
    }

    /// The real quarter-hour prices in `[from, to)`, priced as ``week()``; `count` of them.
    private static func quarterHours(from: Date, to: Date, count: Int, name: String) throws -> [RateSlice] {
        let series = try SpotPriceSeries.load(csvPath: RepositoryPrices.url(RepositoryPrices.quarterHours).path).series
        let slices = series.rows.filter { $0.start >= from && $0.start < to }.map {
            RateSlice(start: $0.start, end: $0.end, pricePerKWh: ($0.price / 1000 + 0.12) * 1.19, type: .dynamic)
        }
        guard slices.count == count else {
            throw Missing(description: "the real prices have \(slices.count) quarter-hours in the bench \(name), not \(count)")
        }
        return slices
    }

    /// Issue #15's two cars: a 16 A three-phase and a 32 A single-phase wallbox, 30 and 25 kWh
    /// over the night, under 11 kW.
    static func nightRequest(_ night: [RateSlice]) -> ChargeRequest {
        let from = night.first!.start
        let to = night.last!.end
        return ChargeRequest(sitePowerW: 11_000, devices: [
            DeviceRequest(deviceId: "a", start: from, end: to, maxPowerW: 11_000, energyWh: 30_000,
                          charger: .current(phases: 3, minCurrentA: 6, maxCurrentA: 16)),
            DeviceRequest(deviceId: "b", start: from, end: to, maxPowerW: 7_400, energyWh: 25_000,
                          charger: .current(phases: 1, minCurrentA: 6, maxCurrentA: 32)),
        ])
    }

    /// One car plugged in for the whole week wanting 40 kWh at 11 kW.
    static func singleRequest(_ week: [RateSlice]) -> ChargeRequest {
        ChargeRequest(devices: [DeviceRequest(
            deviceId: "car", start: week.first!.start, end: week.last!.end, maxPowerW: 11_000, energyWh: 40_000)])
    }

    /// `devices` cars arriving at random over the week, each plugged in 8 to 24 hours, 3.7 to
    /// 11 kW, 5 to 40 kWh; the site allows 400 W per car (at least 11 kW), so it binds in the
    /// cheap hours.
    static func jointRequest(_ week: [RateSlice], devices: Int) -> ChargeRequest {
        var rng = SeededGenerator(seed: UInt64(devices))
        let origin = week.first!.start
        var list: [DeviceRequest] = []
        for j in 0..<devices {
            let arrival = Int.random(in: 0..<(672 - 32), using: &rng)
            let stay = min(Int.random(in: 32...96, using: &rng), 672 - arrival)
            let power = [3_700.0, 7_400, 11_000].randomElement(using: &rng)!
            let energy = min(Double(Int.random(in: 5...40, using: &rng)) * 1000, power * Double(stay) / 4 * 0.8)
            list.append(DeviceRequest(
                deviceId: "car\(j)", start: origin.addingTimeInterval(Double(arrival) * 900),
                end: origin.addingTimeInterval(Double(arrival + stay) * 900), maxPowerW: power, energyWh: energy))
        }
        return ChargeRequest(sitePowerW: max(11_000, Double(devices) * 400), devices: list)
    }

    /// ``jointRequest(_:devices:)`` with a charger per car, kinds in turn: a wallbox told a
    /// current (6 A to what its power allows, 1 A steps; 1 phase up to 7.4 kW, else 3), a
    /// switched socket, a charger told a power (from 6 A on its phases).
    static func jointRequestWithChargers(_ week: [RateSlice], devices: Int) -> ChargeRequest {
        var request = jointRequest(week, devices: devices)
        for j in request.devices.indices {
            let power = request.devices[j].maxPowerW
            let phases = power > 7_400 ? 3 : 1
            switch j % 3 {
            case 0:
                request.devices[j].charger = .current(
                    phases: phases, maxCurrentA: (power / Charger.voltage / Double(phases)).rounded(.down))
            case 1:
                request.devices[j].charger = .switched(powerW: power, phases: phases)
            default:
                request.devices[j].charger = .power(minPowerW: 6 * Charger.voltage * Double(phases), maxPowerW: power, phases: phases)
            }
        }
        return request
    }
}
