import Foundation
@testable import Planning
import Tariffs
import TestSupport
import Testing

/// Executable plans (docs/schedules.md): every slot power is one the device's charger can
/// draw; one car stays exact, several cars under a binding limit stay within 1 % of the best
/// executable schedule found by exhaustive search.
struct ExecutablePlanTests {
    static let origin = at("2026-01-05T00:00:00Z")

    /// A random charger whose powers are whole multiples of 230 W (so the exhaustive search
    /// can try them all): current on 1 or 3 phases, switch, or power.
    static func randomCharger(_ rng: inout SeededGenerator) -> (charger: Charger, levels: [Int]) {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            let step = [1.0, 2].randomElement(using: &rng)!
            let maxA = 6 + step * Double(Int.random(in: 1...(step == 1 ? 4 : 3), using: &rng))
            let charger = Charger.current(phases: 1, minCurrentA: 6, maxCurrentA: maxA, stepA: step)
            return (charger, charger.steps!.map { Int(($0 / 230).rounded()) })
        case 1:
            let maxA = Double(Int.random(in: 6...8, using: &rng))
            let charger = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: maxA)
            return (charger, charger.steps!.map { Int(($0 / 230).rounded()) })
        case 2:
            let units = Int.random(in: 6...16, using: &rng)
            return (.switched(powerW: Double(units) * 230, phases: 1), [units])
        default:
            let low = Int.random(in: 4...8, using: &rng)
            let high = low + Int.random(in: 0...4, using: &rng)
            return (.power(minPowerW: Double(low) * 230, maxPowerW: Double(high) * 230, phases: 1), Array(low...high))
        }
    }

    /// Random prices per quarter-hour, positive (so a relative gap means something), in cents.
    static func randomPrices(quarters: Int, _ rng: inout SeededGenerator) -> [Double] {
        (0..<quarters).map { _ in Double(Int.random(in: 5...40, using: &rng)) / 100 }
    }

    static func slices(_ prices: [Double]) -> [RateSlice] {
        prices.enumerated().map { q, price in
            RateSlice(start: origin.addingTimeInterval(Double(q) * 900), end: origin.addingTimeInterval(Double(q + 1) * 900),
                      pricePerKWh: price, type: .dynamic)
        }
    }

    @Test func oneCarIsExactAgainstExhaustiveSearch() throws {
        var rng = SeededGenerator(seed: 0xC4A2_0001)
        var checked = 0
        var short = 0
        for round in 0..<400 {
            let quarters = Int.random(in: 2...8, using: &rng)
            let prices = Self.randomPrices(quarters: quarters, &rng)
            let (charger, levels) = Self.randomCharger(&rng)
            let first = Int.random(in: 0..<quarters, using: &rng)
            let last = Int.random(in: (first + 1)...quarters, using: &rng)
            let siteUnits: Int? = Bool.random(using: &rng) ? Int.random(in: 5...20, using: &rng) : nil
            let usable = levels.filter { $0 <= siteUnits ?? .max }
            let demand = Int.random(in: 1...max(1, (usable.max() ?? levels[0]) * 3 * (last - first) * 5 / 4), using: &rng)
            let car = DeviceRequest(
                deviceId: "car", start: Self.origin.addingTimeInterval(Double(first) * 900),
                end: Self.origin.addingTimeInterval(Double(last) * 900), maxPowerW: charger.maxPowerW,
                energyWh: Double(demand) * ExhaustiveSearch.unitWh(cellsPerQuarter: 3), charger: charger)
            let request = ChargeRequest(sitePowerW: siteUnits.map { Double($0) * 230 }, devices: [car])
            let rates = Self.slices(prices)
            let plan = try Planner.plan(request, slices: rates)
            checkConstraints(plan, request: request, slices: rates)
            let best = ExhaustiveSearch.best(
                cars: [.init(first: first, last: last, levels: usable, demand: demand)], prices: prices, siteUnits: siteUnits)
            let bestWh = Double(best.units) * ExhaustiveSearch.unitWh(cellsPerQuarter: 3)
            checked += 1
            if plan.devices[0].shortfallWh > 0 { short += 1 }
            #expect(abs(plan.devices[0].energyWh - bestWh) <= 1e-6 * max(1, bestWh),
                    "round \(round): delivered \(plan.devices[0].energyWh) Wh, the best executable \(bestWh) Wh")
            #expect(abs(plan.cost - best.cost) <= 1e-9 * max(1, best.cost),
                    "round \(round): cost \(plan.cost), the best executable \(best.cost)")
            // One car: the continuous relaxation is executable, so the bound is met.
            #expect(abs((plan.lowerBoundCost ?? -1) - plan.cost) <= 1e-9 * max(1, plan.cost), "round \(round)")
        }
        #expect(checked == 400 && short > 40 && short < 360, "short \(short)")
    }

    /// What one run of random joint instances found (see `severalCars`).
    struct JointRun {
        var compared = 0
        var finer = 0
        var binding = 0
        var worstGap = -Double.infinity
        /// The most energy a plan delivered below the exhaustive search (Wh; <= 0: never less).
        var worstShortWh = -Double.infinity
    }

    /// Random instances of 2 or 3 cars with chargers of every kind under a binding limit, from
    /// `seed`, rounds `rounds` (the generator runs through the earlier rounds, so a round is the
    /// same instance whichever range it is replayed in). Each plan is checked against the
    /// exhaustive search: never less energy, at most 1 % dearer for the same energy.
    static func severalCars(seed: UInt64, rounds: Range<Int>) throws -> JointRun {
        var rng = SeededGenerator(seed: seed)
        var run = JointRun()
        for round in 0..<rounds.upperBound {
            let cars = round % 4 == 3 ? 3 : 2
            let quarters = cars == 3 ? Int.random(in: 2...3, using: &rng) : Int.random(in: 2...4, using: &rng)
            let prices = randomPrices(quarters: quarters, &rng)
            let siteUnits = Int.random(in: 8...24, using: &rng)
            var devices: [DeviceRequest] = []
            var searchCars: [ExhaustiveSearch.Car] = []
            for j in 0..<cars {
                let (charger, levels) = randomCharger(&rng)
                let first = Int.random(in: 0..<quarters, using: &rng)
                let last = Int.random(in: (first + 1)...quarters, using: &rng)
                let usable = levels.filter { $0 <= siteUnits }
                let cap = cars == 3 ? 18 : 36
                let demand = Int.random(in: 1...min(cap, max(1, (usable.max() ?? 1) * 3 * (last - first))), using: &rng)
                devices.append(DeviceRequest(
                    deviceId: "car\(j)", start: origin.addingTimeInterval(Double(first) * 900),
                    end: origin.addingTimeInterval(Double(last) * 900), maxPowerW: charger.maxPowerW,
                    energyWh: Double(demand) * ExhaustiveSearch.unitWh(cellsPerQuarter: 3), charger: charger))
                searchCars.append(.init(first: first, last: last, levels: usable, demand: demand))
            }
            guard rounds.contains(round) else { continue }
            let request = ChargeRequest(sitePowerW: Double(siteUnits) * 230, devices: devices)
            let rates = slices(prices)
            let plan = try Planner.plan(request, slices: rates)
            checkConstraints(plan, request: request, slices: rates)
            let best = ExhaustiveSearch.best(cars: searchCars, prices: prices, siteUnits: siteUnits)
            let bestWh = Double(best.units) * ExhaustiveSearch.unitWh(cellsPerQuarter: 3)
            let delivered = plan.devices.reduce(0) { $0 + $1.energyWh }
            if abs(plan.cost - (plan.lowerBoundCost ?? plan.cost)) > 1e-9 { run.binding += 1 }
            run.worstShortWh = max(run.worstShortWh, bestWh - delivered)
            if ProcessInfo.processInfo.environment["EXECUTABLE_DEBUG"] != nil,
               delivered < bestWh - 1e-3 || (delivered <= bestWh + 1e-3 && plan.cost > best.cost * 1.01 + 1e-9) {
                print("DEBUG seed \(seed) round \(round): site \(siteUnits) units, prices \(prices); "
                    + "\(delivered) Wh for \(plan.cost), the search \(bestWh) Wh for \(best.cost)")
                for (car, d) in zip(searchCars, plan.devices) {
                    print("DEBUG  car [\(car.first), \(car.last)) levels \(car.levels) demand \(car.demand) -> \(d.energyWh) Wh: "
                        + d.slots.map { "\($0.start.timeIntervalSince(origin))-\($0.end.timeIntervalSince(origin)) @\($0.powerW)" }.joined(separator: ", "))
                }
            }
            #expect(delivered >= bestWh - 1e-6 * max(1, bestWh),
                    "seed \(seed) round \(round): delivered \(delivered) Wh, the exhaustive search \(bestWh) Wh")
            if delivered >= devices.reduce(0, { $0 + $1.energyWh }) - 1e-6 {
                // All delivered: the relaxation delivered the same and is a lower bound.
                #expect(plan.cost >= (plan.lowerBoundCost ?? 0) - 1e-9, "seed \(seed) round \(round): below the relaxation")
            }
            guard delivered <= bestWh + 1e-6 * max(1, bestWh) else {
                // Finer timing than the search's cells delivered more: not comparable by cost.
                run.finer += 1
                continue
            }
            guard best.cost > 1e-9 else {
                #expect(plan.cost <= 1e-9, "seed \(seed) round \(round): cost \(plan.cost), the best executable nothing")
                continue
            }
            run.compared += 1
            let gap = plan.cost / best.cost - 1
            run.worstGap = max(run.worstGap, gap)
            #expect(gap <= 0.01, "seed \(seed) round \(round): cost \(plan.cost), the best executable \(best.cost) (\(gap * 100) %)")
        }
        print("executable joint plans, seed \(seed) rounds \(rounds): \(run.compared) compared, \(run.finer) finer, "
            + "\(run.binding) above the relaxation, worst gap \(run.worstGap * 100) %, worst short \(run.worstShortWh) Wh")
        return run
    }

    /// Several cars under a binding limit: never less energy than the exhaustive search, and at
    /// most 1 % dearer for the same energy. Worst gap with this seed (600 instances): 0.0000002 %;
    /// over other seeds see `otherSeeds` and docs/schedules.md, "Executable plans".
    @Test func severalCarsStayWithinOnePercentOfExhaustiveSearch() throws {
        let run = try Self.severalCars(seed: 0xC4A2_0002, rounds: 0..<600)
        #expect(run.compared > 400 && run.binding > 40, "compared \(run.compared), binding \(run.binding)")
    }

    /// Instances from other seeds where a plan once fell short of the exhaustive search's
    /// energy: stepped chargers that can only take turns, whose exact split the layout
    /// missed.
    @Test func severalCarsDeliverAsMuchAsExhaustiveSearch() throws {
        for instance in Self.regressions {
            let run = try Self.severalCars(seed: instance.seed, rounds: instance.round..<(instance.round + 1))
            #expect(run.worstShortWh <= 1e-6, "seed \(instance.seed) round \(instance.round): \(run.worstShortWh) Wh short")
        }
    }

    static let regressions: [(seed: UInt64, round: Int)] = [(12, 530), (26, 209), (54, 543), (44, 79), (53, 200), (50, 568), (15, 459), (59, 347), (52, 183), (57, 163)]

    /// Instances from other seeds where a plan once cost more than 1 % above the exhaustive
    /// search (up to 5.43 %): the heuristic's moves could not reach the best split of the
    /// turns; small groups are now solved exactly (docs/schedules.md, "Executable plans").
    @Test func severalCarsStayWithinOnePercentOnceMissed() throws {
        for instance in Self.costRegressions {
            let run = try Self.severalCars(seed: instance.seed, rounds: instance.round..<(instance.round + 1))
            #expect(run.compared == 1, "seed \(instance.seed) round \(instance.round): not comparable by cost")
            #expect(run.worstGap <= 0.01, "seed \(instance.seed) round \(instance.round): \(run.worstGap * 100) %")
        }
    }

    static let costRegressions: [(seed: UInt64, round: Int)] = [(60, 539), (38, 385), (33, 474), (60, 108), (25, 384)]

    /// The wider run, by hand: `EXECUTABLE_SEEDS=10,11,12 swift test --filter otherSeeds`
    /// (600 instances per seed).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["EXECUTABLE_SEEDS"] != nil))
    func otherSeeds() throws {
        let seeds = (ProcessInfo.processInfo.environment["EXECUTABLE_SEEDS"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        var total = JointRun()
        var count = 0
        for seed in seeds {
            let run = try Self.severalCars(seed: seed, rounds: 0..<600)
            total.compared += run.compared
            total.finer += run.finer
            total.binding += run.binding
            total.worstGap = max(total.worstGap, run.worstGap)
            total.worstShortWh = max(total.worstShortWh, run.worstShortWh)
            count += 600
        }
        print("executable joint plans, \(seeds.count) seeds, \(count) instances: \(total.compared) compared, \(total.finer) finer, "
            + "\(total.binding) above the relaxation, worst gap \(total.worstGap * 100) %, worst short \(total.worstShortWh) Wh")
    }

    /// Random fleets with every option and every charger kind under a shared limit: every slot
    /// power is drawable and every constraint of the contract holds.
    @Test func jointPlansWithChargersAndOptionsKeepEveryConstraint() throws {
        var rng = SeededGenerator(seed: 0xC4A2_0003)
        var checked = 0
        for _ in 0..<800 {
            let units = Int.random(in: 4...16, using: &rng)
            let rates = PlanPropertyTests.randomSlices(units: units, &rng)
            var devices: [DeviceRequest] = []
            for j in 0..<Int.random(in: 1...5, using: &rng) {
                let first = Int.random(in: 0..<units, using: &rng)
                let last = Int.random(in: (first + 1)...units, using: &rng)
                let (charger, _) = Self.randomCharger(&rng)
                let withCharger = Int.random(in: 0..<5, using: &rng) != 0
                var device = DeviceRequest(
                    deviceId: "car\(j)", start: PlanPropertyTests.origin.addingTimeInterval(Double(first) * 900 + Double(Int.random(in: 0...1, using: &rng)) * 420),
                    end: PlanPropertyTests.origin.addingTimeInterval(Double(last) * 900),
                    maxPowerW: withCharger ? charger.maxPowerW : Double(Int.random(in: 1...4, using: &rng)) * 1000,
                    energyWh: Double(Int.random(in: 0...(last - first) * 4, using: &rng)) * 200,
                    charger: withCharger ? charger : nil)
                if Bool.random(using: &rng) { device.minEnergyWh = Double(Int.random(in: 0...6, using: &rng)) * 200 }
                if Int.random(in: 0..<3, using: &rng) == 0 { device.preconditionMinutes = Double(Int.random(in: 1...40, using: &rng)) }
                if Int.random(in: 0..<4, using: &rng) == 0 { device.continuous = true }
                if Int.random(in: 0..<3, using: &rng) == 0 { device.priceCapPerKWh = Double(Int.random(in: 0...5, using: &rng)) * 0.05 }
                devices.append(device)
            }
            let site: Double? = Int.random(in: 0..<5, using: &rng) == 0 ? nil : Double(Int.random(in: 8...30, using: &rng)) * 230
            let request = ChargeRequest(sitePowerW: site, devices: devices)
            guard devices.allSatisfy({ d in rates.contains { $0.end > d.start && $0.start < d.end } }) else { continue }
            let plan = try Planner.plan(request, slices: rates)
            checkConstraints(plan, request: request, slices: rates)
            checked += 1
        }
        #expect(checked > 500)
    }

    /// Issue #15's case: two cars under 11 kW on the night of 2026-05-20 (real day-ahead
    /// prices). Without chargers the plan asks one car for a power below 6 A; with them, every
    /// slot is a whole number of amps from 6 A, and the two never draw more than 11 kW.
    @Test func twoCarsOnTheNightOfMay20AreExecutable() throws {
        let prices = loadPrices(RepositoryPrices.quarterHours, months: ["2026-05"])
        let from = at("2026-05-20T18:00:00Z")
        let to = at("2026-05-21T05:00:00Z")
        let night = window(prices, from: from, to: to)
        try #require(night.count == 44)
        let a = Charger.current(phases: 3, minCurrentA: 6, maxCurrentA: 16)
        let b = Charger.current(phases: 1, minCurrentA: 6, maxCurrentA: 32)
        func request(chargers: Bool) -> ChargeRequest {
            ChargeRequest(sitePowerW: 11000, devices: [
                DeviceRequest(deviceId: "a", start: from, end: to, maxPowerW: 11000, energyWh: 30000, charger: chargers ? a : nil),
                DeviceRequest(deviceId: "b", start: from, end: to, maxPowerW: 7400, energyWh: 25000, charger: chargers ? b : nil),
            ])
        }
        let continuous = try Planner.plan(request(chargers: false), slices: night)
        let undrawable = continuous.devices[0].slots.filter { !a.canDraw($0.powerW) }
            + continuous.devices[1].slots.filter { !b.canDraw($0.powerW) }
        #expect(!undrawable.isEmpty, "the continuous plan is already executable; the case no longer shows the issue")
        #expect(continuous.devices[0].slots.contains { $0.powerW < a.minPowerW - 1e-6 })

        let executable = request(chargers: true)
        let plan = try Planner.plan(executable, slices: night)
        checkConstraints(plan, request: executable, slices: night)
        for (device, charger) in zip(plan.devices, [a, b]) {
            // Delivered in full (to the microwatt-hours the instants' precision allows).
            #expect(device.shortfallWh < 1e-3)
            for slot in device.slots {
                let amps = charger.currentA(powerW: slot.powerW)
                #expect(amps >= 6 - 1e-9 && abs(amps - amps.rounded()) < 1e-9, "\(device.request.deviceId): \(slot.powerW) W")
            }
        }
        // The limit in every slot: at every instant where any slot starts, the sum of powers.
        let instants = Set(plan.devices.flatMap { $0.slots.map(\.start) })
        for instant in instants {
            let load = plan.devices.flatMap(\.slots).filter { $0.start <= instant && $0.end > instant }.reduce(0) { $0 + $1.powerW }
            #expect(load <= 11000 + 1e-6, "\(load) W at \(Timestamp.format(instant))")
        }
        let bound = try #require(plan.lowerBoundCost)
        #expect(plan.cost >= bound - 1e-9 && plan.cost <= bound * 1.01 + 1e-9, "cost \(plan.cost), bound \(bound)")
    }
}
