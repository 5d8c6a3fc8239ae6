import Foundation
import Tariffs

/// Plans a group of devices that share one price curve and the location limit. Internal;
/// ``Planner`` is the public door. Instants are seconds since 1970, power W, energy Wh.
///
/// The order of work, each step exact for what it decides:
/// 1. `min_value`: at once from `start`, at full power (less only where the location limit
///    leaves less), whatever the price: fixed by the request, nothing to optimise.
/// 2. `precondition_minutes`: the last minutes before `end` (after the minimum block), within
///    the price cap, at one constant power (full power when the energy allows).
/// 3. `continuous` devices: the cheapest single block at full power (``CheapestWindow``).
/// 4. Everything else: the joint greedy of ``FlowAllocator`` over the segments left, which is
///    the most energy possible at the least cost for the capacity the earlier steps leave.
struct ScheduleSolver {
    struct Device {
        var start: Double
        var end: Double
        /// Full power: the device's limit, never above the location's.
        var powerW: Double
        var energyWh: Double
        var minEnergyWh: Double
        var continuous: Bool
        var preconditionSeconds: Double
        /// Cap on the effective price; `nil` when none.
        var effectiveCap: Double?
        /// What its charger can draw (`powerW` is then the highest it can draw under the limits);
        /// nil: any power from 0 to `powerW`.
        var charger: Charger?

        /// The highest power it can draw at or under `powerW` (0 when none).
        func floorPower(_ limitW: Double) -> Double {
            let limit = min(limitW, powerW)
            guard limit > 1e-9 else { return 0 }
            guard let charger else { return limit }
            return min(charger.highestPower(atMost: limit), powerW)
        }
    }

    /// One stretch at one power, before merging, with the slice it lies in.
    struct Piece {
        var start: Double
        var end: Double
        var powerW: Double
        var slice: Int
        /// The share of its energy expected from the solar surplus (set by `solve()`).
        var solarShare = 0.0
    }

    let slices: [PriceSlice]
    /// Whether the location has a limit somewhere (the timeline's `limitW` is finite there).
    let siteLimited: Bool
    let devices: [Device]

    var timeline: LoadTimeline
    /// Committed pieces `(start, end, power)` of each device from steps 1 to 3.
    private var fixed: [[(start: Double, end: Double, powerW: Double)]]
    /// Energy still to place per device after steps 1 to 3.
    var remainingWh: [Double]
    /// What the schedule would cost if every charger could draw any power up to its highest
    /// (the continuous relaxation, in the slices' `price`); set by `solve()`.
    private(set) var relaxationCost = 0.0

    static let epsilonWh = 1e-9
    /// Whether small groups are laid out exactly (``ChargeRequest/exactLayout``).
    var exactLayout = true
    /// Per device the pieces `(start, end, power)` of the plan in force (``ChargeRequest/layoutInForce``):
    /// the exact layout's last objectives prefer it among equal optima.
    var layoutInForce: [[(start: Double, end: Double, powerW: Double)]] = []
    /// Whether some piece has an expected solar surplus.
    let hasSolar: Bool
    /// The effective price of a unit of the surplus (``ChargeRequest/exportPricePerKWh``).
    let solarPrice: Double

    /// - Parameters:
    ///   - siteW: the location's limit (nil: none), except in `siteLimits`.
    ///   - siteLimits: where the limit is another, sorted and not overlapping (a piece at or
    ///     below 0 W leaves no room).
    ///   - solar: the expected surplus, sorted and not overlapping: room beyond the limit whose
    ///     energy (surplus times time, shared by all devices) costs `solarPrice`.
    init(
        slices: [PriceSlice], siteW: Double?, siteLimits: [(start: Double, end: Double, powerW: Double)] = [],
        solar: [(start: Double, end: Double, surplusW: Double)] = [], solarPrice: Double = 0, devices: [Device]
    ) {
        self.slices = slices
        self.hasSolar = solar.contains { $0.surplusW > 1e-9 }
        self.solarPrice = solarPrice
        self.siteLimited = siteW != nil || !siteLimits.isEmpty
        self.devices = devices
        var breaks: [Double] = []
        breaks.reserveCapacity(devices.count * 2)
        for device in devices {
            breaks.append(device.start)
            breaks.append(device.end)
        }
        timeline = LoadTimeline(slices: slices, extraBreaks: breaks)
        if siteLimited { timeline.setLimit(siteW ?? .infinity, pieces: siteLimits) }
        if hasSolar { timeline.setSolar(solar) }
        fixed = Array(repeating: [], count: devices.count)
        remainingWh = devices.map(\.energyWh)
    }

