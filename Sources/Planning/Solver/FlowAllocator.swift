/// Exact joint allocation of energy to time segments: the most energy possible, then the least
/// cost, for devices that each have a demand and a per-segment capacity, under a per-segment
/// site capacity.
///
/// Why it is exact: the cost of a unit of energy depends only on its segment, never on the
/// device. The per-segment loads a feasible flow can realise form a polymatroid whose rank
/// `f(A)` is the max flow from the devices into the segment set `A` (bipartite network
/// source -> device (demand) -> segment (device capacity) -> sink (site capacity)). Over a
/// polymatroid, the greedy that visits segments cheapest first and gives each one
/// `f(A + k) - f(A)` yields a minimum-cost base (Edmonds), and a base has the maximal total
/// `f(all)`, so it also delivers the most energy possible. The increment is realised by
/// augmenting paths from the source to segment `k` only: a path ends at `k`'s sink edge, so
/// every earlier segment keeps its load, and the set of nodes reachable from the source only
/// shrinks under augmentation, so when no path to `k` is left no path to any visited segment is
/// left either: the flow is then a max flow for `A + k`. Ties in price visit later segments
/// first, so among equally cheap schedules the later one wins.
///
/// When devices cannot compete (one device, or no site limit) the greedy needs no augmenting
/// paths and no full sort: each device fills its segments below a threshold price found by a
/// weighted quickselect, then the threshold-price segments latest first, in linear time. That is
/// exactly what the greedy does for it.
///
/// Solar surplus (``ChargeRequest/solarForecast``): a segment with surplus has parallel arcs to
/// the sink instead of one, each with its energy and its price, dearer as they fill (the cost of
/// a segment's energy is convex in it; ``ScheduleSolver`` builds them from what the chargers
/// there can draw under the surplus). The greedy then visits arcs instead of segments, cheapest
/// first: the max flow into a set of sink arcs is still a polymatroid rank (the arcs are the
/// sink edges of one network), and an augmenting path still ends at the visited arc's segment,
/// so every visited arc keeps its load. A segment's energy thus fills its cheaper arcs before
/// its dearer ones, which is how ``ScheduleSolver`` prices it.
struct FlowAllocator {
    /// Site capacity of each segment in Wh (`.infinity` when unlimited, 0 where nothing may run).
    private let siteCapWh: [Double]
    /// Price of each segment.
    private let price: [Double]
    /// Device `j` may use segments `lo[j] ..< hi[j]`; its entries start at `offset[j]` in the
    /// flat arrays `capWh` and `flowWh`.
    private let lo: [Int]
    private let hi: [Int]
    private let offset: [Int]
    private let capWh: [Double]
    /// Energy placed per (device, segment), the result.
    private(set) var flowWh: [Double]
    /// Demand not yet placed per device.
    private(set) var remainingWh: [Double]
    /// Devices with positive capacity in each segment (compressed rows).
    private let segmentDeviceStart: [Int]
    private let segmentDevices: [Int]
    private let siteLimited: Bool
    /// Per segment its sink arcs (energy in Wh, price of a unit), cheapest first; an empty list
    /// (or no lists at all): one arc, the site capacity at the segment's price.
    private let arcs: [[(capWh: Double, price: Double)]]

    private static let epsilon = 1e-9

