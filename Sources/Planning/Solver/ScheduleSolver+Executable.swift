/// Step 4 for chargers that cannot draw every power, where the continuous optimum asks one of
/// them for a power it cannot draw (docs/schedules.md, "Executable plans").
///
/// A heuristic over the exact continuous relaxation: the relaxation's energy per device and
/// segment is laid out per segment at drawable powers (``SegmentPacker``); what a segment
/// cannot hold, and whatever a device still lacks, is then placed in the cheapest segments of
/// its window that have room (repair); last, energy is moved from a device's dearest segments
/// to cheaper ones with room while that lowers the cost (local improvement). A small group is
/// laid out exactly instead (`ScheduleSolver+Exact.swift`); on small random instances the plan
/// then matches an exhaustive search (Tests/PlanningTests).
extension ScheduleSolver {
    /// How many cheaper segments a device tries to make room in, per dear segment, and how
    /// many segments a device lacking energy tries to make room in.
    static let displaceTries = 3
    /// How many tries the repair and improvement may make in all (a way of making room, or an
    /// energy move between two segments). Small fleets, where a step is a large share of the
    /// limit, get many; large ones few: each try costs more there and gains less (50 cars on
    /// the bench: 0.0871 % above the relaxation with 1,200 tries, 0.0872 % with none, at 25
    /// times the time).
    static func workBudget(devices: Int) -> Int { 100 + 1500 / max(1, devices) }

    /// Per segment: its runs, and per device in it the energy laid out.
    struct SegmentState {
        var runs: [SegmentPacker.Run] = []
        var deliveredWh: [Int: Double] = [:]
    }

    func executableLayout(allocator: FlowAllocator, ranges: [Range<Int>], ownW: [[Double]]) -> [[Piece]] {
        let count = timeline.count
        var segments = [SegmentState](repeating: SegmentState(), count: count)
        var members = [[Int]](repeating: [], count: count)
        for (j, range) in ranges.enumerated() {
            for i in range where allocator.flow(device: j, segment: i) > Self.epsilonWh {
                members[i].append(j)
            }
        }
        let candidateLists = devices.indices.map { candidates($0, ranges: ranges, ownW: ownW) }
        // A small group: the exact layout (``exactSegments``), no heuristic needed.
        if exactLayout, let exact = exactSegments(candidates: candidateLists, ranges: ranges, ownW: ownW) {
            return pieces(exact, ranges: ranges, ownW: ownW)
        }
        // Devices with one segment to charge in go first where they meet others.
        let confined = candidateLists.map { $0.count <= 1 }
        for i in 0..<count where !members[i].isEmpty {
            let list = members[i].map { j in
                var entry = member(device: j, segment: i, needWh: allocator.flow(device: j, segment: i), ranges: ranges, ownW: ownW)
                if confined[j] { entry.rank = 1 }
                return entry
            }
            let packed = SegmentPacker.pack(headroomW: headroomW(i), seconds: timeline.length(i), members: list)
            segments[i].runs = packed.runs
            for (m, j) in members[i].enumerated() { segments[i].deliveredWh[j] = packed.deliveredWh[m] }
        }
        var layout = Layout(segments: segments, candidates: candidateLists)
        layout.workBudget = Self.workBudget(devices: devices.count)
        for i in 0..<count {
            for (j, delivered) in layout.segments[i].deliveredWh
            where delivered < allocator.flow(device: j, segment: i) - PlanningTolerance.energyWh {
                layout.touched.insert(j)
            }
        }
        for _ in 0..<3 {
            for j in devices.indices where !devices[j].continuous {
                repair(j, layout: &layout, ranges: ranges, ownW: ownW)
            }
            var moved = false
            // Those moved away from the relaxation first: they have the most to gain.
            let order = layout.touched.sorted() + devices.indices.filter { !layout.touched.contains($0) }
            for j in order where !devices[j].continuous {
                if improve(j, layout: &layout, ranges: ranges, ownW: ownW) { moved = true }
            }
            if !moved { break }
        }
        // Last, energy before cost: what a device still lacks, others hand over time for it.
        layout.workBudget = Self.workBudget(devices: devices.count)
        for j in devices.indices where !devices[j].continuous {
            fill(j, layout: &layout, ranges: ranges, ownW: ownW)
        }
        return pieces(layout.segments, ranges: ranges, ownW: ownW)
    }