    /// Solves and returns each device's pieces, sorted, merged where contiguous at equal power.
    mutating func solve() -> [[Piece]] {
        var minimumEnd = devices.map(\.start)
        for (j, device) in devices.enumerated() where device.minEnergyWh > Self.epsilonWh {
            minimumEnd[j] = chargeMinimum(j, energyWh: min(device.minEnergyWh, device.energyWh))
        }
        var flexibleEnd = devices.map(\.end)
        for (j, device) in devices.enumerated() where device.preconditionSeconds > 0 {
            let from = max(device.end - device.preconditionSeconds, minimumEnd[j])
            if from < device.end {
                precondition(j, from: from)
                flexibleEnd[j] = from
            }
        }
        for (j, device) in devices.enumerated() where device.continuous && remainingWh[j] > Self.epsilonWh {
            placeBlock(j, from: minimumEnd[j], to: flexibleEnd[j])
        }
        let pieces = allocateRest()
        return hasSolar ? priced(pieces) : pieces
    }

    // MARK: Solar: the surplus arc and the grid arc of each piece

    /// Splits `energyWh` in piece `i` into what the surplus and the grid carry, the cheaper
    /// first (the surplus at equal prices), with `solarWh` and `gridWh` of each left.
    func split(_ energyWh: Double, piece i: Int, solarWh: Double, gridWh: Double) -> (solar: Double, grid: Double) {
        guard timeline.slice[i] >= 0 else { return (0, energyWh) }
        if solarPrice <= slices[timeline.slice[i]].effectivePrice {
            let solar = min(energyWh, max(0, solarWh))
            return (solar, energyWh - solar)
        }
        let grid = min(energyWh, max(0, gridWh))
        return (energyWh - grid, grid)
    }

    /// The surplus and the grid room of piece `i` in all (Wh), before any charging.
    func arcsWh(_ i: Int) -> (solar: Double, grid: Double) {
        let hours = timeline.length(i) / 3600
        return (timeline.solarW[i] * hours, siteLimited ? max(0, timeline.limitW[i]) * hours : .infinity)
    }

    /// What steps 1 to 3 left of piece `i`'s surplus and grid room (Wh): their energy takes the
    /// cheaper arc first too.
    func arcsLeftWh(_ i: Int) -> (solar: Double, grid: Double) {
        let total = arcsWh(i)
        let fixed = split(timeline.loadW[i] * timeline.length(i) / 3600, piece: i, solarWh: total.solar, gridWh: total.grid)
        return (max(0, total.solar - fixed.solar), max(0, total.grid - fixed.grid))
    }

    /// What `energyWh` of flexible energy costs in piece `i` (effective price times Wh).
    func flexibleCost(_ i: Int, energyWh: Double) -> Double {
        let price = slices[timeline.slice[i]].effectivePrice
        guard hasSolar else { return price * energyWh }
        let left = arcsLeftWh(i)
        let parts = split(energyWh, piece: i, solarWh: left.solar, gridWh: left.grid)
        return solarPrice * parts.solar + price * parts.grid
    }

    /// The effective price of the first flexible unit in piece `i`.
    func marginalPrice(_ i: Int) -> Double {
        let price = slices[timeline.slice[i]].effectivePrice
        guard hasSolar, arcsLeftWh(i).solar > Self.epsilonWh else { return price }
        return min(price, solarPrice)
    }