    /// - Parameters:
    ///   - siteCapWh: per segment; `.infinity` where there is no site limit, 0 where nothing may run.
    ///   - price: per segment, the price to minimise.
    ///   - devices: per device the first segment index, its capacities (Wh) for consecutive
    ///     segments from there, and its demand (Wh).
    ///   - arcs: per segment its sink arcs with their prices, cheapest first, together at most
    ///     `siteCapWh` (a surplus's); empty (for a segment, or for all) where the segment has one
    ///     arc at `price`.
    init(
        siteCapWh: [Double], price: [Double], arcs: [[(capWh: Double, price: Double)]] = [],
        devices: [(lo: Int, capWh: [Double], demandWh: Double)]
    ) {
        self.siteCapWh = siteCapWh
        self.price = price
        let solar = arcs.contains { !$0.isEmpty }
        self.arcs = solar ? arcs : []
        siteLimited = siteCapWh.contains { $0.isFinite && $0 > 0 } || solar
        // Segment lists are needed to fill arcs (solar) or to augment (devices that compete).
        let independent = (devices.count == 1 && !solar) || !siteLimited
        var lo: [Int] = []
        var hi: [Int] = []
        var offset: [Int] = []
        var caps: [Double] = []
        var demand: [Double] = []
        var counts = [Int](repeating: 0, count: independent ? 1 : siteCapWh.count + 1)
        for device in devices {
            lo.append(device.lo)
            hi.append(device.lo + device.capWh.count)
            offset.append(caps.count)
            caps.append(contentsOf: device.capWh)
            demand.append(max(0, device.demandWh))
            if !independent {
                for (i, cap) in device.capWh.enumerated() where cap > 0 { counts[device.lo + i + 1] += 1 }
            }
        }
        if !independent {
            for k in 0..<siteCapWh.count { counts[k + 1] += counts[k] }
        }
        var fill = counts
        var members = [Int](repeating: 0, count: counts[counts.count - 1])
        for (j, device) in devices.enumerated() where !independent {
            for (i, cap) in device.capWh.enumerated() where cap > 0 {
                let k = device.lo + i
                members[fill[k]] = j
                fill[k] += 1
            }
        }
        self.lo = lo
        self.hi = hi
        self.offset = offset
        self.capWh = caps
        self.flowWh = [Double](repeating: 0, count: caps.count)
        self.remainingWh = demand
        self.segmentDeviceStart = counts
        self.segmentDevices = members
    }

    /// Energy device `j` gets in each segment of its range, from its first segment on.
    func flows(device j: Int) -> ArraySlice<Double> {
        flowWh[offset[j]..<offset[j] + hi[j] - lo[j]]
    }

    /// Energy device `j` gets in segment `k` (0 outside its range).
    func flow(device j: Int, segment k: Int) -> Double {
        guard k >= lo[j], k < hi[j] else { return 0 }
        return flowWh[offset[j] + k - lo[j]]
    }

    /// Runs the greedy; afterwards `flow(device:segment:)` holds the allocation.
    mutating func run() {
        if (lo.count == 1 && arcs.isEmpty) || !siteLimited {
            for j in lo.indices { fillAlone(j) }
            return
        }
        // The sink arcs: per segment its own, or one at its price.
        var order: [(segment: Int, capWh: Double, price: Double)] = []
        order.reserveCapacity(siteCapWh.count)
        for k in stride(from: siteCapWh.count - 1, through: 0, by: -1) where siteCapWh[k] > 0 {
            if !arcs.isEmpty, !arcs[k].isEmpty {
                for arc in arcs[k] where arc.capWh > Self.epsilon { order.append((k, arc.capWh, arc.price)) }
            } else {
                order.append((k, siteCapWh[k], price[k]))
            }
        }
        // Stable: among equal prices the later segment stays first.
        order.sort { $0.price < $1.price }
        var totalRemaining = remainingWh.reduce(0, +)
        var scratch = Scratch(segments: siteCapWh.count, devices: lo.count)
        let competing = lo.count > 1
        for (k, arcWh, _) in order {
            if totalRemaining <= Self.epsilon { break }
            var need = arcWh
            if need <= Self.epsilon { continue }
            for index in segmentDeviceStart[k]..<segmentDeviceStart[k + 1] {
                let j = segmentDevices[index]
                let left = remainingWh[j]
                if left <= Self.epsilon { continue }
                let entry = offset[j] + k - lo[j]
                let amount = min(capWh[entry] - flowWh[entry], left, need)
                if amount <= 0 { continue }
                flowWh[entry] += amount
                remainingWh[j] = left - amount
                need -= amount
                totalRemaining -= amount
                if need <= Self.epsilon { break }
            }
            guard competing else { continue }
            while need > Self.epsilon, totalRemaining > Self.epsilon {
                guard let amount = augment(into: k, need: need, scratch: &scratch) else { break }
                need -= amount
                totalRemaining -= amount
            }
        }
    }

