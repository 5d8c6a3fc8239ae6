import Testing
@testable import Planning

/// What a charger can draw (docs/schedules.md, "Chargers"): the powers of each kind, and the
/// problems of bad settings naming the key.
struct ChargerTests {
    @Test func currentChargerStepsCountFromTheMinimum() {
        // 6-16 A on 3 phases in 2 A steps: 6, 8, ..., 16 A times 690 W.
        let charger = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 16, stepA: 2)
        #expect(charger.steps == [4140, 5520, 6900, 8280, 9660, 11040])
        #expect(charger.minPowerW == 4140)
        #expect(charger.maxPowerW == 11040)
        #expect(charger.highestPower(atMost: 4139) == 0)
        #expect(charger.highestPower(atMost: 6000) == 5520)
        #expect(charger.highestPower(atMost: 20_000) == 11040)
        #expect(charger.lowestPower(atLeast: 0) == 0)
        #expect(charger.lowestPower(atLeast: 3600) == 4140)
        #expect(charger.lowestPower(atLeast: 5520) == 5520)
        #expect(charger.lowestPower(atLeast: 5521) == 6900)
        #expect(charger.lowestPower(atLeast: 11041) == nil)
        #expect(charger.canDraw(0) && charger.canDraw(6900) && !charger.canDraw(3600) && !charger.canDraw(6000))
        #expect(abs(charger.currentA(powerW: 6900) - 10) < 1e-12)
    }

    @Test func switchChargerDrawsOnlyItsFullPower() {
        let charger = Charger.switched(powerW: 3680, phases: 1)
        #expect(charger.steps == nil)
        #expect(charger.highestPower(atMost: 3679) == 0)
        #expect(charger.highestPower(atMost: 5000) == 3680)
        #expect(charger.lowestPower(atLeast: 100) == 3680)
        #expect(charger.lowestPower(atLeast: 3681) == nil)
        #expect(charger.canDraw(3680) && !charger.canDraw(1840))
    }

    @Test func powerChargerDrawsAnythingFromItsMinimum() {
        let charger = Charger.power(minPowerW: 1380, maxPowerW: 7400)
        #expect(charger.highestPower(atMost: 1000) == 0)
        #expect(charger.highestPower(atMost: 2345.5) == 2345.5)
        #expect(charger.highestPower(atMost: 9000) == 7400)
        #expect(charger.lowestPower(atLeast: 500) == 1380)
        #expect(charger.lowestPower(atLeast: 2345.5) == 2345.5)
        #expect(charger.canDraw(2345.5) && !charger.canDraw(1000) && !charger.canDraw(7401))
    }

    @Test(arguments: [
        (Charger.current(phases: 2, maxCurrentA: 16), "phases"),
        (Charger.current(phases: 3, minCurrentA: 0, maxCurrentA: 16), "min_current_a"),
        (Charger.current(phases: 3, minCurrentA: 10, maxCurrentA: 8), "min_current_a"),
        (Charger.current(phases: 3, maxCurrentA: 16, stepA: 0), "current_step_a"),
        (Charger.current(phases: 3, maxCurrentA: 16, stepA: 3), "current_step_a"),
        (Charger.power(minPowerW: 0, maxPowerW: 7400), "min_power_w"),
        (Charger.power(minPowerW: 8000, maxPowerW: 7400), "min_power_w"),
        (Charger.switched(powerW: 0), "max_power_w"),
    ])
    func badSettingsNameTheKey(charger: Charger, key: String) {
        #expect(charger.problem?.key == key)
    }

    @Test func usableSettingsHaveNoProblem() {
        #expect(Charger.current(phases: 1, maxCurrentA: 32).problem == nil)
        #expect(Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 16, stepA: 0.5).problem == nil)
        #expect(Charger.power(minPowerW: 1380, maxPowerW: 1380).problem == nil)
        #expect(Charger.switched(powerW: 2300).problem == nil)
    }
}
