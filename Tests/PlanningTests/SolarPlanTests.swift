import Foundation
@testable import Planning
import Tariffs
import TestSupport
import Testing

/// Plans on a solar surplus (``ChargeRequest/solarForecast``, docs/schedules.md "Solar
/// surplus"): energy up to the surplus costs the export price, the limit holds for the grid
/// only. One car stays exact against a dynamic programme over whole units; several cars
/// without chargers match a plainly written min-cost flow; stepped chargers keep the limit
/// plus the surplus, draw only what they can, and their reported costs add up.
struct SolarPlanTests {
    static let origin = ExecutablePlanTests.origin

    /// Per quarter a surplus in units of 230 W (0: none), as pieces (neighbours of one value
    /// in one piece).
    static func pieces(_ units: [Int]) -> [ChargeRequest.SolarPiece] {
        var result: [ChargeRequest.SolarPiece] = []
        for (q, unit) in units.enumerated() where unit > 0 {
            let start = origin.addingTimeInterval(Double(q) * 900)
            let power = Double(unit) * 230
            if let last = result.last, last.end == start, last.surplusW == power {
                result[result.count - 1].end = start.addingTimeInterval(900)
            } else {
                result.append(.init(start: start, end: start.addingTimeInterval(900), surplusW: power))
            }
        }
        return result
    }

    /// The best plan for one car by dynamic programming over whole units of energy (230 W for a
    /// quarter-hour). In a quarter the car draws its drawable levels within the grid limit plus
    /// the surplus, sharing the quarter's time between at most two of them (or one and none);
    /// at every instant the surplus covers the draw up to it at the export price and the grid
    /// the rest at the quarter's price. So `units` in a quarter cost the least time-share of two
    /// levels around it (every pair tried). The cheapest shares join whole levels and the demand
    /// is whole, so a whole optimum exists (a network flow's).
    static func bestForOneCar(
        first: Int, last: Int, levels: [Int], demand: Int, prices: [Double], siteUnits: Int?, solarUnits: [Int], exportPrice: Double
    ) -> (units: Int, cost: Double) {
        let unitKWh = 230.0 * 0.25 / 1000
        var cost = [Double](repeating: .infinity, count: demand + 1)
        cost[0] = 0
        for q in first..<last {
            let room = siteUnits.map { $0 + solarUnits[q] } ?? .max
            let drawable = [0] + levels.filter { $0 <= room }
            let top = drawable.max() ?? 0
            // A level drawn for the whole quarter.
            func level(_ units: Int) -> Double {
                let solar = min(units, solarUnits[q])
                return (Double(solar) * exportPrice + Double(units - solar) * prices[q]) * unitKWh
            }
            func price(_ units: Int) -> Double {
                var best = Double.infinity
                for a in drawable where a <= units {
                    for b in drawable where b >= units {
                        let share = b == a ? level(a) : (Double(b - units) * level(a) + Double(units - a) * level(b)) / Double(b - a)
                        best = min(best, share)
                    }
                }
                return best
            }
            var next = cost
            for have in 0...demand where cost[have] < .infinity {
                for add in 0...min(top, demand - have) {
                    next[have + add] = min(next[have + add], cost[have] + price(add))
                }
            }
            cost = next
        }
        let units = (0...demand).last { cost[$0] < .infinity } ?? 0
        return (units, cost[units])
    }