    /// Sets each piece's solar share as executing the pieces gets it when the sun comes as
    /// forecast: at every instant the surplus covers the group's draw up to the surplus, shared
    /// among the devices drawing in proportion to their power, the rest comes from the grid
    /// (docs/costs.md, "Solar energy").
    func priced(_ pieces: [[Piece]]) -> [[Piece]] {
        let times = timeline.times
        func segment(_ piece: Piece) -> Int {
            max(0, times.partitioningIndex { $0 > piece.start + PlanningTolerance.seconds } - 1)
        }
        var bySegment: [Int: [(device: Int, piece: Int)]] = [:]
        for (j, list) in pieces.enumerated() {
            for (n, piece) in list.enumerated() where piece.end - piece.start > 1e-9 {
                let i = segment(piece)
                if timeline.solarW[i] > 1e-9 { bySegment[i, default: []].append((j, n)) }
            }
        }
        var result = pieces
        for (i, members) in bySegment {
            // The draw between consecutive piece bounds, and the integral of the share of it the
            // surplus covers from the first bound on.
            var events: [(at: Double, powerW: Double)] = []
            for (j, n) in members {
                events.append((pieces[j][n].start, pieces[j][n].powerW))
                events.append((pieces[j][n].end, -pieces[j][n].powerW))
            }
            events.sort { $0.at < $1.at }
            var cuts: [Double] = []
            var covered: [Double] = []
            var drawW = 0.0
            var integral = 0.0
            for event in events {
                if let last = cuts.last {
                    if event.at > last {
                        integral += (event.at - last) * (drawW > 1e-9 ? min(1, timeline.solarW[i] / drawW) : 0)
                        cuts.append(event.at)
                        covered.append(integral)
                    }
                } else {
                    cuts.append(event.at)
                    covered.append(0)
                }
                drawW += event.powerW
            }
            func coveredSeconds(_ at: Double) -> Double {
                covered[min(cuts.count - 1, cuts.partitioningIndex { $0 >= at })]
            }
            for (j, n) in members {
                let piece = pieces[j][n]
                let seconds = coveredSeconds(piece.end) - coveredSeconds(piece.start)
                result[j][n].solarShare = min(1, max(0, seconds / (piece.end - piece.start)))
            }
        }
        return result
    }

    /// One stretch of what flexible energy costs device `j` in a piece with a surplus (docs/
    /// schedules.md, "Solar surplus"): from the previous stretch's power up to `toW`, each Wh at
    /// `price`. A `chord` joins two drawable powers with dearer ones between them (its energy is
    /// drawn by sharing time between its two ends); otherwise every drawable power in the
    /// stretch costs its price (the surplus's alone, or the grid's alone).
    struct SunArc {
        var toW: Double
        var price: Double
        var chord: Bool
    }

    /// The least cost of flexible energy for device `j` in piece `i`, the most it may draw
    /// there being `maxW`: the lower convex hull of what each drawable power costs when the
    /// surplus the fixed load leaves covers the draw up to it (the export price) and the grid
    /// the rest (the piece's price), as stretches of rising price. Drawing one power for part of
    /// the piece and another (or none) for the rest reaches every point of the hull, and no
    /// draw costs less: the cost of the piece's energy is the hull's at its average power.
    func sunArcs(_ j: Int, piece i: Int, maxW: Double) -> [SunArc] {
        let device = devices[j]
        let gridPrice = slices[timeline.slice[i]].effectivePrice
        let surplusW = max(0, timeline.solarW[i] - timeline.loadW[i])
        guard maxW > 1e-9 else { return [] }
        guard surplusW > 1e-9 else { return [SunArc(toW: maxW, price: gridPrice, chord: false)] }
        if solarPrice > gridPrice {
            // The cost of a power is concave: the hull is the chord to the highest power.
            guard maxW > surplusW + 1e-9 else { return [SunArc(toW: maxW, price: solarPrice, chord: false)] }
            let price = (solarPrice * surplusW + gridPrice * (maxW - surplusW)) / maxW
            return [SunArc(toW: maxW, price: price, chord: true)]
        }
        var arcs: [SunArc] = []
        let under = min(device.floorPower(min(surplusW, maxW)), maxW)
        if under > 1e-9 { arcs.append(SunArc(toW: under, price: solarPrice, chord: false)) }
        let over = device.charger.map { $0.lowestPower(atLeast: surplusW) } ?? surplusW
        guard let over, over <= maxW + 1e-9 else { return arcs }
        if over > under + 1e-9 {
            let price = (solarPrice * (surplusW - under) + gridPrice * (over - surplusW)) / (over - under)
            arcs.append(SunArc(toW: over, price: price, chord: true))
        }
        if maxW > max(over, under) + 1e-9 { arcs.append(SunArc(toW: maxW, price: gridPrice, chord: false)) }
        return arcs
    }