    /// Pieces: each device's runs on top of its fixed power in each segment.
    private func pieces(_ laidOut: [SegmentState], ranges: [Range<Int>], ownW: [[Double]]) -> [[Piece]] {
        let times = timeline.times
        var result: [[Piece]] = []
        result.reserveCapacity(devices.count)
        for (j, range) in ranges.enumerated() {
            var pieces: [Piece] = []
            let lo = range.lowerBound
            for i in range where timeline.slice[i] >= 0 {
                let own = ownW[j][i - lo]
                let start = times[i]
                let runs = laidOut[i].runs.filter { $0.device == j && $0.end - $0.start > PlanningTolerance.seconds }
                    .sorted { $0.start < $1.start }
                var at = 0.0
                for run in runs {
                    if own > 1e-9, run.start > at + PlanningTolerance.seconds {
                        pieces.append(Piece(start: start + at, end: start + run.start, powerW: own, slice: timeline.slice[i]))
                    }
                    pieces.append(Piece(start: start + run.start, end: start + run.end, powerW: own + run.powerW, slice: timeline.slice[i]))
                    at = run.end
                }
                if own > 1e-9, timeline.length(i) > at + PlanningTolerance.seconds {
                    pieces.append(Piece(start: start + at, end: times[i + 1], powerW: own, slice: timeline.slice[i]))
                }
            }
            result.append(pieces)
        }
        return result
    }

    /// The segments' runs while repairing, with a journal to try a move and take it back.
    struct Layout {
        var segments: [SegmentState]
        /// Per device, the segments it may take flexible energy in, cheapest first (fixed).
        let candidates: [[Int]]
        /// While trying a move: the segments it changed, as they were before.
        private(set) var journal: [Int: SegmentState]?
        /// Tries still allowed (see `workBudget`).
        var workBudget = 0
        /// Devices whose energy moved away from the relaxation's (the ones worth improving).
        var touched = Set<Int>()

        init(segments: [SegmentState], candidates: [[Int]]) {
            self.segments = segments
            self.candidates = candidates
        }

        func delivered(_ j: Int, _ i: Int) -> Double { segments[i].deliveredWh[j] ?? 0 }

        /// Call before changing segment `i`.
        mutating func touch(_ i: Int) {
            if journal != nil, journal![i] == nil { journal![i] = segments[i] }
        }

        mutating func begin() { journal = [:] }

        mutating func commit() { journal = nil }

        mutating func rollback() {
            for (i, state) in journal ?? [:] { segments[i] = state }
            journal = nil
        }

        /// The devices whose energy the move so far changed.
        func movedDevices() -> Set<Int> {
            var moved = Set<Int>()
            for (i, old) in journal ?? [:] {
                for (k, energy) in segments[i].deliveredWh where abs(energy - (old.deliveredWh[k] ?? 0)) > 1e-9 { moved.insert(k) }
                for k in old.deliveredWh.keys where segments[i].deliveredWh[k] == nil { moved.insert(k) }
            }
            return moved
        }

        /// What the move so far changed the cost by, `cost(i, energy)` being what a segment's
        /// flexible energy costs.
        func costChange(_ cost: (Int, Double) -> Double) -> Double {
            var change = 0.0
            for (i, old) in journal ?? [:] {
                let now = segments[i].deliveredWh.values.reduce(0, +)
                let before = old.deliveredWh.values.reduce(0, +)
                change += cost(i, now) - cost(i, before)
            }
            return change
        }
    }

    func member(device j: Int, segment i: Int, needWh: Double, ranges: [Range<Int>], ownW: [[Double]]) -> SegmentPacker.Member {
        let device = devices[j]
        let own = ownW[j][i - ranges[j].lowerBound]
        return SegmentPacker.Member(device: j, needWh: needWh, maxW: max(0, device.powerW - own), charger: device.charger)
    }

    /// Segments of device `j` where it may take flexible energy, cheapest first (later first among equals).
    func candidates(_ j: Int, ranges: [Range<Int>], ownW: [[Double]]) -> [Int] {
        let device = devices[j]
        let lo = ranges[j].lowerBound
        var list: [Int] = []
        for i in ranges[j] where allowed(i, device) && headroomW(i) > 1e-9 {
            let own = ownW[j][i - lo]
            if device.charger != nil, own > 1e-9 { continue }
            if device.powerW - own > 1e-9 { list.append(i) }
        }
        list.sort { a, b in
            let pa = price(a)
            let pb = price(b)
            return pa < pb || (pa == pb && a > b)
        }
        return list
    }

