import Foundation
import Planning

extension SiteGuard {
    /// A car that may charge from the solar surplus (docs/site.md, "Solar").
    struct SurplusCandidate: Sendable, Equatable {
        var charger: Charger
        /// The most it should draw, W.
        var ceilingW: Double
        /// What it was last told to draw, W.
        var currentW: Double
        /// Whether it draws now (told a power, or, after a restart, its own reading says so).
        var running: Bool
        /// Whether it may be started now (the hold after a stop is over).
        var mayStart: Bool
        /// A `min_solar` car whose minimum the guard granted: let in whatever the surplus.
        var keepsMinimum: Bool
        /// Its switching on the surplus (not used when it keeps its minimum).
        var follower: SolarFollower
    }

    /// The powers of the cars that follow the surplus (in their order) and their switching
    /// after this division.
    ///
    /// `surplusW` is what they may share: what would be exported with none of them charging,
    /// less what the higher priorities were given. A car's minimum counts as covered when the
    /// surplus still holds it after the minimums of those let in before it (`min_solar` cars
    /// first, then the running ones, then the others in their order): a fair share then gives
    /// each at least its minimum. Those let in share `max(surplusW, their minimums)` at one
    /// level (a car on its disable delay holds its minimum), within `roomW` (nil: no limit),
    /// at powers their chargers can draw.
    static func divideSurplus(_ candidates: [SurplusCandidate], surplusW: Double, roomW: Double?, at now: Date,
                              enableDelay: TimeInterval, disableDelay: TimeInterval) -> (powers: [Double], followers: [SolarFollower]) {
        var followers = candidates.map(\.follower)
        let order = candidates.indices.filter { candidates[$0].keepsMinimum }
            + candidates.indices.filter { !candidates[$0].keepsMinimum && candidates[$0].running }
            + candidates.indices.filter { !candidates[$0].keepsMinimum && !candidates[$0].running }
        var letIn: [Int] = []
        var minimumsW = 0.0
        for index in order {
            let candidate = candidates[index]
            let minimum = candidate.charger.minPowerW
            if candidate.keepsMinimum {
                followers[index].reset()
            } else {
                let covered = minimumsW + minimum <= surplusW + 1e-9
                let on = followers[index].update(covered: covered, running: candidate.running, at: now,
                                                 enableDelay: enableDelay, disableDelay: disableDelay)
                // Let in when on; a car not yet drawing starts only into a surplus that covers it now.
                guard on, candidate.running || (covered && candidate.mayStart) else { continue }
            }
            letIn.append(index)
            minimumsW += minimum
        }
        var powers = Array(repeating: 0.0, count: candidates.count)
        guard !letIn.isEmpty else { return (powers, followers) }
        var budget = Swift.max(surplusW, minimumsW)
        if let roomW { budget = Swift.min(budget, roomW) }
        let demands = letIn.map { index in
            Demand(priority: .surplus, charger: candidates[index].charger, ceilingW: candidates[index].ceilingW,
                   currentW: candidates[index].currentW, mayStart: true)
        }
        for (index, power) in zip(letIn, divide(demands, roomW: budget)) { powers[index] = power }
        return (powers, followers)
    }
}