    @Test func oneCarIsExactOnASurplus() throws {
        var rng = SeededGenerator(seed: 0x5014_0001)
        var onSolar = 0
        var dearExport = 0
        for round in 0..<400 {
            let quarters = Int.random(in: 2...8, using: &rng)
            let prices = ExecutablePlanTests.randomPrices(quarters: quarters, &rng)
            let (charger, levels) = ExecutablePlanTests.randomCharger(&rng)
            let withCharger = Int.random(in: 0..<4, using: &rng) != 0
            let first = Int.random(in: 0..<quarters, using: &rng)
            let last = Int.random(in: (first + 1)...quarters, using: &rng)
            let siteUnits: Int? = Int.random(in: 0..<4, using: &rng) == 0 ? nil : Int.random(in: 2...16, using: &rng)
            let solarUnits = (0..<quarters).map { _ in Bool.random(using: &rng) ? 0 : Int.random(in: 1...20, using: &rng) }
            // Mostly below the import prices (5 to 40 cents), sometimes above them.
            let exportPrice = Double(Int.random(in: 0...(round % 5 == 4 ? 45 : 15), using: &rng)) / 100
            let maxUnits = Int((charger.maxPowerW / 230).rounded())
            let carLevels = withCharger ? levels : Array(1...maxUnits)
            let demand = Int.random(in: 1...max(1, (carLevels.max() ?? 1) * (last - first) * 5 / 4), using: &rng)
            let car = DeviceRequest(
                deviceId: "car", start: Self.origin.addingTimeInterval(Double(first) * 900),
                end: Self.origin.addingTimeInterval(Double(last) * 900), maxPowerW: Double(maxUnits) * 230,
                energyWh: Double(demand) * 230 * 0.25, charger: withCharger ? charger : nil)
            let request = ChargeRequest(
                sitePowerW: siteUnits.map { Double($0) * 230 }, solarForecast: Self.pieces(solarUnits),
                exportPricePerKWh: exportPrice, devices: [car])
            let rates = ExecutablePlanTests.slices(prices)
            let plan = try Planner.plan(request, slices: rates)
            checkSolarConstraints(plan, request: request, prices: prices)
            let best = Self.bestForOneCar(
                first: first, last: last, levels: carLevels, demand: demand, prices: prices, siteUnits: siteUnits,
                solarUnits: solarUnits, exportPrice: exportPrice)
            let bestWh = Double(best.units) * 230 * 0.25
            if plan.devices[0].slots.contains(where: { $0.solarWh > 1e-6 }) { onSolar += 1 }
            if exportPrice > prices.min()! { dearExport += 1 }
            #expect(abs(plan.devices[0].energyWh - bestWh) <= 1e-6 * max(1, bestWh),
                    "round \(round): delivered \(plan.devices[0].energyWh) Wh, the best \(bestWh) Wh")
            #expect(abs(plan.cost - best.cost) <= 1e-9 * max(1, best.cost),
                    "round \(round): cost \(plan.cost), the best \(best.cost)")
        }
        #expect(onSolar > 150 && dearExport > 40, "on solar \(onSolar), export dearer than some import \(dearExport)")
    }

    /// Several cars with any power up to their own: the plan is the min-cost max-flow of a
    /// network with a solar edge and a grid edge per cell (Reference.jointOptimum).
    @Test func severalCarsMatchTheMinCostFlow() throws {
        var rng = SeededGenerator(seed: 0x5014_0002)
        var binding = 0
        var dearExport = 0
        for round in 0..<300 {
            let quarters = Int.random(in: 2...8, using: &rng)
            let prices = ExecutablePlanTests.randomPrices(quarters: quarters, &rng)
            let solarUnits = (0..<quarters).map { _ in Bool.random(using: &rng) ? 0 : Int.random(in: 1...30, using: &rng) }
            var devices: [DeviceRequest] = []
            for j in 0..<Int.random(in: 2...4, using: &rng) {
                let first = Int.random(in: 0..<quarters, using: &rng)
                let last = Int.random(in: (first + 1)...quarters, using: &rng)
                let power = Double(Int.random(in: 1...11, using: &rng)) * 1000
                devices.append(DeviceRequest(
                    deviceId: "car\(j)", start: Self.origin.addingTimeInterval(Double(first) * 900),
                    end: Self.origin.addingTimeInterval(Double(last) * 900), maxPowerW: power,
                    energyWh: Double(Int.random(in: 0...(last - first) * 4, using: &rng)) * power / 16))
            }
            let site: Double? = Int.random(in: 0..<5, using: &rng) == 0 ? nil : Double(Int.random(in: 2...12, using: &rng)) * 500
            let exportPrice = Double(Int.random(in: 0...(round % 5 == 4 ? 45 : 15), using: &rng)) / 100
            let request = ChargeRequest(
                sitePowerW: site, solarForecast: Self.pieces(solarUnits), exportPricePerKWh: exportPrice, devices: devices)
            let rates = ExecutablePlanTests.slices(prices)
            let plan = try Planner.plan(request, slices: rates)
            checkSolarConstraints(plan, request: request, prices: prices)
            let reference = Reference.jointOptimum(request: request, slices: rates)
            let delivered = plan.devices.reduce(0) { $0 + $1.energyWh }
            if delivered < devices.reduce(0, { $0 + $1.energyWh }) - 1e-6 { binding += 1 }
            #expect(abs(delivered - reference.energyWh) <= 1e-6 * max(1, reference.energyWh),
                    "round \(round): delivered \(delivered) Wh, max flow \(reference.energyWh) Wh")
            if exportPrice <= prices.min()! {
                #expect(abs(plan.cost - reference.cost) <= 1e-9 * max(1, abs(reference.cost)),
                        "round \(round): cost \(plan.cost), min-cost flow \(reference.cost)")
            } else {
                // An export price above some import price: the draw under the surplus costs it
                // whatever the grid costs. The reference's grid-first split is below any plan;
                // counting all of such a quarter at the export price is above the plan.
                dearExport += 1
                let bound = Reference.jointOptimum(request: request, slices: rates, dearSurplusAtExport: true)
                #expect(plan.cost >= reference.cost - 1e-9 * max(1, abs(reference.cost)), "round \(round)")
                #expect(plan.cost <= bound.cost + 1e-9 * max(1, abs(bound.cost)),
                        "round \(round): cost \(plan.cost), the bound \(bound.cost)")
            }
            #expect(abs((plan.lowerBoundCost ?? -1) - plan.cost) <= 1e-9 * max(1, abs(plan.cost)), "round \(round)")
        }
        #expect(binding > 30 && dearExport > 20, "short under the limit plus the surplus: \(binding), dear export: \(dearExport)")
    }

    /// Stepped chargers together (the exact small-group layout and, with it off, the
    /// heuristic): drawable powers only, the limit plus the surplus kept, costs that add up,
    /// never below the continuous relaxation and never more energy than it.
    @Test(arguments: [true, false]) func steppedChargersKeepTheLimitAndTheSurplus(exact: Bool) throws {
        var rng = SeededGenerator(seed: exact ? 0x5014_0003 : 0x5014_0004)
        var compared = 0
        var worstGap = 0.0
        var fullEnergy = 0
        for round in 0..<150 {
            let quarters = Int.random(in: 2...4, using: &rng)
            let prices = ExecutablePlanTests.randomPrices(quarters: quarters, &rng)
            let solarUnits = (0..<quarters).map { _ in Bool.random(using: &rng) ? 0 : Int.random(in: 4...40, using: &rng) }
            var devices: [DeviceRequest] = []
            for j in 0..<Int.random(in: 2...3, using: &rng) {
                let (charger, levels) = ExecutablePlanTests.randomCharger(&rng)
                let first = Int.random(in: 0..<quarters, using: &rng)
                let last = Int.random(in: (first + 1)...quarters, using: &rng)
                let demand = Int.random(in: 1...max(1, (levels.max() ?? 1) * (last - first)), using: &rng)
                devices.append(DeviceRequest(
                    deviceId: "car\(j)", start: Self.origin.addingTimeInterval(Double(first) * 900),
                    end: Self.origin.addingTimeInterval(Double(last) * 900), maxPowerW: charger.maxPowerW,
                    energyWh: Double(demand) * 230 * 0.25, charger: charger))
            }
            var request = ChargeRequest(
                sitePowerW: Double(Int.random(in: 6...24, using: &rng)) * 230, solarForecast: Self.pieces(solarUnits),
                exportPricePerKWh: Double(Int.random(in: 0...10, using: &rng)) / 100, devices: devices)
            request.exactLayout = exact
            let rates = ExecutablePlanTests.slices(prices)
            let plan = try Planner.plan(request, slices: rates)
            checkSolarConstraints(plan, request: request, prices: prices)
            let relaxation = Reference.jointOptimum(request: request, slices: rates)
            let delivered = plan.devices.reduce(0) { $0 + $1.energyWh }
            #expect(delivered <= relaxation.energyWh + 1e-6 * max(1, relaxation.energyWh), "round \(round)")
            guard delivered >= relaxation.energyWh - 1e-6 * max(1, relaxation.energyWh) else { continue }
            fullEnergy += 1
            #expect(plan.cost >= relaxation.cost - 1e-9 * max(1, relaxation.cost), "round \(round)")
            guard relaxation.cost > 1e-9 else { continue }
            compared += 1
            worstGap = max(worstGap, plan.cost / relaxation.cost - 1)
        }
        print("solar, stepped chargers (exact layout \(exact)): \(fullEnergy) of 150 with the relaxation's energy, worst gap \(worstGap * 100) %")
        #expect(fullEnergy > 90 && compared > 60, "full energy \(fullEnergy), compared \(compared)")
    }

    /// The case: import flat at 30 cents (25 at night), export at 8: a car that could
    /// charge at night waits for the sun at noon, at the export price, and takes the rest from
    /// the cheapest grid hours.
    @Test func theSunBeatsACheapNight() throws {
        // 00:00 to 24:00 in hours: 25 cents 00-06, 30 after.
        let prices = (0..<24).map { $0 < 6 ? 0.25 : 0.30 }
        let rates = slices(from: "2026-06-01T00:00:00Z", prices: prices)
        let car = DeviceRequest(
            deviceId: "car", start: at("2026-06-01T00:00:00Z"), end: at("2026-06-02T00:00:00Z"), maxPowerW: 11000,
            energyWh: 20_000, charger: .current(phases: 3, minCurrentA: 6, maxCurrentA: 16))
        let sun = ChargeRequest.SolarPiece(start: at("2026-06-01T10:00:00Z"), end: at("2026-06-01T14:00:00Z"), surplusW: 4000)
        let request = ChargeRequest(sitePowerW: 11000, solarForecast: [sun], exportPricePerKWh: 0.08, devices: [car])
        let plan = try Planner.plan(request, slices: rates)
        let device = plan.devices[0]
        #expect(device.shortfallWh < 1e-4)
        let solar = device.slots.reduce(0) { $0 + $1.solarWh }
        #expect(abs(solar - 16_000) < 1e-6, "solar \(solar) Wh")
        // The charger draws no less than 4,140 W (6 A on three phases): at it through the four
        // sunny hours, 16 kWh from the sun at 8 cents and 0.56 kWh from the grid at 30, then
        // 3.44 kWh at night at 25.
        #expect(device.slots.filter { $0.start >= at("2026-06-01T10:00:00Z") }.allSatisfy { abs($0.powerW - 4140) < 1e-6 })
        #expect(abs(plan.cost - (16 * 0.08 + 0.56 * 0.30 + 3.44 * 0.25)) < 1e-9, "cost \(plan.cost)")
        let night = device.slots.filter { $0.end <= at("2026-06-01T06:00:00Z") }.reduce(0) { $0 + $1.energyWh }
        #expect(abs(night - 3440) < 1e-6)
        // Without the forecast, all of it at night.
        let plain = try Planner.plan(ChargeRequest(sitePowerW: 11000, devices: [car]), slices: rates)
        #expect(plain.devices[0].slots.allSatisfy { $0.end <= at("2026-06-01T06:00:00Z") })
        // The response says what is expected from the sun.
        let response = ScheduleResponse(plan: plan, currencyCode: "EUR", timeZoneIdentifier: "UTC")
        let text = String(decoding: response.jsonData(), as: UTF8.self)
        #expect(text.contains("\"solar_energy\""))
    }

    /// Above the limit only by the surplus: a 3 kW grid limit and a 5 kW surplus let an 8 kW
    /// car run at 8 kW.
    @Test func theSurplusAddsToTheGridLimit() throws {
        let rates = slices(from: "2026-06-01T12:00:00Z", prices: [0.30])
        let car = DeviceRequest(
            deviceId: "car", start: at("2026-06-01T12:00:00Z"), end: at("2026-06-01T13:00:00Z"), maxPowerW: 11000, energyWh: 20_000)
        let sun = ChargeRequest.SolarPiece(start: at("2026-06-01T12:00:00Z"), end: at("2026-06-01T13:00:00Z"), surplusW: 5000)
        let request = ChargeRequest(sitePowerW: 3000, solarForecast: [sun], exportPricePerKWh: 0.1, devices: [car])
        let plan = try Planner.plan(request, slices: rates)
        #expect(abs(plan.devices[0].energyWh - 8000) < 1e-6)
        #expect(abs(plan.cost - (5 * 0.1 + 3 * 0.3)) < 1e-9)
    }

    @Test func piecesAreValidatedLikeTheLimits() {
        let car = DeviceRequest(deviceId: "car", start: Self.origin, end: Self.origin.addingTimeInterval(3600), maxPowerW: 7000, energyWh: 1000)
        let a = ChargeRequest.SolarPiece(start: Self.origin, end: Self.origin.addingTimeInterval(1800), surplusW: 3000)
        let b = ChargeRequest.SolarPiece(start: Self.origin.addingTimeInterval(900), end: Self.origin.addingTimeInterval(2700), surplusW: 3000)
        #expect(throws: PlanningError.self) { try ChargeRequest(solarForecast: [a, b], devices: [car]).validate() }
        let empty = ChargeRequest.SolarPiece(start: Self.origin, end: Self.origin, surplusW: 3000)
        #expect(throws: PlanningError.self) { try ChargeRequest(solarForecast: [empty], devices: [car]).validate() }
        let negative = ChargeRequest.SolarPiece(start: Self.origin, end: Self.origin.addingTimeInterval(900), surplusW: -1)
        #expect(throws: PlanningError("solar.pieces[0].value: -1.0 W is not a surplus (0 W or more)")) {
            try ChargeRequest(solarForecast: [negative], devices: [car]).validate()
        }
        #expect(throws: Never.self) { try ChargeRequest(solarForecast: [a], exportPricePerKWh: 0.08, devices: [car]).validate() }
    }

    @Test func theRequestJSONCarriesTheSurplus() throws {
        let json = """
        {"max_power": {"units": "KW", "value": 11},
         "solar": {"units": "KW", "export_price": 0.08, "pieces": [
           {"start_time": "2026-06-01T10:00:00Z", "end_time": "2026-06-01T14:00:00Z", "value": 4.5}]},
         "data": [{"start_time": "2026-06-01T00:00:00Z", "end_time": "2026-06-02T00:00:00Z",
                   "energy": {"units": "KWH", "value": 10}}]}
        """
        let request = try ChargeRequest.decode(json: Data(json.utf8))
        #expect(request.solarForecast == [.init(start: at("2026-06-01T10:00:00Z"), end: at("2026-06-01T14:00:00Z"), surplusW: 4500)])
        #expect(request.exportPricePerKWh == 0.08)
        let typo = json.replacingOccurrences(of: "export_price", with: "export_prize")
        #expect(throws: PlanningError("solar.export_prize: not a key of solar (units, pieces, export_price)")) {
            try ChargeRequest.decode(json: Data(typo.utf8))
        }
    }
}