    /// Tries to give device `j` up to `wantWh` more in segment `i` without taking energy from
    /// any other device there; returns the energy added.
    private func add(_ j: Int, wantWh: Double, segment i: Int, layout: inout Layout, ranges: [Range<Int>], ownW: [[Double]]) -> Double {
        let state = layout.segments[i]
        let have = state.deliveredWh[j] ?? 0
        let probe = member(device: j, segment: i, needWh: 0, ranges: ranges, ownW: ownW)
        let room = probe.maxW * timeline.length(i) / 3600 - have
        let want = min(wantWh, room)
        guard want > PlanningTolerance.energyWh else { return 0 }
        // Adding beside the runs as they are.
        let appended = SegmentPacker.append(probe, wantWh: want, headroomW: headroomW(i), seconds: timeline.length(i), runs: state.runs)
        if appended.addedWh >= want - PlanningTolerance.energyWh {
            layout.touch(i)
            layout.segments[i].runs.append(contentsOf: appended.runs)
            layout.segments[i].deliveredWh[j] = have + appended.addedWh
            return appended.addedWh
        }
        // Packing the segment again with the larger need.
        var ids = Array(state.deliveredWh.keys.sorted())
        if !ids.contains(j) { ids.append(j) }
        let list = ids.map { k in
            member(device: k, segment: i, needWh: k == j ? have + want : state.deliveredWh[k] ?? 0, ranges: ranges, ownW: ownW)
        }
        let packed = SegmentPacker.pack(headroomW: headroomW(i), seconds: timeline.length(i), members: list)
        var repackGain = -1.0
        let othersKept = ids.enumerated().allSatisfy { m, k in
            k == j || packed.deliveredWh[m] >= (state.deliveredWh[k] ?? 0) - 1e-7
        }
        if othersKept, let m = ids.firstIndex(of: j) { repackGain = packed.deliveredWh[m] - have }
        layout.touch(i)
        if repackGain > appended.addedWh + 1e-9 {
            layout.segments[i].runs = packed.runs
            for (m, k) in ids.enumerated() { layout.segments[i].deliveredWh[k] = packed.deliveredWh[m] }
            return repackGain
        }
        guard appended.addedWh > 1e-9 else { return 0 }
        layout.segments[i].runs.append(contentsOf: appended.runs)
        layout.segments[i].deliveredWh[j] = have + appended.addedWh
        return appended.addedWh
    }

    /// Places what device `j` still lacks in the cheapest segments with room; where that is
    /// not enough, makes room for it in a segment by moving others elsewhere, when that delivers
    /// more energy in all.
    private func repair(_ j: Int, layout: inout Layout, ranges: [Range<Int>], ownW: [[Double]]) {
        var lacking = remainingWh[j] - ranges[j].reduce(0) { $0 + layout.delivered(j, $1) }
        guard lacking > PlanningTolerance.energyWh else { return }
        let segments = layout.candidates[j]
        for i in segments {
            lacking -= add(j, wantWh: lacking, segment: i, layout: &layout, ranges: ranges, ownW: ownW)
            if lacking <= PlanningTolerance.energyWh { return }
        }
        for i in segments where layout.workBudget > 0 {
            // The way of making room that delivers the most in all, then costs the least.
            var best: (way: Displacement, gain: Double, net: Double, change: Double)?
            for way in Displacement.all {
                layout.workBudget -= 1
                layout.begin()
                let (gain, net) = displace(j, wantWh: lacking, segment: i, way: way, layout: &layout, ranges: ranges, ownW: ownW)
                let change = layout.costChange(flexibleCost)
                layout.rollback()
                guard gain > PlanningTolerance.energyWh, net > PlanningTolerance.energyWh else { continue }
                if best.map({ net > $0.net + 1e-7 || (net > $0.net - 1e-7 && change < $0.change) }) ?? true {
                    best = (way, gain, net, change)
                }
            }
            guard let best else { continue }
            layout.begin()
            _ = displace(j, wantWh: lacking, segment: i, way: best.way, layout: &layout, ranges: ranges, ownW: ownW)
            for k in layout.movedDevices() { layout.touched.insert(k) }
            layout.commit()
            lacking -= best.gain
            if lacking <= PlanningTolerance.energyWh { return }
        }
    }