    // MARK: Step 1: minimum energy at once

    /// Charges `energyWh` from the device's start at full power; returns where it stopped.
    private mutating func chargeMinimum(_ j: Int, energyWh: Double) -> Double {
        let device = devices[j]
        var left = energyWh
        var i = timeline.split(at: device.start)
        var stop = device.start
        while left > Self.epsilonWh, i < timeline.count, timeline.times[i] < device.end {
            defer { i += 1 }
            guard timeline.slice[i] >= 0 else { continue }
            let powerW = device.floorPower(headroomW(i))
            guard powerW > 1e-9 else { continue }
            let energy = powerW * (timeline.times[i + 1] - timeline.times[i]) / 3600
            if energy > left {
                let at = timeline.split(at: timeline.times[i] + left * 3600 / powerW)
                if at <= i { break }
            }
            let end = timeline.times[i + 1]
            let placed = min(left, powerW * (end - timeline.times[i]) / 3600)
            commit(j, piece: i, powerW: powerW)
            left -= placed
            stop = end
        }
        remainingWh[j] -= energyWh - max(0, left)
        return stop
    }

    // MARK: Step 2: preconditioning before departure

    private mutating func precondition(_ j: Int, from: Double) {
        let device = devices[j]
        let first = timeline.split(at: from)
        var allowedSeconds = 0.0
        var i = first
        while i < timeline.count, timeline.times[i] < device.end {
            if allowed(i, device) { allowedSeconds += timeline.length(i) }
            i += 1
        }
        guard allowedSeconds > 0, remainingWh[j] > Self.epsilonWh, device.powerW > 1e-9 else { return }
        let target = min(remainingWh[j], device.powerW * allowedSeconds / 3600)
        var powerW = target * 3600 / allowedSeconds
        if let charger = device.charger, !charger.canDraw(powerW) {
            // A charger that cannot draw the even power: the lowest it can draw above it, over
            // the last allowed time that carries the energy.
            powerW = min(charger.lowestPower(atLeast: powerW) ?? device.powerW, device.powerW)
            var seconds = target * 3600 / powerW
            var k = timeline.count - 1
            var from = device.end
            while k >= first, seconds > 1e-9 {
                if timeline.times[k] < device.end, allowed(k, device) {
                    let length = timeline.length(k)
                    from = timeline.times[k + 1] - min(length, seconds)
                    seconds -= min(length, seconds)
                }
                k -= 1
            }
            i = timeline.split(at: from)
        } else {
            i = first
        }
        // Every allowed piece from `i` to the departure at `powerW` (as far as the limit and
        // the charger allow).
        while i < timeline.count, timeline.times[i] < device.end {
            if allowed(i, device) {
                let power = device.floorPower(min(powerW, headroomW(i)))
                if power > 1e-9 {
                    commit(j, piece: i, powerW: power)
                    remainingWh[j] -= power * timeline.length(i) / 3600
                }
            }
            i += 1
        }
        remainingWh[j] = max(0, remainingWh[j])
    }

    // MARK: Step 3: one continuous block