    /// The greedy for a device that competes with no other: every segment priced below the
    /// threshold in full, then the threshold-priced ones latest first.
    private mutating func fillAlone(_ j: Int) {
        let base = offset[j] - lo[j]
        var entries: [Int] = []
        entries.reserveCapacity(hi[j] - lo[j])
        var total = 0.0
        for k in lo[j]..<hi[j] {
            let cap = min(capWh[base + k], siteCapWh[k])
            if cap > Self.epsilon {
                entries.append(k)
                total += cap
            }
        }
        @inline(__always) func cap(_ k: Int) -> Double { min(capWh[base + k], siteCapWh[k]) }
        var need = remainingWh[j]
        guard need > Self.epsilon else { return }
        if total <= need {
            for k in entries { flowWh[base + k] = cap(k) }
            remainingWh[j] = need - total
            return
        }
        // Weighted quickselect for the threshold price; entries[..<low] are wholly below it.
        var low = 0
        var high = entries.count
        var equalStart = 0
        var equalEnd = 0
        while true {
            guard low < high else {
                // Rounding left nothing to split: everything before `low` is used in full.
                equalStart = low
                equalEnd = low
                break
            }
            let a = price[entries[low]]
            let b = price[entries[(low + high) / 2]]
            let c = price[entries[high - 1]]
            let pivot = max(min(a, b), min(max(a, b), c))
            // Three-way partition of entries[low..<high]: [< pivot][== pivot][> pivot].
            var less = low
            var index = low
            var greater = high
            var lessWh = 0.0
            var equalWh = 0.0
            while index < greater {
                let k = entries[index]
                let p = price[k]
                if p < pivot {
                    entries.swapAt(less, index)
                    lessWh += cap(k)
                    less += 1
                    index += 1
                } else if p > pivot {
                    greater -= 1
                    entries.swapAt(index, greater)
                } else {
                    equalWh += cap(k)
                    index += 1
                }
            }
            if lessWh >= need, less > low {
                high = less
            } else if lessWh + equalWh >= need {
                need -= lessWh
                equalStart = less
                equalEnd = greater
                break
            } else {
                need -= lessWh + equalWh
                low = greater
            }
        }
        var placed = 0.0
        for k in entries[..<equalStart] {
            let amount = cap(k)
            flowWh[base + k] = amount
            placed += amount
        }
        var ties = Array(entries[equalStart..<equalEnd])
        ties.sort(by: >)
        for k in ties where need > Self.epsilon {
            let amount = min(cap(k), need)
            flowWh[base + k] = amount
            need -= amount
            placed += amount
        }
        remainingWh[j] = max(0, remainingWh[j] - placed)
    }

    /// Breadth-first search state reused across augmentations.
    private struct Scratch {
        var stamp = 0
        var segmentSeen: [Int]
        var deviceSeen: [Int]
        /// The device that gives up energy in a segment on the path.
        var segmentVia: [Int]
        /// The segment a device takes more energy in on the path.
        var deviceVia: [Int]
        var queue: [Int]

        init(segments: Int, devices: Int) {
            segmentSeen = [Int](repeating: 0, count: segments)
            deviceSeen = [Int](repeating: 0, count: devices)
            segmentVia = [Int](repeating: -1, count: segments)
            deviceVia = [Int](repeating: -1, count: devices)
            queue = [Int](repeating: 0, count: segments)
        }