    /// The energy pass: device `j` still lacks energy where the segments it may charge in are
    /// full (typically stepped chargers that can only take turns). In each of its segments,
    /// cheapest first, every other device there in turn moves energy to its own other segments
    /// with room and hands the time it frees to `j`: as much as `j` lacks at their two powers
    /// (the exact split when they take turns), else all it can move. A move is kept only when
    /// `j` gains, so the energy in all only grows.
    private func fill(_ j: Int, layout: inout Layout, ranges: [Range<Int>], ownW: [[Double]]) {
        var lacking = remainingWh[j] - ranges[j].reduce(0) { $0 + layout.delivered(j, $1) }
        guard lacking > PlanningTolerance.energyWh else { return }
        for i in layout.candidates[j] where layout.workBudget > 0 {
            lacking -= add(j, wantWh: lacking, segment: i, layout: &layout, ranges: ranges, ownW: ownW)
            if lacking <= PlanningTolerance.energyWh { return }
            lacking -= turns(j, segment: i, layout: &layout, ranges: ranges, ownW: ownW)
            if lacking <= PlanningTolerance.energyWh { return }
            let others = layout.segments[i].deliveredWh.keys.sorted()
            for k in others where k != j && !devices[k].continuous && layout.workBudget > 0 {
                let have = layout.delivered(k, i)
                guard have > PlanningTolerance.energyWh, layout.candidates[k].count > 1 else { continue }
                let runs = layout.segments[i].runs.filter { $0.device == k }
                let powerK = runs.map(\.powerW).max() ?? 0
                let powerJ = member(device: j, segment: i, needWh: 0, ranges: ranges, ownW: ownW).maxW
                guard powerK > 1e-9, powerJ > 1e-9 else { continue }
                var amounts: [Double] = []
                for amount in [lacking * powerK / powerJ, lacking, have].map({ min($0, have) })
                where !amounts.contains(where: { abs($0 - amount) < 1e-9 }) {
                    amounts.append(amount)
                }
                for amount in amounts {
                    layout.workBudget -= 1
                    layout.begin()
                    var moved = 0.0
                    for other in layout.candidates[k] where other != i && amount - moved > PlanningTolerance.energyWh {
                        moved += add(k, wantWh: amount - moved, segment: other, layout: &layout, ranges: ranges, ownW: ownW)
                    }
                    guard moved > PlanningTolerance.energyWh else {
                        layout.rollback()
                        break
                    }
                    remove(k, energyWh: moved, segment: i, layout: &layout)
                    let gained = add(j, wantWh: lacking, segment: i, layout: &layout, ranges: ranges, ownW: ownW)
                    if gained > PlanningTolerance.energyWh {
                        for m in layout.movedDevices() { layout.touched.insert(m) }
                        layout.commit()
                        lacking -= gained
                        break
                    }
                    layout.rollback()
                }
                if lacking <= PlanningTolerance.energyWh { return }
            }
        }
    }

    /// Packs segment `i` again with the most power at every moment (``SegmentPacker/packMostPower``),
    /// every device there (and `j`) asking for what it has plus what it still lacks; kept when
    /// the segment then holds more energy in all. Returns what `j` gained.
    private func turns(_ j: Int, segment i: Int, layout: inout Layout, ranges: [Range<Int>], ownW: [[Double]]) -> Double {
        let state = layout.segments[i]
        var ids = Array(state.deliveredWh.keys.sorted())
        if !ids.contains(j) { ids.append(j) }
        guard ids.allSatisfy({ !devices[$0].continuous }) else { return 0 }
        let list = ids.map { k in
            let lacking = max(0, remainingWh[k] - ranges[k].reduce(0) { $0 + layout.delivered(k, $1) })
            return member(device: k, segment: i, needWh: layout.delivered(k, i) + lacking, ranges: ranges, ownW: ownW)
        }
        layout.workBudget -= 1
        guard let packed = SegmentPacker.packMostPower(headroomW: headroomW(i), seconds: timeline.length(i), members: list),
              packed.deliveredWh.reduce(0, +) > state.deliveredWh.values.reduce(0, +) + PlanningTolerance.energyWh
        else { return 0 }
        layout.touch(i)
        layout.segments[i].runs = packed.runs
        for (m, k) in ids.enumerated() {
            layout.segments[i].deliveredWh[k] = packed.deliveredWh[m]
            layout.touched.insert(k)
        }
        return packed.deliveredWh[ids.firstIndex(of: j)!] - (state.deliveredWh[j] ?? 0)
    }

