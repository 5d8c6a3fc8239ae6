/// The exact layout for small groups of chargers that cannot draw every power (docs/schedules.md,
/// "Executable plans").
///
/// Within one segment (one price, one headroom) the order of time does not matter: a layout is
/// how long each *configuration* runs, a configuration being one drawable power per device whose
/// sum fits the headroom, each device free to stop early in it. Only the corners of what the
/// devices can draw together are needed (every other configuration is a mix of corners in
/// time): every combination of stepped powers (0 included), a power charger's least and most,
/// and at most one device with a range (a power charger, a device without charger) taking the
/// room the others leave. Over all segments, the most energy, then the least cost (then the
/// later schedule, then the layout closest to ``layoutInForce``) is a linear programme in the
/// configurations' durations: exact, no rounding.
/// It is solved when the group is small (``exactLimit``): the heuristic's turn-taking layout
/// cannot always find the mix of powers and the split of turns across segments that the best
/// schedule needs (issue #15's measured misses).
extension ScheduleSolver {
    /// Sizes up to which the exact layout is tried: configurations per segment (before keeping
    /// the maximal ones), rows of the programme, and rows x columns.
    static let exactLimit = (combinations: 2048, rows: 240, cells: 240_000)

    /// The best executable layout of every device's flexible energy (`remainingWh`) over its
    /// `candidates` segments, or nil when the group is too large (``exactLimit``) or the
    /// programme does not solve.
    func exactSegments(candidates: [[Int]], ranges: [Range<Int>], ownW: [[Double]]) -> [SegmentState]? {
        let count = timeline.count
        let group = devices.indices.filter { !devices[$0].continuous && remainingWh[$0] > Self.epsilonWh }
        guard !group.isEmpty else { return nil }
        // A row per device and per device and segment at least: a large group stops here.
        var pairs = group.count
        for j in group {
            pairs += candidates[j].count
            if pairs > Self.exactLimit.rows { return nil }
        }
        var present = [[Int]](repeating: [], count: count)
        for j in group {
            for i in candidates[j] { present[i].append(j) }
        }
        // Per segment its configurations: each a power per device of `present[i]`.
        var configurations = [[[Double]]](repeating: [], count: count)
        var columns = 0
        var links = 0
        var used = 0
        for i in 0..<count where !present[i].isEmpty {
            let members = present[i].map { member(device: $0, segment: i, needWh: 0, ranges: ranges, ownW: ownW) }
            guard let corners = Self.corners(members: members, headroomW: headroomW(i)) else { return nil }
            configurations[i] = corners
            columns += corners.count
            links += members.count
            used += 1
        }
        // Segments with a surplus left: a column for the energy the surplus carries there, at
        // most the surplus, at most the segment's energy, and (surplus dearer than the grid) at
        // least what the grid room cannot carry.
        var solarSegments: [Int] = []
        var solarRows = 0
        if hasSolar {
            for i in 0..<count where !present[i].isEmpty && arcsLeftWh(i).solar > Self.epsilonWh {
                solarSegments.append(i)
                solarRows += solarPrice > price(exactSegment: i) && arcsLeftWh(i).grid.isFinite ? 3 : 2
            }
        }
        // The layout in force (``layoutInForce``): per device and segment where it was planned to
        // charge, a column for the energy up to what it was planned there (a row bounds it).
        // Per segment and device there, the powers in force (read once; the agreement objective
        // and the order of the runs use them too).
        var force = [[[(powerW: Double, seconds: Double, end: Double)]]](repeating: [], count: count)
        var forceWh = [[Double]](repeating: [], count: count)
        var keeps = 0
        for i in 0..<count where !present[i].isEmpty {
            force[i] = present[i].map { forcePowers(device: $0, segment: i) }
            forceWh[i] = force[i].map { $0.reduce(0) { $0 + $1.powerW * $1.seconds / 3600 } }
            keeps += forceWh[i].filter { $0 > Self.epsilonWh }.count
        }
        let rows = used + links + group.count + solarRows + keeps
        columns += links + keeps + solarSegments.count
        guard rows <= Self.exactLimit.rows, rows * (columns + rows) <= Self.exactLimit.cells else { return nil }

        // Columns: every segment's configurations (the share of the segment they run), then
        // per device and segment the energy it takes there (kWh), then the kept columns. Rows:
        // each segment's time, each device's energy per segment against what its configurations
        // give it, each device's demand, and the kept columns' bounds.
        // Objectives: the most energy, then the least cost, then the later schedule; then, among
        // equal optima, the most of each device's energy where the layout in force has it, and
        // the most time in configurations at the powers in force.
        var lp = LexicographicSimplex(rows: rows, columns: columns, objectives: 5)
        var configColumn = [Int](repeating: 0, count: count)
        var energyColumn = [[Int]](repeating: [], count: count)
        var column = 0
        for i in 0..<count where !present[i].isEmpty {
            configColumn[i] = column
            column += configurations[i].count
        }
        for i in 0..<count where !present[i].isEmpty {
            energyColumn[i] = present[i].indices.map { column + $0 }
            column += present[i].count
        }
        // A device's energy in a segment is its energy column plus, where the layout in force
        // has it, its kept column (at most what was in force there).
        var keptColumn = [[Int?]](repeating: [], count: count)
        for i in 0..<count where !present[i].isEmpty {
            keptColumn[i] = forceWh[i].map { wh in
                guard wh > Self.epsilonWh else { return nil }
                column += 1
                return column - 1
            }
        }
        func energies(_ i: Int, _ m: Int) -> [Int] { [energyColumn[i][m]] + (keptColumn[i][m].map { [$0] } ?? []) }
        var row = 0
        var linkRow = [[Int]](repeating: [], count: count)
        for i in 0..<count where !present[i].isEmpty {
            let length = timeline.length(i)
            for (c, powers) in configurations[i].enumerated() {
                lp[row, configColumn[i] + c] = 1
                // The share of the segment the layout in force has each device at this power.
                var agreement = 0.0
                for (m, powerW) in powers.enumerated() where powerW > 1e-9 {
                    agreement += force[i][m].reduce(0) { $0 + (abs($1.powerW - powerW) < 0.5 ? $1.seconds : 0) } / length
                }
                lp.objectives[4][configColumn[i] + c] = agreement
            }
            lp.b[row] = 1
            row += 1
        }
        for i in 0..<count where !present[i].isEmpty {
            let kWhPerShare = timeline.length(i) / 3_600_000
            for m in present[i].indices {
                for column in energies(i, m) {
                    lp[row, column] = 1
                    lp.objectives[0][column] = 1
                    lp.objectives[1][column] = -price(exactSegment: i)
                    lp.objectives[2][column] = Double(i) / Double(count)
                }
                for (c, powers) in configurations[i].enumerated() where powers[m] > 0 {
                    lp[row, configColumn[i] + c] = -powers[m] * kWhPerShare
                }
                linkRow[i].append(row)
                row += 1
            }
        }
        for j in group {
            for i in 0..<count {
                if let m = present[i].firstIndex(of: j) {
                    for column in energies(i, m) { lp[row, column] = 1 }
                }
            }
            lp.b[row] = remainingWh[j] / 1000
            row += 1
        }
        for i in 0..<count where !present[i].isEmpty {
            for (m, kept) in keptColumn[i].enumerated() {
                guard let kept else { continue }
                lp.objectives[3][kept] = 1
                lp[row, kept] = 1
                lp.b[row] = forceWh[i][m] / 1000
                row += 1
            }
        }
        for i in solarSegments {
            let arcs = arcsLeftWh(i)
            let solarColumn = column
            column += 1
            lp.objectives[1][solarColumn] = price(exactSegment: i) - solarPrice
            lp[row, solarColumn] = 1
            lp.b[row] = arcs.solar / 1000
            row += 1
            lp[row, solarColumn] = 1
            for m in present[i].indices { for energy in energies(i, m) { lp[row, energy] = -1 } }
            row += 1
            if solarPrice > price(exactSegment: i), arcs.grid.isFinite {
                lp[row, solarColumn] = -1
                for m in present[i].indices { for energy in energies(i, m) { lp[row, energy] = 1 } }
                lp.b[row] = arcs.grid / 1000
                row += 1
            }
        }
        guard let x = lp.solve() else { return nil }

        // Runs: the configurations towards the segment's end, each device cut (earliest first)
        // to the energy the programme gives it there.
        var segments = [SegmentState](repeating: SegmentState(), count: count)
        for i in 0..<count where !present[i].isEmpty {
            let length = timeline.length(i)
            var end = length
            var runs: [SegmentPacker.Run] = []
            // Those the layout in force has later go later (the rest first, in their order).
            let when = configurations[i].map { powers in
                powers.indices.compactMap { m in
                    force[i][m].filter { powers[m] > 1e-9 && abs($0.powerW - powers[m]) < 0.5 }.map(\.end).max()
                }.max() ?? -Double.infinity
            }
            for c in configurations[i].indices.sorted(by: { when[$0] > when[$1] || (when[$0] == when[$1] && $0 < $1) }) {
                let powers = configurations[i][c]
                let seconds = min(end, x[configColumn[i] + c] * length)
                guard seconds > PlanningTolerance.seconds else { continue }
                for (m, powerW) in powers.enumerated() where powerW > 1e-9 {
                    runs.append(SegmentPacker.Run(device: present[i][m], start: end - seconds, end: end, powerW: powerW))
                }
                end -= seconds
            }
            for (m, j) in present[i].enumerated() {
                let wantWh = energies(i, m).reduce(0) { $0 + x[$1] } * 1000
                var excessWh = runs.reduce(0) { $0 + ($1.device == j ? $1.powerW * ($1.end - $1.start) / 3600 : 0) } - wantWh
                for r in runs.indices.sorted(by: { runs[$0].start < runs[$1].start }) where runs[r].device == j && excessWh > 1e-12 {
                    let energy = runs[r].powerW * (runs[r].end - runs[r].start) / 3600
                    let cut = min(energy, excessWh)
                    runs[r].start += cut * 3600 / runs[r].powerW
                    excessWh -= cut
                }
            }
            runs = runs.filter { $0.end - $0.start > PlanningTolerance.seconds }
            segments[i].runs = runs
            for run in runs { segments[i].deliveredWh[run.device, default: 0] += run.powerW * (run.end - run.start) / 3600 }
        }
        return segments
    }