    private mutating func placeBlock(_ j: Int, from: Double, to: Double) {
        let device = devices[j]
        guard to > from, device.powerW > 1e-9 else { return }
        var runs: [[CheapestWindow.Piece]] = []
        var run: [CheapestWindow.Piece] = []
        _ = timeline.split(at: to)
        var i = timeline.split(at: from)
        while i < timeline.count, timeline.times[i] < to {
            if allowed(i, device), headroomW(i) >= device.powerW - 1e-9 {
                let slice = slices[timeline.slice[i]]
                if let last = run.last, last.end != timeline.times[i] {
                    runs.append(run)
                    run = []
                }
                run.append(.init(
                    start: timeline.times[i], end: timeline.times[i + 1],
                    price: hasSolar ? marginalPrice(i) : slice.effectivePrice))
            } else if !run.isEmpty {
                runs.append(run)
                run = []
            }
            i += 1
        }
        if !run.isEmpty { runs.append(run) }
        let duration = remainingWh[j] * 3600 / device.powerW
        guard let block = CheapestWindow.find(runs: runs, duration: duration) else { return }
        let first = timeline.split(at: block.start)
        let last = timeline.split(at: block.end)
        var placed = 0.0
        for piece in first..<last {
            commit(j, piece: piece, powerW: device.powerW)
            placed += device.powerW * timeline.length(piece) / 3600
        }
        remainingWh[j] = max(0, remainingWh[j] - placed)
        // The block is whole: nothing of this device is left to the flexible step.
        remainingWh[j] = 0
    }

    // MARK: Step 4: the joint optimum for the rest

    private mutating func allocateRest() -> [[Piece]] {
        let count = timeline.count
        let times = timeline.times
        var siteCapWh = [Double](repeating: 0, count: count)
        var price = [Double](repeating: 0, count: count)
        for i in 0..<count where timeline.slice[i] >= 0 {
            siteCapWh[i] = siteLimited ? max(0, headroomW(i)) * timeline.length(i) / 3600 : .infinity
            price[i] = slices[timeline.slice[i]].effectivePrice
            if hasSolar {
                let left = arcsLeftWh(i)
                siteCapWh[i] = left.solar + left.grid
            }
        }
        // Per device: its segment range, its own committed power there, and its capacity.
        var ranges: [Range<Int>] = []
        var ownW: [[Double]] = []
        var inputs: [(lo: Int, capWh: [Double], demandWh: Double)] = []
        for (j, device) in devices.enumerated() {
            let lo = lowerIndex(device.start)
            let hi = max(lo, lowerIndex(device.end))
            ranges.append(lo..<hi)
            var own = [Double](repeating: 0, count: hi - lo)
            if !fixed[j].isEmpty {
                let pieces = fixed[j].sorted { $0.start < $1.start }
                var p = 0
                for i in lo..<hi {
                    let at = times[i]
                    while p < pieces.count, pieces[p].end <= at + PlanningTolerance.seconds { p += 1 }
                    var sum = 0.0
                    var q = p
                    while q < pieces.count, pieces[q].start <= at + PlanningTolerance.seconds {
                        if pieces[q].end > at + PlanningTolerance.seconds { sum += pieces[q].powerW }
                        q += 1
                    }
                    own[i - lo] = sum
                }
            }
            ownW.append(own)
            var caps = [Double](repeating: 0, count: hi - lo)
            if remainingWh[j] > Self.epsilonWh, !device.continuous {
                for i in lo..<hi where allowed(i, device) {
                    // A charger runs at one drawable power: none of the flexible part where a
                    // fixed part already runs.
                    if device.charger != nil, own[i - lo] > 1e-9 { continue }
                    // Never above the highest power its charger can draw in the room there.
                    let spareW = min(device.powerW - own[i - lo], device.floorPower(headroomW(i) + own[i - lo]) - own[i - lo])
                    caps[i - lo] = max(0, spareW) * timeline.length(i) / 3600
                }
            }
            inputs.append((lo, caps, remainingWh[j]))
        }
        var arcs: [[(capWh: Double, price: Double)]] = []
        var alone: [Int: (device: Int, arcs: [SunArc])] = [:]
        if hasSolar {
            (arcs, alone) = sunArcs(siteCapWh: siteCapWh, ranges: ranges, inputs: inputs)
        }
        var allocator = FlowAllocator(siteCapWh: siteCapWh, price: price, arcs: arcs, devices: inputs)
        allocator.run()
        let continuous = layout(allocator: allocator, ranges: ranges, ownW: ownW, alone: alone)
        relaxationCost = 0
        for pieces in hasSolar ? priced(continuous) : continuous {
            for piece in pieces {
                relaxationCost += tariffPrice(piece) * piece.powerW * (piece.end - piece.start) / 3_600_000
            }
        }
        // The continuous optimum stands wherever every charger can draw what it asks, and its
        // layout holds the relaxation's energy (where chargers must take turns it may not).
        let executable = zip(devices, continuous).enumerated().allSatisfy { j, entry in
            let (device, pieces) = entry
            guard let charger = device.charger else { return true }
            guard pieces.allSatisfy({ charger.canDraw($0.powerW) }) else { return false }
            let laid = pieces.reduce(0) { $0 + $1.powerW * ($1.end - $1.start) / 3600 }
            let flow = ranges[j].reduce(0) { $0 + allocator.flow(device: j, segment: $1) }
            return laid >= flow - PlanningTolerance.energyWh * max(1, flow) * 1000
        }
        if executable { return continuous }
        return executableLayout(allocator: allocator, ranges: ranges, ownW: ownW)
    }