/// The contract's constraints with a surplus: slots in the window, drawable, energy and
/// shortfall adding up, the load within the grid limit plus the surplus at every instant, and
/// the reported cost and solar energy what executing the slots gets when the sun comes as
/// forecast (at every instant the surplus covers the draw up to it). Quarters of `prices` from ExecutablePlanTests.origin.
func checkSolarConstraints(
    _ plan: Plan, request: ChargeRequest, prices: [Double], sourceLocation: SourceLocation = #_sourceLocation
) {
    let origin = ExecutablePlanTests.origin.timeIntervalSince1970
    let exportPrice = request.exportPricePerKWh ?? 0
    var energy = [Double](repeating: 0, count: prices.count)
    var reportedCost = [Double](repeating: 0, count: prices.count)
    var reportedSolar = [Double](repeating: 0, count: prices.count)
    var events: [(Double, Double)] = []
    for device in plan.devices {
        let r = device.request
        for slot in device.slots {
            let start = slot.start.timeIntervalSince1970
            let end = slot.end.timeIntervalSince1970
            #expect(start >= r.start.timeIntervalSince1970 - 1e-6 && end <= r.end.timeIntervalSince1970 + 1e-6,
                    "slot of \(r.deviceId) outside its window", sourceLocation: sourceLocation)
            #expect(slot.powerW <= r.maxPowerW + 1e-6, sourceLocation: sourceLocation)
            if let charger = r.charger {
                #expect(charger.canDraw(slot.powerW), "\(slot.powerW) W not drawable", sourceLocation: sourceLocation)
            }
            // Slots are merged across quarters: share their cost and solar energy by time.
            for q in prices.indices {
                let from = max(start, origin + Double(q) * 900)
                let to = min(end, origin + Double(q + 1) * 900)
                guard to > from else { continue }
                let part = (to - from) / (end - start)
                energy[q] += slot.powerW * (to - from) / 3600
                reportedSolar[q] += slot.solarWh * part
                reportedCost[q] += slot.cost * part
            }
            events.append((start, slot.powerW))
            events.append((end, -slot.powerW))
        }
        #expect(abs(device.energyWh + device.shortfallWh - r.energyWh) <= 1e-5 * max(1, r.energyWh), sourceLocation: sourceLocation)
    }
    func surplusW(_ t: Double) -> Double {
        request.solarForecast.first { $0.start.timeIntervalSince1970 <= t && $0.end.timeIntervalSince1970 > t }?.surplusW ?? 0
    }
    if let site = request.sitePowerW {
        forEachLoad(events, breaks: request.solarForecast.flatMap { [$0.start.timeIntervalSince1970, $0.end.timeIntervalSince1970] }) { instant, _, load in
            #expect(load <= site + surplusW(instant + 1e-3) + 1e-6, "load \(load) W above the limit plus the surplus",
                    sourceLocation: sourceLocation)
        }
    }
    // Executed as planned with the sun as forecast, at every instant the surplus covers the
    // draw up to it (the export price), the grid the rest. Slots are merged across quarters at
    // equal power: compare the sums over all quarters.
    var quarterSolar = [Double](repeating: 0, count: prices.count)
    let quarterBreaks = prices.indices.map { origin + Double($0) * 900 }
    forEachLoad(events, breaks: quarterBreaks + request.solarForecast.flatMap { [$0.start.timeIntervalSince1970, $0.end.timeIntervalSince1970] }) { instant, next, load in
        let q = Int(((instant - origin) / 900 + 1e-9).rounded(.down))
        guard prices.indices.contains(q), load > 1e-9 else { return }
        quarterSolar[q] += min(load, surplusW(instant + 1e-3)) * (next - instant) / 3600
    }
    var expectedSolar = 0.0
    var expectedCost = 0.0
    for q in prices.indices where energy[q] > 1e-9 {
        let fromSolar = min(energy[q], quarterSolar[q])
        expectedSolar += fromSolar
        expectedCost += (fromSolar * exportPrice + (energy[q] - fromSolar) * prices[q]) / 1000
    }
    let solar = reportedSolar.reduce(0, +)
    let cost = reportedCost.reduce(0, +)
    #expect(abs(solar - expectedSolar) <= 1e-6 * max(1, expectedSolar), "solar \(solar) Wh, expected \(expectedSolar)",
            sourceLocation: sourceLocation)
    #expect(abs(cost - expectedCost) <= 1e-9 * max(1, expectedCost) + 1e-9, "cost \(cost), expected \(expectedCost)",
            sourceLocation: sourceLocation)
}