    /// The powers the layout in force has `device` at in segment `i`, with how long (s) and
    /// until when.
    private func forcePowers(device j: Int, segment i: Int) -> [(powerW: Double, seconds: Double, end: Double)] {
        guard j < layoutInForce.count else { return [] }
        let from = timeline.times[i]
        let to = timeline.times[i + 1]
        return layoutInForce[j].compactMap { piece in
            let seconds = min(piece.end, to) - max(piece.start, from)
            return seconds > 0 && piece.powerW > 1e-9 ? (piece.powerW, seconds, min(piece.end, to)) : nil
        }
    }

    /// The price a segment's energy costs.
    private func price(exactSegment i: Int) -> Double { slices[timeline.slice[i]].effectivePrice }

    /// The corners of what `members` can draw together under `headroomW` (see the type's
    /// comment), the maximal ones only; nil when there are more than ``exactLimit`` to try.
    static func corners(members: [SegmentPacker.Member], headroomW: Double) -> [[Double]]? {
        // Per member its fixed powers, and its range (a power charger, no charger) if any.
        var fixed: [[Double]] = []
        var range: [(low: Double, high: Double)?] = []
        var combinations = 1
        for member in members {
            var powers: [Double] = [0]
            var span: (low: Double, high: Double)?
            if member.maxW > 1e-9 {
                switch member.charger?.kind {
                case nil:
                    powers.append(member.maxW)
                    span = (0, member.maxW)
                case .switch?:
                    if member.charger!.maxPowerW <= member.maxW + 1e-9 { powers.append(member.charger!.maxPowerW) }
                case .current?:
                    powers += (member.charger!.steps ?? []).filter { $0 <= member.maxW + 1e-9 }
                case .power?:
                    let low = member.charger!.minPowerW
                    if low <= member.maxW + 1e-9 {
                        powers.append(low)
                        if member.maxW > low + 1e-9 {
                            powers.append(member.maxW)
                            span = (low, member.maxW)
                        }
                    }
                }
            }
            fixed.append(powers)
            range.append(span)
            combinations *= powers.count + (span == nil ? 0 : 1)
            if combinations > exactLimit.combinations { return nil }
        }
        let room = headroomW.isFinite ? headroomW : members.reduce(0) { $0 + $1.maxW }
        var found: [[Double]] = []
        var powers = [Double](repeating: 0, count: members.count)
        func visit(_ m: Int, _ load: Double, _ free: Int?) {
            if m == members.count {
                var config = powers
                if let free {
                    let span = range[free]!
                    let power = min(span.high, room - load)
                    guard power >= span.low - 1e-9 else { return }
                    config[free] = max(span.low, power)
                }
                found.append(config)
                return
            }
            for power in fixed[m] where load + power <= room + 1e-9 {
                powers[m] = power
                visit(m + 1, load + power, free)
            }
            if free == nil, range[m] != nil {
                powers[m] = 0
                visit(m + 1, load, m)
            }
            powers[m] = 0
        }
        visit(0, 0, nil)
        // The maximal ones: a configuration below another adds nothing (a device may stop early).
        // One that dominates another draws more in all, so the largest come first.
        var maximal: [[Double]] = []
        for config in found.sorted(by: { $0.reduce(0, +) > $1.reduce(0, +) }) where config.contains(where: { $0 > 1e-9 }) {
            let dominated = maximal.contains { kept in zip(kept, config).allSatisfy { $0 >= $1 - 1e-9 } }
            if !dominated { maximal.append(config) }
        }
        return maximal
    }
}