    /// The price of a segment's first flexible unit (the surplus's where it has one left).
    private func price(_ i: Int) -> Double { hasSolar ? marginalPrice(i) : slices[timeline.slice[i]].effectivePrice }

    /// The effective price of the last unit of `energyWh` of flexible energy in segment `i`.
    private func lastUnitPrice(_ i: Int, energyWh: Double) -> Double {
        let left = arcsLeftWh(i)
        let parts = split(energyWh, piece: i, solarWh: left.solar, gridWh: left.grid)
        let grid = slices[timeline.slice[i]].effectivePrice
        if parts.solar <= Self.epsilonWh { return grid }
        if parts.grid <= Self.epsilonWh { return solarPrice }
        return max(grid, solarPrice)
    }

    /// Ways of making room for a device in a segment.
    enum Displacement: Equatable {
        /// It is served first and never steps down for the others.
        case first
        /// It is served first, but steps down when that lets another one run.
        case firstYielding
        /// The others there give up this many times what it wants, in proportion to what
        /// they have (more than it wants where their powers fit badly beside it).
        case trade(Double)

        static let all: [Displacement] = [.first, .firstYielding, .trade(1), .trade(2), .trade(4), .trade(8)]
    }

    /// Packs segment `i` again so that device `j` gets up to `wantWh` more (see
    /// ``Displacement``), then places what the others lose there in their own cheapest segments
    /// with room. Returns the energy `j` gained and the change in all energy; the caller keeps
    /// or rolls back the move (`layout.begin()` first).
    private func displace(
        _ j: Int, wantWh: Double, segment i: Int, way: Displacement, layout: inout Layout, ranges: [Range<Int>], ownW: [[Double]]
    ) -> (gain: Double, net: Double) {
        let state = layout.segments[i]
        let have = state.deliveredWh[j] ?? 0
        var probe = member(device: j, segment: i, needWh: 0, ranges: ranges, ownW: ownW)
        let want = min(wantWh, probe.maxW * timeline.length(i) / 3600 - have)
        guard want > PlanningTolerance.energyWh else { return (0, 0) }
        var ids = Array(state.deliveredWh.keys.sorted())
        if !ids.contains(j) { ids.append(j) }
        let othersWh = ids.reduce(0) { $0 + ($1 == j ? 0 : state.deliveredWh[$1] ?? 0) }
        var share = 1.0
        var trading = false
        if case let .trade(factor) = way {
            guard othersWh > 0 else { return (0, 0) }
            share = max(0, 1 - factor * want / othersWh)
            trading = true
        }
        let list = ids.map { k in
            if k == j {
                probe.needWh = have + want
                probe.rank = trading ? 0 : 2
                return probe
            }
            var other = member(device: k, segment: i, needWh: (state.deliveredWh[k] ?? 0) * share, ranges: ranges, ownW: ownW)
            if !trading, layout.candidates[k].count <= 1 { other.rank = 1 }
            return other
        }
        let packed = SegmentPacker.pack(
            headroomW: headroomW(i), seconds: timeline.length(i), members: list, protectedRank: way == .first ? 2 : .max)
        layout.touch(i)
        layout.segments[i].runs = packed.runs
        var net = 0.0
        var gain = 0.0
        var losses: [(device: Int, energyWh: Double)] = []
        for (m, k) in ids.enumerated() {
            layout.segments[i].deliveredWh[k] = packed.deliveredWh[m]
            let change = packed.deliveredWh[m] - (state.deliveredWh[k] ?? 0)
            net += change
            if k == j { gain = change } else if change < -1e-9 { losses.append((k, -change)) }
        }
        guard gain > PlanningTolerance.energyWh else { return (0, net) }
        for loss in losses {
            var left = loss.energyWh
            for other in layout.candidates[loss.device] where other != i {
                let placed = add(loss.device, wantWh: left, segment: other, layout: &layout, ranges: ranges, ownW: ownW)
                left -= placed
                net += placed
                if left <= PlanningTolerance.energyWh { break }
            }
        }
        return (gain, net)
    }