    /// The flow's sink arcs of each piece with a surplus (``FlowAllocator``), and the pieces
    /// where one device alone may take flexible energy with its stretches (``sunArcs(_:piece:maxW:)``).
    ///
    /// Alone, a device's arcs are its stretches: exact. Where several may charge, the surplus
    /// is one arc at the export price, at most what they can draw at or under it together (each
    /// its highest drawable power at or under the surplus), and the grid's room another: exact
    /// for devices without a charger, which the layout spreads evenly over the piece, an
    /// estimate for chargers with steps (what the layout gets from the sun is the plan's cost,
    /// ``priced(_:)``). When the export price is above the grid's there, all of it is at the
    /// export price: a bound, never exceeded.
    private func sunArcs(
        siteCapWh: [Double], ranges: [Range<Int>], inputs: [(lo: Int, capWh: [Double], demandWh: Double)]
    ) -> (arcs: [[(capWh: Double, price: Double)]], alone: [Int: (device: Int, arcs: [SunArc])]) {
        let count = timeline.count
        var takers = [[Int]](repeating: [], count: count)
        for (j, input) in inputs.enumerated() {
            for (offset, cap) in input.capWh.enumerated() where cap > Self.epsilonWh { takers[input.lo + offset].append(j) }
        }
        var arcs = [[(capWh: Double, price: Double)]](repeating: [], count: count)
        var alone: [Int: (device: Int, arcs: [SunArc])] = [:]
        for i in 0..<count where timeline.slice[i] >= 0 && timeline.solarW[i] > 1e-9 && !takers[i].isEmpty {
            let hours = timeline.length(i) / 3600
            func maxW(_ j: Int) -> Double { inputs[j].capWh[i - inputs[j].lo] / hours }
            if takers[i].count == 1 {
                let j = takers[i][0]
                let stretches = sunArcs(j, piece: i, maxW: maxW(j))
                alone[i] = (j, stretches)
                var from = 0.0
                for arc in stretches {
                    arcs[i].append(((arc.toW - from) * hours, arc.price))
                    from = arc.toW
                }
                continue
            }
            let gridPrice = slices[timeline.slice[i]].effectivePrice
            guard solarPrice <= gridPrice else {
                arcs[i] = [(siteCapWh[i], solarPrice)]
                continue
            }
            let surplusW = max(0, timeline.solarW[i] - timeline.loadW[i])
            let underW = takers[i].reduce(0) { $0 + min(devices[$1].floorPower(min(surplusW, maxW($1))), maxW($1)) }
            let solarWh = min(min(underW, surplusW) * hours, siteCapWh[i])
            arcs[i] = [(solarWh, solarPrice), (siteCapWh[i] - solarWh, gridPrice)]
        }
        return (arcs, alone)
    }

