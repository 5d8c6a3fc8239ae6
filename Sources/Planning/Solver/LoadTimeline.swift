import Tariffs

/// The location's load over time as consecutive pieces `[times[i], times[i+1])`, each with one
/// price (or none: a gap) and the power already committed there. Internal to the solver;
/// instants are seconds since 1970.
struct LoadTimeline {
    /// Breakpoints, strictly increasing; piece `i` is `[times[i], times[i + 1])`.
    private(set) var times: [Double]
    /// Power already committed in each piece, in W.
    var loadW: [Double]
    /// The location's limit in each piece, in W (infinity: none).
    private(set) var limitW: [Double]
    /// The expected solar surplus in each piece, in W (0: none); room beyond `limitW`.
    private(set) var solarW: [Double]
    /// Index into the solver's slices of the price in force in each piece; -1 for a gap.
    private(set) var slice: [Int]

    /// Pieces over `[slices.first.start, slices.last.end)` split at every slice boundary and at
    /// every instant of `extraBreaks` inside that span.
    init(slices: [PriceSlice], extraBreaks: [Double]) {
        // Slices are sorted and do not overlap: one pass, a gap piece wherever they do not touch.
        times = []
        times.reserveCapacity(slices.count + 1 + extraBreaks.count)
        slice = []
        slice.reserveCapacity(slices.count + extraBreaks.count)
        for (index, s) in slices.enumerated() {
            if let last = times.last {
                if s.start > last {
                    times.append(s.start)
                    slice.append(-1)
                }
            } else {
                times.append(s.start)
            }
            times.append(s.end)
            slice.append(index)
        }
        loadW = [Double](repeating: 0, count: slice.count)
        limitW = [Double](repeating: .infinity, count: slice.count)
        solarW = [Double](repeating: 0, count: slice.count)
        for instant in extraBreaks {
            _ = split(at: instant)
        }
    }

    /// Sets the limit: `defaultW` everywhere but in `pieces` (sorted, not overlapping), split
    /// at their ends.
    mutating func setLimit(_ defaultW: Double, pieces: [(start: Double, end: Double, powerW: Double)]) {
        for i in limitW.indices { limitW[i] = defaultW }
        for piece in pieces {
            let first = split(at: piece.start)
            let last = split(at: piece.end)
            for i in first..<last { limitW[i] = piece.powerW }
        }
    }

    /// Sets the expected surplus: `pieces` (sorted, not overlapping), 0 elsewhere, split at
    /// their ends.
    mutating func setSolar(_ pieces: [(start: Double, end: Double, surplusW: Double)]) {
        for piece in pieces {
            let first = split(at: piece.start)
            let last = split(at: piece.end)
            for i in first..<last { solarW[i] = max(0, piece.surplusW) }
        }
    }

    /// Number of pieces.
    var count: Int { loadW.count }

    /// The index of the piece starting at `instant`, splitting a piece there if needed; `count`
    /// when `instant` is at or after the end. Instants closer than a microsecond to a breakpoint
    /// snap to it.
    mutating func split(at instant: Double) -> Int {
        let low = times.partitioningIndex { $0 >= instant }
        if low < times.count, times[low] - instant <= PlanningTolerance.seconds { return min(low, count) }
        if low > 0, instant - times[low - 1] <= PlanningTolerance.seconds { return low - 1 }
        if low == 0 { return 0 }
        if low >= times.count { return count }
        times.insert(instant, at: low)
        loadW.insert(loadW[low - 1], at: low)
        limitW.insert(limitW[low - 1], at: low)
        solarW.insert(solarW[low - 1], at: low)
        slice.insert(slice[low - 1], at: low)
        return low
    }

    /// Length of piece `i` in seconds.
    func length(_ i: Int) -> Double { times[i + 1] - times[i] }
}
