import Foundation
@testable import Planning
import Tariffs
import Testing

/// The exact layout keeps the layout in force among equal optima (``ChargeRequest/layoutInForce``,
/// docs/schedules.md, "Several devices under a binding limit"): under a 3,000 W limit a car on a
/// 2,990 W switched charger and one on a 6-13 A single-phase charger (13 A: 2,990 W) take
/// turns, each wanting a quarter-hour at 2,990 W, at a flat price: the last two quarter-hours
/// hold them in many equal ways (the continuous optimum shares 3,000 W, which neither can draw,
/// so the exact layout lays them out).
struct LayoutInForceTests {
    static let origin = ExecutablePlanTests.origin
    static let prices = [0.2, 0.2, 0.2, 0.2]

    static let energyWh = 747.5

    static func request(from start: Date = origin) -> ChargeRequest {
        let chargers = [Charger.switched(powerW: 2990, phases: 1), .current(phases: 1, minCurrentA: 6, maxCurrentA: 13)]
        let devices = zip(["a", "b"], chargers).map {
            DeviceRequest(deviceId: $0, start: start, end: origin.addingTimeInterval(3600), maxPowerW: 2990,
                          energyWh: energyWh, charger: $1)
        }
        return ChargeRequest(sitePowerW: 3000, devices: devices)
    }

    static func quarter(_ q: Double, _ length: Double = 1) -> (Date, Date) {
        (origin.addingTimeInterval(q * 900), origin.addingTimeInterval((q + length) * 900))
    }

    static func slot(_ span: (Date, Date), _ powerW: Double) -> ChargingSlot {
        ChargingSlot(start: span.0, end: span.1, powerW: powerW, energyWh: powerW * span.1.timeIntervalSince(span.0) / 3600, cost: 0)
    }

    /// The slots as (start, end, W), to compare layouts.
    static func shape(_ plan: Plan) -> [[String]] {
        plan.devices.map { device in
            device.slots.map { "\(Int($0.start.timeIntervalSince(origin).rounded()))-\(Int($0.end.timeIntervalSince(origin).rounded())) \(Int($0.powerW.rounded())) W" }
        }
    }

    static func plan(_ request: ChargeRequest) throws -> Plan {
        try Planner.plan(request, slices: ExecutablePlanTests.slices(prices))
    }

    @Test func aReplanKeepsItsOwnLayout() throws {
        let first = try Self.plan(Self.request())
        #expect(first.devices.allSatisfy { abs($0.energyWh - Self.energyWh) < 1e-6 })
        var again = Self.request()
        again.layoutInForce = first.devices.map(\.slots)
        #expect(Self.shape(try Self.plan(again)) == Self.shape(first))
        // A minute later, nothing charged yet (the cars wait for the last half hour): the same.
        var later = Self.request(from: Self.origin.addingTimeInterval(60))
        later.layoutInForce = first.devices.map(\.slots)
        #expect(Self.shape(try Self.plan(later)) == Self.shape(first))
    }

    @Test func eachEqualOptimumInForceIsKept() throws {
        let layouts: [[[ChargingSlot]]] = [
            // a in the last quarter, b in the one before; the other way round.
            [[Self.slot(Self.quarter(3), 2990)], [Self.slot(Self.quarter(2), 2990)]],
            [[Self.slot(Self.quarter(2), 2990)], [Self.slot(Self.quarter(3), 2990)]],
            // Turns within each quarter: a first, then b; b first, then a.
            [[Self.slot(Self.quarter(2, 0.5), 2990), Self.slot(Self.quarter(3, 0.5), 2990)],
             [Self.slot(Self.quarter(2.5, 0.5), 2990), Self.slot(Self.quarter(3.5, 0.5), 2990)]],
            [[Self.slot(Self.quarter(2.5, 0.5), 2990), Self.slot(Self.quarter(3.5, 0.5), 2990)],
             [Self.slot(Self.quarter(2, 0.5), 2990), Self.slot(Self.quarter(3, 0.5), 2990)]],
        ]
        var shapes: Set<[[String]]> = []
        for layout in layouts {
            var request = Self.request()
            request.layoutInForce = layout
            let plan = try Self.plan(request)
            let expected = layout.map { slots in
                slots.map { "\(Int($0.start.timeIntervalSince(Self.origin)))-\(Int($0.end.timeIntervalSince(Self.origin))) \(Int($0.powerW)) W" }
            }
            #expect(Self.shape(plan) == expected)
            #expect(plan.devices.allSatisfy { abs($0.energyWh - Self.energyWh) < 1e-6 })
            shapes.insert(Self.shape(plan))
        }
        #expect(shapes.count == layouts.count)
    }

    @Test func aLayoutInForceNeverCostsEnergyOrMoney() throws {
        // In force: both cars in the first quarter-hours, which are dear now. The plan moves them
        // to the cheap ones all the same.
        var request = Self.request()
        request.layoutInForce = [[Self.slot(Self.quarter(0), 2990)], [Self.slot(Self.quarter(1), 2990)]]
        let plan = try Planner.plan(request, slices: ExecutablePlanTests.slices([0.3, 0.3, 0.1, 0.1]))
        #expect(plan.devices.allSatisfy { abs($0.energyWh - Self.energyWh) < 1e-6 })
        #expect(plan.devices.allSatisfy { $0.slots.allSatisfy { $0.start >= Self.origin.addingTimeInterval(1800) } })
    }
}
