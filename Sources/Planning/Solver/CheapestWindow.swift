/// The cheapest uninterrupted block of a given length over piecewise-constant prices.
///
/// Exact: the cost of a block `[a, a + T)` is piecewise linear in `a`, changing slope only
/// where `a` or `a + T` crosses a price boundary, so its minimum lies where the block's start
/// or its end sits on a boundary. Both families of candidates are evaluated; ties go to the
/// later block.
enum CheapestWindow {
    /// A run of contiguous pieces `[start, end)` with their prices; consecutive pieces touch.
    struct Piece {
        var start: Double
        var end: Double
        var price: Double
    }

    /// The block `[start, end)` of length `duration` seconds with the least cost inside one of
    /// `runs`. When no run is that long, the longest run (the earliest of equally long ones) is
    /// returned whole: the most that can be charged in one block, as early as it can.
    static func find(runs: [[Piece]], duration: Double) -> (start: Double, end: Double)? {
        guard duration > 0, !runs.isEmpty else { return nil }
        var best: (start: Double, cost: Double)?
        var bestRun: [Piece]?
        for run in runs where run.last!.end - run.first!.start >= duration - PlanningTolerance.seconds {
            guard let candidate = cheapest(in: run, duration: duration) else { continue }
            if let current = best {
                let slack = 1e-12 * max(1, abs(current.cost))
                if candidate.cost < current.cost - slack
                    || (candidate.cost <= current.cost + slack && candidate.start > current.start) {
                    best = candidate
                    bestRun = run
                }
            } else {
                best = candidate
                bestRun = run
            }
        }
        if let best, let bestRun {
            let start = min(best.start, bestRun.last!.end - duration)
            return (max(start, bestRun.first!.start), max(start, bestRun.first!.start) + duration)
        }
        var longest: [Piece]?
        for run in runs {
            let length = run.last!.end - run.first!.start
            if longest.map({ length > $0.last!.end - $0.first!.start + PlanningTolerance.seconds }) ?? true {
                longest = run
            }
        }
        guard let longest else { return nil }
        return (longest.first!.start, longest.last!.end)
    }

    /// The cheapest block in one run at least `duration` long.
    private static func cheapest(in run: [Piece], duration: Double) -> (start: Double, cost: Double)? {
        let count = run.count
        // prefix[i]: cost (price x seconds) from the run's start to run[i].start.
        var prefix = [Double](repeating: 0, count: count + 1)
        for i in 0..<count {
            prefix[i + 1] = prefix[i] + run[i].price * (run[i].end - run[i].start)
        }
        let runStart = run[0].start
        let runEnd = run[count - 1].end
        func boundary(_ i: Int) -> Double { i < count ? run[i].start : runEnd }
        // Cumulative cost at `instant`, with `hint` the piece index to start looking from.
        func cumulative(_ instant: Double, _ hint: inout Int) -> Double {
            while hint < count - 1, run[hint].end <= instant { hint += 1 }
            while hint > 0, run[hint].start > instant { hint -= 1 }
            return prefix[hint] + run[hint].price * (instant - run[hint].start)
        }
        var best: (start: Double, cost: Double)?
        func consider(_ start: Double, _ cost: Double) {
            if let current = best {
                let slack = 1e-12 * max(1, abs(current.cost))
                if cost < current.cost - slack || (cost <= current.cost + slack && start > current.start) {
                    best = (start, cost)
                }
            } else {
                best = (start, cost)
            }
        }
        // Blocks starting on a boundary.
        var endHint = 0
        for i in 0...count {
            let start = boundary(i)
            let end = start + duration
            if end > runEnd + PlanningTolerance.seconds { break }
            let clampedEnd = min(end, runEnd)
            consider(clampedEnd - duration, cumulative(clampedEnd, &endHint) - prefix[i])
        }
        // Blocks ending on a boundary.
        var startHint = 0
        for i in 0...count {
            let end = boundary(i)
            let start = end - duration
            if start < runStart - PlanningTolerance.seconds { continue }
            let clampedStart = max(start, runStart)
            consider(clampedStart, prefix[i] - cumulative(clampedStart, &startHint))
        }
        return best
    }
}
