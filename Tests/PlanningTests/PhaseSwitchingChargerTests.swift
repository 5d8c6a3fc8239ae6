import Foundation
@testable import Planning
import TestSupport
import Testing

/// A current charger on three phases that switches to one (docs/site.md, "Phase switching"):
/// below its three-phase minimum it draws its currents on one phase, so it has two ranges of
/// power, and plans use both.
struct PhaseSwitchingChargerTests {
    /// 6-16 A: 1,380-3,680 W on one phase, 4,140-11,040 W on three.
    static let goE = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 16).switchingPhases()

    @Test func twoRangesOfPower() {
        let charger = Self.goE
        #expect(charger.minPowerW == 1_380 && charger.threePhaseMinPowerW == 4_140 && charger.maxPowerW == 11_040)
        let steps = try! #require(charger.steps)
        #expect(steps.count == 11 + 11)
        #expect(Array(steps.prefix(11)) == (6...16).map { Double($0) * 230 })
        #expect(Array(steps.suffix(11)) == (6...16).map { Double($0) * 690 })
        #expect(charger.highestPower(atMost: 1_379) == 0)
        #expect(charger.highestPower(atMost: 2_500) == 2_300) // 10 A on one phase
        #expect(charger.highestPower(atMost: 4_000) == 3_680) // 16 A on one phase
        #expect(charger.highestPower(atMost: 5_000) == 4_830) // 7 A on three
        #expect(charger.lowestPower(atLeast: 100) == 1_380)
        #expect(charger.lowestPower(atLeast: 2_301) == 2_530)
        #expect(charger.lowestPower(atLeast: 3_700) == 4_140) // the gap: the three-phase minimum
        #expect(charger.lowestPower(atLeast: 4_141) == 4_830)
        #expect(charger.lowestPower(atLeast: 11_041) == nil)
        #expect(charger.canDraw(2_300) && charger.canDraw(4_140) && !charger.canDraw(3_900) && !charger.canDraw(2_400))
        #expect(charger.phases(drawing: 3_680) == 1 && charger.phases(drawing: 4_140) == 3)
        #expect(charger.currentA(powerW: 2_300) == 10 && charger.currentA(powerW: 6_900) == 10)
        #expect(charger.problem == nil)
        // Held on one phase, or on three: one range each.
        #expect(charger.on(phases: 1) == .current(phases: 1, minCurrentA: 6, maxCurrentA: 16))
        #expect(charger.on(phases: 3) == .current(phases: 3, minCurrentA: 6, maxCurrentA: 16))
    }

    @Test func aThirtyTwoAmpChargerUsesOnePhaseOnlyBelowItsThreePhaseMinimum() {
        // 6-32 A: one phase would reach 7,360 W, but from 4,140 W up three phases draw it.
        let charger = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 32).switchingPhases()
        #expect(charger.on(phases: 1).maxCurrentA == 17) // 3,910 W
        #expect(charger.highestPower(atMost: 4_100) == 3_910)
        #expect(charger.highestPower(atMost: 4_500) == 4_140)
        #expect(charger.phases(drawing: 3_910) == 1 && charger.phases(drawing: 4_140) == 3)
    }

    @Test func onlyACurrentChargerOnThreePhasesSwitches() {
        #expect(Charger.current(phases: 1, maxCurrentA: 16).switchingPhases().problem?.key == "command_phases_topic")
        #expect(Charger.power(minPowerW: 1_380, maxPowerW: 11_000).switchingPhases().problem?.key == "command_phases_topic")
        #expect(Charger.switched(powerW: 3_680).switchingPhases().problem?.key == "command_phases_topic")
    }

    /// One car on a switching charger: plans use the one-phase powers, exactly as well as an
    /// exhaustive search over both ranges finds (6-7 A: 1,380 or 1,610 W, 4,140 or 4,830 W).
    @Test func plansUseBothRangesExactly() throws {
        let charger = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 7).switchingPhases()
        let levels = charger.steps!.map { Int(($0 / 230).rounded()) }
        #expect(levels == [6, 7, 18, 21])
        var rng = SeededGenerator(seed: 0x9A5E_0001)
        var onePhase = 0
        for round in 0..<200 {
            let quarters = Int.random(in: 2...6, using: &rng)
            let prices = ExecutablePlanTests.randomPrices(quarters: quarters, &rng)
            let siteUnits: Int? = Bool.random(using: &rng) ? Int.random(in: 5...20, using: &rng) : nil
            let usable = levels.filter { $0 <= siteUnits ?? .max }
            let demand = Int.random(in: 1...max(1, (usable.max() ?? levels[0]) * 3 * quarters * 5 / 4), using: &rng)
            let car = DeviceRequest(
                deviceId: "car", start: ExecutablePlanTests.origin, end: ExecutablePlanTests.origin.addingTimeInterval(Double(quarters) * 900),
                maxPowerW: charger.maxPowerW, energyWh: Double(demand) * ExhaustiveSearch.unitWh(cellsPerQuarter: 3), charger: charger)
            let request = ChargeRequest(sitePowerW: siteUnits.map { Double($0) * 230 }, devices: [car])
            let rates = ExecutablePlanTests.slices(prices)
            let plan = try Planner.plan(request, slices: rates)
            checkConstraints(plan, request: request, slices: rates)
            #expect(plan.devices[0].slots.allSatisfy { charger.canDraw($0.powerW) }, "round \(round): \(plan.devices[0].slots.map(\.powerW))")
            if plan.devices[0].slots.contains(where: { $0.powerW < 4_140 }) { onePhase += 1 }
            let best = ExhaustiveSearch.best(
                cars: [.init(first: 0, last: quarters, levels: usable, demand: demand)], prices: prices, siteUnits: siteUnits)
            let bestWh = Double(best.units) * ExhaustiveSearch.unitWh(cellsPerQuarter: 3)
            #expect(abs(plan.devices[0].energyWh - bestWh) <= 1e-6 * max(1, bestWh), "round \(round): \(plan.devices[0].energyWh) Wh, best \(bestWh) Wh")
            #expect(abs(plan.cost - best.cost) <= 1e-6 * max(1, best.cost), "round \(round): cost \(plan.cost), best \(best.cost)")
        }
        #expect(onePhase > 20, "one-phase slots in \(onePhase) of 200 plans")
    }
}