    /// Turns per-segment energies into pieces: a full segment at full power; a partial one at
    /// full power for part of its length next to the device's neighbouring charging (fewest
    /// starts and stops; at the end when alone, the later schedule) where the location limit
    /// allows every device there to run at full power at once. Where it does not, a segment's
    /// only partial device runs at the power the others leave it, for part of the segment, and
    /// several partial devices share it at even powers.
    ///
    /// With a surplus: where one device alone takes flexible energy it draws the energy as its
    /// stretch of ``sunArcs(_:piece:maxW:)`` says (evenly at a power the surplus covers, or two
    /// powers sharing the piece's time), so the surplus covers what the flow counted as solar;
    /// where several do and the export price is the lower, devices that can draw their even
    /// power draw it over the whole piece.
    private func layout(
        allocator: FlowAllocator, ranges: [Range<Int>], ownW: [[Double]], alone: [Int: (device: Int, arcs: [SunArc])] = [:]
    ) -> [[Piece]] {
        let count = timeline.count
        let times = timeline.times
        // Per segment: the spare power of every device with energy there, of those that use all
        // of it, and how many use only part.
        var fullPowerW = [Double](repeating: 0, count: count)
        var saturatedW = [Double](repeating: 0, count: count)
        var partialCount = [Int](repeating: 0, count: count)
        if siteLimited {
            for (j, range) in ranges.enumerated() {
                for i in range {
                    let flow = allocator.flow(device: j, segment: i)
                    guard flow > Self.epsilonWh else { continue }
                    let spareW = devices[j].powerW - ownW[j][i - range.lowerBound]
                    fullPowerW[i] += spareW
                    if flow >= spareW * timeline.length(i) / 3600 - Self.epsilonWh {
                        saturatedW[i] += spareW
                    } else {
                        partialCount[i] += 1
                    }
                }
            }
        }
        var result: [[Piece]] = []
        result.reserveCapacity(devices.count)
        for (j, range) in ranges.enumerated() {
            let device = devices[j]
            let flows = allocator.flows(device: j)
            let own = ownW[j]
            let lo = range.lowerBound
            var pieces: [Piece] = []
            func charges(_ i: Int) -> Bool {
                guard range.contains(i), timeline.slice[i] >= 0 else { return false }
                return own[i - lo] > 1e-9 || flows[flows.startIndex + i - lo] > Self.epsilonWh
            }
            func emit(_ start: Double, _ end: Double, _ powerW: Double, _ slice: Int) {
                guard powerW > 1e-9, end - start > 1e-9 else { return }
                pieces.append(Piece(start: start, end: end, powerW: powerW, slice: slice))
            }
            for i in range where timeline.slice[i] >= 0 {
                let flow = flows[flows.startIndex + i - lo]
                let own = own[i - lo]
                if flow <= Self.epsilonWh, own <= 1e-9 { continue }
                let start = times[i]
                let end = times[i + 1]
                let length = end - start
                let slice = timeline.slice[i]
                if flow <= Self.epsilonWh {
                    emit(start, end, own, slice)
                    continue
                }
                if let sun = alone[i], sun.device == j {
                    let (lowW, highW) = sunPowers(device, averageW: flow * 3600 / length, arcs: sun.arcs)
                    // The time at the higher power; the rest at the lower.
                    let seconds = highW - lowW > 1e-9 ? min(length, max(0, (flow * 3600 - lowW * length) / (highW - lowW))) : length
                    if charges(i + 1) || !charges(i - 1) {
                        emit(start, end - seconds, own + lowW, slice)
                        emit(end - seconds, end, own + highW, slice)
                    } else {
                        emit(start, start + seconds, own + highW, slice)
                        emit(start + seconds, end, own + lowW, slice)
                    }
                    continue
                }
                let flatW = flow * 3600 / length
                if hasSolar, timeline.solarW[i] > 1e-9, solarPrice <= slices[slice].effectivePrice,
                   device.charger?.canDraw(own + flatW) ?? true {
                    emit(start, end, own + flatW, slice)
                    continue
                }
                var spareW = device.powerW - own
                let capacity = spareW * length / 3600
                if fullPowerW[i] > headroomW(i) + 1e-6 {
                    // The limit binds here: alone among partial devices, take what the others
                    // leave (at a power its charger can draw).
                    spareW = partialCount[i] == 1 ? device.floorPower(min(spareW, headroomW(i) - saturatedW[i]) + own) - own : 0
                }
                if flow >= capacity - Self.epsilonWh || spareW <= flatW + 1e-9 {
                    emit(start, end, own + flatW, slice)
                    continue
                }
                let seconds = flow * 3600 / spareW
                let atEnd = charges(i + 1) || !charges(i - 1)
                if atEnd {
                    emit(start, end - seconds, own, slice)
                    emit(end - seconds, end, own + spareW, slice)
                } else {
                    emit(start, start + seconds, own + spareW, slice)
                    emit(start + seconds, end, own, slice)
                }
            }
            result.append(pieces)
        }
        return result
    }

