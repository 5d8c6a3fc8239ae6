import Foundation
import Planning

/// Divides the room the connection leaves for the chargers (the limit less the house load)
/// among the vehicles that want to charge (docs/site.md). Pure: the same demands and room give
/// the same powers.
///
/// The power goes by priority (``Priority``: boost, then fast, then a smart car's `min_soc`
/// energy and a `min_solar` car's minimum, then smart plans, then the solar surplus). Within a priority the chargers already running keep their place
/// first (a newcomer does not push a running car off), then the others in configuration
/// order are let in while their minimum powers fit; those let in share what is left fairly
/// (the same level for all, capped by what each wants), each rounded down to a power its
/// charger can draw, and what the rounding leaves goes back one step at a time to the lowest.
/// A switch charger is let in only when its full power fits; a current or power charger never
/// below its minimum (it is stopped instead). What a priority leaves goes to the next one.
struct SiteGuard: Sendable {
    /// Why a vehicle wants power, highest first.
    enum Priority: Int, Comparable, Sendable, CaseIterable {
        /// `boost`: until the target, at full power.
        case boost
        /// `fast`, or smart with no plan (no prices): at full power now.
        case fast
        /// A smart car below `min_soc`: charged at once whatever the price.
        case minimumSoc
        /// A smart car's plan: at most its slot's power.
        case plan
        /// Power from the solar surplus (`solar`, `min_solar` above its minimum, a smart car
        /// outside its plan's slots): only what would be exported (``divideSurplus``).
        case surplus

        static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
    }

    /// What one vehicle wants.
    struct Demand: Sendable, Equatable {
        var priority: Priority
        var charger: Charger
        /// The most it should draw, W (rounded down to what its charger can draw).
        var ceilingW: Double
        /// What it was last told to draw, W (0: stopped or not yet told).
        var currentW: Double
        /// Whether it may be started now (false while it is held off after a stop).
        var mayStart: Bool = true
    }

    /// After a stop a charger stays off at least this long, s (docs/site.md, "Switching").
    static let minimumOffSeconds: TimeInterval = 120
    /// After a start a charger stays on at least this long unless the fuse, the driver or the
    /// car needs it off, s.
    static let minimumOnSeconds: TimeInterval = 60
    /// After a reduction a charger's power is raised again only after this long, s (a meter
    /// that hovers around a step does not make the current go up and down at every reading).
    static let raiseDelaySeconds: TimeInterval = 10
    /// A running charger's power is not changed by less than this, W: 100 W, or 1 % of its
    /// maximum power when that is more (docs/site.md, "Deadband"). A re-plan after every state
    /// of charge report moves a slot's power by a few watts; the charger, the car and the energy
    /// do not notice, but every command costs a message and, on many wallboxes, a ramp. A
    /// reduction the room needs is always sent.
    static func deadbandW(_ charger: Charger) -> Double {
        Swift.max(100, 0.01 * charger.maxPowerW)
    }

    /// The power for each demand (in their order): 0, or one its charger can draw, at most its
    /// ceiling; together at most `roomW` (nil: no limit; below 0 counts as 0).
    static func divide(_ demands: [Demand], roomW: Double?) -> [Double] {
        guard let roomW else {
            // No limit: each gets what it wants, at a power its charger can draw.
            return demands.map { $0.currentW > 0 || $0.mayStart ? drawableCeiling($0) : 0 }
        }
        var powers = Array(repeating: 0.0, count: demands.count)
        var room = Swift.max(0, roomW)
        var byPriority: [Priority: [Int]] = [:]
        for (index, demand) in demands.enumerated() where drawableCeiling(demand) > 0 {
            byPriority[demand.priority, default: []].append(index)
        }
        for priority in Priority.allCases {
            guard let group = byPriority[priority] else { continue }
            // Running chargers keep their place; newcomers follow in configuration order.
            let order = group.filter { demands[$0].currentW > 0 } + group.filter { demands[$0].currentW <= 0 && demands[$0].mayStart }
            var admitted: [Int] = []
            var floorW = 0.0
            for index in order where floorW + demands[index].charger.minPowerW <= room + 1e-9 {
                admitted.append(index)
                floorW += demands[index].charger.minPowerW
            }
            guard !admitted.isEmpty else { continue }
            let shares = share(admitted.map { demands[$0] }, roomW: room)
            for (index, power) in zip(admitted, shares) {
                powers[index] = power
                room -= power
            }
            room = Swift.max(0, room)
        }
        return powers
    }

    /// The most this demand's charger can draw at or under its ceiling (0: it cannot charge).
    static func drawableCeiling(_ demand: Demand) -> Double {
        guard demand.ceilingW > 0 else { return 0 }
        let power = demand.charger.highestPower(atMost: Swift.min(demand.ceilingW, demand.charger.maxPowerW))
        return demand.charger.kind == .power ? wholeWatts(power, charger: demand.charger) : power
    }

    /// Fair shares of `roomW` for chargers whose minimums together fit in it: one level for all
    /// (each between its minimum and its ceiling), rounded down to drawable powers, then the
    /// rest handed out a step at a time to the lowest.
    private static func share(_ demands: [Demand], roomW: Double) -> [Double] {
        let minimums = demands.map(\.charger.minPowerW)
        let ceilings = demands.map(drawableCeiling)
        func total(_ level: Double) -> Double {
            zip(minimums, ceilings).reduce(0) { $0 + Swift.min($1.1, Swift.max($1.0, level)) }
        }
        var powers: [Double]
        if total(.infinity) <= roomW {
            powers = ceilings
        } else {
            var low = 0.0, high = ceilings.max() ?? 0
            for _ in 0..<60 {
                let mid = (low + high) / 2
                if total(mid) <= roomW { low = mid } else { high = mid }
            }
            powers = zip(zip(minimums, ceilings), demands).map { bounds, demand in
                let level = Swift.min(bounds.1, Swift.max(bounds.0, low))
                let power = demand.charger.highestPower(atMost: level)
                return demand.charger.kind == .power ? wholeWatts(power, charger: demand.charger) : power
            }
        }
        var left = roomW - powers.reduce(0, +)
        var raised = true
        while raised, left > 1e-9, roomW.isFinite {
            raised = false
            for index in powers.indices.sorted(by: { (powers[$0], $0) < (powers[$1], $1) }) {
                let demand = demands[index]
                let step: Double
                switch demand.charger.kind {
                case .switch: continue
                case .power: step = left
                case .current: step = demand.charger.power(currentA: demand.charger.currentStepA)
                }
                var next = demand.charger.highestPower(atMost: Swift.min(ceilings[index], powers[index] + Swift.min(step, left)))
                if demand.charger.kind == .power { next = wholeWatts(next, charger: demand.charger) }
                if next > powers[index] + 1e-9 {
                    left -= next - powers[index]
                    powers[index] = next
                    raised = true
                }
            }
        }
        return powers
    }

    /// A power charger's power rounded down to whole watts (its command carries an integer),
    /// never below its minimum.
    static func wholeWatts(_ powerW: Double, charger: Charger) -> Double {
        let whole = (powerW + 1e-6).rounded(.down)
        return whole >= charger.minPowerW - 1e-9 ? whole : powerW
    }
}
