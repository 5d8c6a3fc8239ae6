/// The location's load over time as consecutive pieces `[times[i], times[i+1])`, each with one
/// price (or none: a gap) and the power already committed there. Internal to the solver;
/// instants are seconds since 1970.
struct LoadTimeline {
    /// Breakpoints, strictly increasing; piece `i` is `[times[i], times[i + 1])`.
    private(set) var times: [Double]
    /// Power already committed in each piece, in W.
    var loadW: [Double]
    /// Index into the solver's slices of the price in force in each piece; -1 for a gap.
    private(set) var slice: [Int]

    /// Pieces over `[slices.first.start, slices.last.end)` split at every slice boundary and at
    /// every instant of `extraBreaks` inside that span.
    init(slices: [PriceSlice], extraBreaks: [Double]) {
        var breaks: [Double] = []
        breaks.reserveCapacity(slices.count * 2 + extraBreaks.count)
        for slice in slices {
            breaks.append(slice.start)
            breaks.append(slice.end)
        }
        let low = slices.first?.start ?? 0
        let high = slices.last?.end ?? 0
        for instant in extraBreaks where instant > low && instant < high {
            breaks.append(instant)
        }
        breaks.sort()
        var unique: [Double] = []
        unique.reserveCapacity(breaks.count)
        for instant in breaks where unique.last.map({ instant > $0 }) ?? true {
            unique.append(instant)
        }
        times = unique
        let count = max(0, unique.count - 1)
        loadW = [Double](repeating: 0, count: count)
        slice = [Int](repeating: -1, count: count)
        var s = 0
        for i in 0..<count {
            let mid = unique[i]
            while s < slices.count, slices[s].end <= mid { s += 1 }
            if s < slices.count, slices[s].start <= mid { slice[i] = s }
        }
    }

    /// Number of pieces.
    var count: Int { loadW.count }

    /// The index of the piece starting at `instant`, splitting a piece there if needed; `count`
    /// when `instant` is at or after the end. Instants closer than a microsecond to a breakpoint
    /// snap to it.
    mutating func split(at instant: Double) -> Int {
        var low = 0
        var high = times.count
        while low < high {
            let mid = (low + high) / 2
            if times[mid] < instant { low = mid + 1 } else { high = mid }
        }
        if low < times.count, times[low] - instant <= PlanningTolerance.seconds { return min(low, count) }
        if low > 0, instant - times[low - 1] <= PlanningTolerance.seconds { return low - 1 }
        if low == 0 { return 0 }
        if low >= times.count { return count }
        times.insert(instant, at: low)
        loadW.insert(loadW[low - 1], at: low)
        slice.insert(slice[low - 1], at: low)
        return low
    }

    /// Length of piece `i` in seconds.
    func length(_ i: Int) -> Double { times[i + 1] - times[i] }
}