    /// The two powers a device alone in a piece with a surplus shares the piece's time between
    /// to draw `averageW` on average at the least cost (equal when it draws one power
    /// throughout): the ends of its chord, else the drawable powers next to the average within
    /// its stretch (every drawable power there costs the same per Wh).
    func sunPowers(_ device: Device, averageW: Double, arcs: [SunArc]) -> (low: Double, high: Double) {
        guard let last = arcs.last else { return (0, 0) }
        var from = 0.0
        var arc = last
        for candidate in arcs {
            if averageW <= candidate.toW + 1e-9 {
                arc = candidate
                break
            }
            from = candidate.toW
        }
        if arc.chord { return (from, arc.toW) }
        let average = min(averageW, arc.toW)
        let low = max(from, min(device.floorPower(average + 1e-9), average))
        let high = min(arc.toW, device.charger.map { $0.lowestPower(atLeast: average) ?? arc.toW } ?? average)
        return high - low <= 1e-9 ? (high, high) : (low, high)
    }

    // MARK: Helpers

    /// The first piece index starting at or after `instant` (a device's start and end are
    /// breakpoints).
    func lowerIndex(_ instant: Double) -> Int {
        let from = instant - PlanningTolerance.seconds
        return min(timeline.times.partitioningIndex { $0 >= from }, timeline.count)
    }

    /// Power the location still allows in piece `i`: the limit (the grid's) plus the surplus.
    func headroomW(_ i: Int) -> Double {
        timeline.limitW[i] + timeline.solarW[i] - timeline.loadW[i]
    }

    /// What a kWh of `piece` costs in the tariff's terms (the surplus share at the solar price;
    /// only import devices plan on a surplus, so their effective prices are the tariff's).
    func tariffPrice(_ piece: Piece) -> Double {
        let price = slices[piece.slice].price
        guard piece.solarShare > 0 else { return price }
        return piece.solarShare * solarPrice + (1 - piece.solarShare) * price
    }

    /// Whether `device` may charge in piece `i` outside its minimum: priced and within its cap.
    func allowed(_ i: Int, _ device: Device) -> Bool {
        let s = timeline.slice[i]
        guard s >= 0 else { return false }
        guard let cap = device.effectiveCap else { return true }
        return slices[s].effectivePrice <= cap
    }

    private mutating func commit(_ j: Int, piece i: Int, powerW: Double) {
        timeline.loadW[i] += powerW
        fixed[j].append((timeline.times[i], timeline.times[i + 1], powerW))
    }
}