        /// Breadth-first from segment `k` back to a device with demand left (see `augment`);
        /// the device found, or -1. Fills `segmentVia` and `deviceVia` along the way.
        mutating func search(
            into k: Int, stamp: Int, epsilon: Double, starts: UnsafeBufferPointer<Int>, members: UnsafeBufferPointer<Int>,
            lo: UnsafeBufferPointer<Int>, hi: UnsafeBufferPointer<Int>, offset: UnsafeBufferPointer<Int>,
            capWh: UnsafeBufferPointer<Double>, flowWh: UnsafeBufferPointer<Double>, remainingWh: UnsafeBufferPointer<Double>
        ) -> Int {
            segmentSeen.withUnsafeMutableBufferPointer { segmentSeen in
                deviceSeen.withUnsafeMutableBufferPointer { deviceSeen in
                    segmentVia.withUnsafeMutableBufferPointer { segmentVia in
                        deviceVia.withUnsafeMutableBufferPointer { deviceVia in
                            queue.withUnsafeMutableBufferPointer { queue in
                                segmentSeen[k] = stamp
                                queue[0] = k
                                var head = 0
                                var tail = 1
                                while head < tail {
                                    let a = queue[head]
                                    head += 1
                                    for index in starts[a]..<starts[a + 1] {
                                        let j = members[index]
                                        if deviceSeen[j] == stamp { continue }
                                        let entry = offset[j] + a - lo[j]
                                        if capWh[entry] - flowWh[entry] <= epsilon { continue }
                                        deviceSeen[j] = stamp
                                        deviceVia[j] = a
                                        if remainingWh[j] > epsilon { return j }
                                        let base = offset[j] - lo[j]
                                        for b in lo[j]..<hi[j] where flowWh[base + b] > epsilon && segmentSeen[b] != stamp {
                                            segmentSeen[b] = stamp
                                            segmentVia[b] = j
                                            queue[tail] = b
                                            tail += 1
                                        }
                                    }
                                }
                                return -1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Finds one augmenting path from a device with demand left to segment `k` (moving energy
    /// of saturated devices from visited segments to `k` and refilling those segments from
    /// others), pushes the bottleneck along it and returns it; `nil` when there is none.
    private mutating func augment(into k: Int, need: Double, scratch: inout Scratch) -> Double? {
        scratch.stamp += 1
        let stamp = scratch.stamp
        let epsilon = Self.epsilon
        // The search reads and writes through buffer pointers: it is most of a large plan's time,
        // and the arrays' bounds and uniqueness checks were most of the search's.
        let found = segmentDeviceStart.withUnsafeBufferPointer { starts in
            segmentDevices.withUnsafeBufferPointer { members in
                lo.withUnsafeBufferPointer { lo in
                    hi.withUnsafeBufferPointer { hi in
                        offset.withUnsafeBufferPointer { offset in
                            capWh.withUnsafeBufferPointer { capWh in
                                flowWh.withUnsafeBufferPointer { flowWh in
                                    remainingWh.withUnsafeBufferPointer { remainingWh in
                                        scratch.search(
                                            into: k, stamp: stamp, epsilon: epsilon, starts: starts, members: members,
                                            lo: lo, hi: hi, offset: offset, capWh: capWh, flowWh: flowWh, remainingWh: remainingWh)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard found >= 0 else { return nil }
        var amount = min(need, remainingWh[found])
        var j = found
        while true {
            let a = scratch.deviceVia[j]
            let entry = offset[j] + a - lo[j]
            amount = min(amount, capWh[entry] - flowWh[entry])
            if a == k { break }
            let giver = scratch.segmentVia[a]
            amount = min(amount, flowWh[offset[giver] + a - lo[giver]])
            j = giver
        }
        guard amount > 0 else { return nil }
        remainingWh[found] -= amount
        j = found
        while true {
            let a = scratch.deviceVia[j]
            flowWh[offset[j] + a - lo[j]] += amount
            if a == k { break }
            let giver = scratch.segmentVia[a]
            flowWh[offset[giver] + a - lo[giver]] -= amount
            j = giver
        }
        return amount
    }
}