    /// Moves device `j`'s energy from its dearest segments to cheaper ones with room; returns
    /// whether anything moved.
    private func improve(_ j: Int, layout: inout Layout, ranges: [Range<Int>], ownW: [[Double]]) -> Bool {
        let cheap = layout.candidates[j]
        guard !cheap.isEmpty else { return false }
        let used = ranges[j].filter { layout.delivered(j, $0) > PlanningTolerance.energyWh }
            .sorted { price($0) > price($1) }
        var moved = false
        for dear in used {
            // With a surplus a segment's price depends on its energy: the dear one's last unit.
            let dearPrice = hasSolar ? lastUnitPrice(dear, energyWh: layout.segments[dear].deliveredWh.values.reduce(0, +))
                : price(dear)
            var amount = layout.delivered(j, dear)
            var placed = 0.0
            if hasSolar { layout.begin() }
            for i in cheap where i != dear && layout.workBudget > 0 {
                guard price(i) < dearPrice - 1e-12 else { break }
                layout.workBudget -= 1
                let gained = add(j, wantWh: amount, segment: i, layout: &layout, ranges: ranges, ownW: ownW)
                placed += gained
                amount -= gained
                if amount <= PlanningTolerance.energyWh { break }
            }
            if placed > PlanningTolerance.energyWh {
                remove(j, energyWh: placed, segment: dear, layout: &layout)
                if hasSolar, layout.costChange(flexibleCost) >= -1e-9 {
                    // Past a surplus the cheaper segment was not cheaper after all.
                    layout.rollback()
                    amount = layout.delivered(j, dear)
                } else {
                    moved = true
                    if hasSolar { layout.commit() }
                }
            } else if hasSolar {
                layout.rollback()
            }
            // Making room in a cheaper segment: others there move to their next best segments.
            var tries = 0
            for i in cheap where i != dear && amount > PlanningTolerance.energyWh && tries < Self.displaceTries
                && layout.workBudget > 0 {
                guard price(i) < dearPrice - 1e-12 else { break }
                tries += 1
                var best: (way: Displacement, change: Double)?
                for way in Displacement.all {
                    layout.workBudget -= 1
                    layout.begin()
                    let net = move(j, amount, from: dear, to: i, way: way, layout: &layout, ranges: ranges, ownW: ownW)
                    let change = layout.costChange(flexibleCost)
                    layout.rollback()
                    if net >= -1e-7, change < -1e-9, best.map({ change < $0.change }) ?? true { best = (way, change) }
                }
                guard let best else { continue }
                layout.begin()
                _ = move(j, amount, from: dear, to: i, way: best.way, layout: &layout, ranges: ranges, ownW: ownW)
                for k in layout.movedDevices() { layout.touched.insert(k) }
                layout.commit()
                amount = layout.delivered(j, dear)
                moved = true
            }
        }
        return moved
    }

    /// Moves up to `amountWh` of device `j` from segment `dear` into segment `i`, making room
    /// there (what does not fit goes back); returns the change in all energy.
    private func move(
        _ j: Int, _ amountWh: Double, from dear: Int, to i: Int, way: Displacement, layout: inout Layout,
        ranges: [Range<Int>], ownW: [[Double]]
    ) -> Double {
        // Out of the dear segment first, so the others may move there.
        remove(j, energyWh: amountWh, segment: dear, layout: &layout)
        let (gain, moveNet) = displace(j, wantWh: amountWh, segment: i, way: way, layout: &layout, ranges: ranges, ownW: ownW)
        var net = moveNet - amountWh
        if gain < amountWh - PlanningTolerance.energyWh {
            net += add(j, wantWh: amountWh - max(0, gain), segment: dear, layout: &layout, ranges: ranges, ownW: ownW)
        }
        return net
    }

    /// Takes `energyWh` of device `j` out of segment `i` by shortening its runs (earliest first).
    private func remove(_ j: Int, energyWh: Double, segment i: Int, layout: inout Layout) {
        layout.touch(i)
        var left = energyWh
        var runs = layout.segments[i].runs
        let order = runs.indices.filter { runs[$0].device == j }.sorted { runs[$0].start < runs[$1].start }
        for r in order where left > 1e-12 {
            let energy = runs[r].powerW * (runs[r].end - runs[r].start) / 3600
            if energy <= left {
                left -= energy
                runs[r].end = runs[r].start
            } else {
                runs[r].start += left * 3600 / runs[r].powerW
                left = 0
            }
        }
        layout.segments[i].runs = runs.filter { $0.end - $0.start > PlanningTolerance.seconds }
        layout.segments[i].deliveredWh[j] = max(0, (layout.segments[i].deliveredWh[j] ?? 0) - (energyWh - left))
    }
}
