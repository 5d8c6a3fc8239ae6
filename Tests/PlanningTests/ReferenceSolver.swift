import Foundation
@testable import Planning
import Tariffs

/// Plainly written references the planner is checked against. Instants in seconds since 1970,
/// energy in Wh, money in the slices' currency.
enum Reference {
    /// Min-cost max-flow by successive shortest paths (Bellman-Ford) on the network
    /// source -> device (its demand) -> cell (its power x cell length, where allowed) ->
    /// sink (site power x cell length, cost = price). Returns (energy delivered, cost).
    ///
    /// With a solar surplus (``ChargeRequest/solarForecast``) a cell has a second edge to the
    /// sink: the surplus x cell length at the export price; a device may draw the site power
    /// plus the surplus there.
    ///
    /// `dearSurplusAtExport`: a cell with a surplus whose export price is above its import
    /// price has one edge instead, the site power plus the surplus at the export price (what
    /// its energy costs at most, whatever the layout).
    static func jointOptimum(
        request: ChargeRequest, slices: [RateSlice], dearSurplusAtExport: Bool = false
    ) -> (energyWh: Double, cost: Double) {
        // Cells: elementary intervals between all slice and window boundaries, inside a slice.
        var cuts = Set<Double>()
        for s in request.solarForecast { cuts.insert(s.start.timeIntervalSince1970); cuts.insert(s.end.timeIntervalSince1970) }
        func surplusW(_ a: Double) -> Double {
            request.solarForecast.first { $0.start.timeIntervalSince1970 <= a && $0.end.timeIntervalSince1970 > a }?.surplusW ?? 0
        }
        for s in slices { cuts.insert(s.start.timeIntervalSince1970); cuts.insert(s.end.timeIntervalSince1970) }
        for d in request.devices { cuts.insert(d.start.timeIntervalSince1970); cuts.insert(d.end.timeIntervalSince1970) }
        let points = cuts.sorted()
        var cells: [(start: Double, end: Double, price: Double)] = []
        for (a, b) in zip(points, points.dropFirst()) {
            if let s = slices.first(where: { $0.start.timeIntervalSince1970 <= a && $0.end.timeIntervalSince1970 >= b }) {
                cells.append((a, b, s.pricePerKWh))
            }
        }
        let devices = request.devices.count
        let nodes = 2 + devices + cells.count
        let source = 0
        let sink = nodes - 1
        var to: [Int] = [], cap: [Double] = [], cost: [Double] = [], adjacency = [[Int]](repeating: [], count: nodes)
        func edge(_ u: Int, _ v: Int, _ c: Double, _ w: Double) {
            adjacency[u].append(to.count); to.append(v); cap.append(c); cost.append(w)
            adjacency[v].append(to.count); to.append(u); cap.append(0); cost.append(-w)
        }
        for (j, d) in request.devices.enumerated() {
            edge(source, 1 + j, d.energyWh, 0)
            for (c, cell) in cells.enumerated()
            where cell.start >= d.start.timeIntervalSince1970 && cell.end <= d.end.timeIntervalSince1970
                && cell.price <= (d.priceCapPerKWh ?? .infinity) {
                let power = min(d.maxPowerW, (request.sitePowerW ?? .infinity) + surplusW(cell.start))
                edge(1 + j, 1 + devices + c, power * (cell.end - cell.start) / 3600, 0)
            }
        }
        for (c, cell) in cells.enumerated() {
            let site = request.sitePowerW.map { $0 * (cell.end - cell.start) / 3600 } ?? 1e12
            let surplus = surplusW(cell.start) * (cell.end - cell.start) / 3600
            let exportPrice = request.exportPricePerKWh ?? 0
            if dearSurplusAtExport, surplus > 0, exportPrice > cell.price {
                edge(1 + devices + c, sink, site + surplus, exportPrice / 1000)
                continue
            }
            edge(1 + devices + c, sink, site, cell.price / 1000)
            if surplus > 0 { edge(1 + devices + c, sink, surplus, (request.exportPricePerKWh ?? 0) / 1000) }
        }
        var flow = 0.0
        var total = 0.0
        while true {
            var distance = [Double](repeating: .infinity, count: nodes)
            var via = [Int](repeating: -1, count: nodes)
            distance[source] = 0
            for _ in 0..<nodes {
                var changed = false
                for u in 0..<nodes where distance[u] < .infinity {
                    for e in adjacency[u] where cap[e] > 1e-9 && distance[u] + cost[e] < distance[to[e]] - 1e-15 {
                        distance[to[e]] = distance[u] + cost[e]
                        via[to[e]] = e
                        changed = true
                    }
                }
                if !changed { break }
            }
            guard distance[sink] < .infinity else { break }
            var amount = Double.infinity
            var v = sink
            while v != source { let e = via[v]; amount = min(amount, cap[e]); v = to[e ^ 1] }
            v = sink
            while v != source { let e = via[v]; cap[e] -= amount; cap[e ^ 1] += amount; v = to[e ^ 1] }
            flow += amount
            total += amount * distance[sink]
        }
        return (flow, total)
    }

    /// The single-device optimum under every option, by the contract's rules for the fixed
    /// parts and exhaustive search (continuous, on a one-minute grid) or cheapest-first filling of
    /// elementary cells for the rest. Returns (energy, cost).
    static func singleOptimum(device d: DeviceRequest, sitePowerW: Double?, slices: [RateSlice], tariffCap: Double?)
        -> (energyWh: Double, cost: Double) {
        let power = min(d.maxPowerW, sitePowerW ?? .infinity)
        let s = d.start.timeIntervalSince1970
        let e = d.end.timeIntervalSince1970
        let cap = [d.priceCapPerKWh, tariffCap].compactMap { $0 }.min() ?? .infinity
        // Price at an instant (nil in a gap), by binary search over the sorted slices.
        let starts = slices.map { $0.start.timeIntervalSince1970 }
        func price(_ t: Double) -> Double? {
            var low = 0
            var high = starts.count
            while low < high {
                let mid = (low + high) / 2
                if starts[mid] <= t { low = mid + 1 } else { high = mid }
            }
            guard low > 0, t < slices[low - 1].end.timeIntervalSince1970 else { return nil }
            return slices[low - 1].pricePerKWh
        }
        var cuts = Set<Double>([s, e])
        for slice in slices {
            for t in [slice.start.timeIntervalSince1970, slice.end.timeIntervalSince1970] where t > s && t < e { cuts.insert(t) }
        }
        var energy = 0.0
        var cost = 0.0
        // 1. The minimum at once.
        var minimumLeft = min(d.minEnergyWh, d.energyWh)
        var minimumEnd = s
        var own: [(Double, Double, Double)] = []  // (start, end, power)
        for (a, b) in zip(cuts.sorted(), cuts.sorted().dropFirst()) where minimumLeft > 1e-9 {
            guard let p = price(a) else { continue }
            let take = min(minimumLeft, power * (b - a) / 3600)
            let stop = a + take * 3600 / power
            own.append((a, stop, power))
            energy += take; cost += take * p / 1000; minimumLeft -= take; minimumEnd = stop
        }
        cuts.insert(minimumEnd)
        // 2. Preconditioning.
        var flexibleEnd = e
        if d.preconditionMinutes > 0 {
            let from = max(e - d.preconditionMinutes * 60, minimumEnd)
            if from < e {
                flexibleEnd = from
                cuts.insert(from)
                let points = cuts.sorted()
                var allowed = 0.0
                for (a, b) in zip(points, points.dropFirst()) where a >= from {
                    if let p = price(a), p <= cap { allowed += b - a }
                }
                if allowed > 0 {
                    let target = min(d.energyWh - energy, power * allowed / 3600)
                    let q = target * 3600 / allowed
                    for (a, b) in zip(points, points.dropFirst()) where a >= from {
                        if let p = price(a), p <= cap {
                            own.append((a, b, q))
                            energy += q * (b - a) / 3600; cost += q * (b - a) / 3600 * p / 1000
                        }
                    }
                }
            }
        }
        let rest = d.energyWh - energy
        guard rest > 1e-9 else { return (energy, cost) }
        let points = cuts.sorted()
        if d.continuous {
            guard flexibleEnd > minimumEnd else { return (energy, cost) }
            let length = rest * 3600 / power
            func ok(_ t: Double) -> Bool { price(t).map { $0 <= cap } ?? false }
            var best: Double?
            var t = minimumEnd
            while t + length <= flexibleEnd + 1e-6 {
                var c = 0.0
                var fine = true
                var u = t
                while u < t + length - 1e-9 {
                    guard ok(u) else { fine = false; break }
                    c += power * 60 / 3600 * price(u)! / 1000
                    u += 60
                }
                if fine, best.map({ c < $0 - 1e-12 }) ?? true { best = c }
                t += 60
            }
            if let best { return (energy + rest, cost + best) }
            // Longest allowed run, earliest of equals.
            var longest = (0.0, 0.0)
            var runStart: Double?
            var u = minimumEnd
            while u <= flexibleEnd {
                if u < flexibleEnd, ok(u) { runStart = runStart ?? u } else if let r = runStart {
                    if u - r > longest.1 - longest.0 + 1e-6 { longest = (r, u) }
                    runStart = nil
                }
                u += 60
            }
            var c = 0.0
            var w = longest.0
            while w < longest.1 - 1e-9 { c += power * 60 / 3600 * price(w)! / 1000; w += 60 }
            return (energy + power * (longest.1 - longest.0) / 3600, cost + c)
        }
        // 3. Cheapest first over the elementary cells, each with the power the fixed parts leave.
        var cells: [(price: Double, energy: Double)] = []
        for (a, b) in zip(points, points.dropFirst()) {
            guard let p = price(a), p <= cap else { continue }
            let used = own.filter { $0.0 <= a + 1e-6 && $0.1 >= b - 1e-6 }.reduce(0) { $0 + $1.2 }
            cells.append((p, max(0, power - used) * (b - a) / 3600))
        }
        var left = rest
        for cell in cells.sorted(by: { $0.price < $1.price }) where left > 1e-9 {
            let take = min(left, cell.energy)
            energy += take; cost += take * cell.price / 1000; left -= take
        }
        return (energy, cost)
    }
}
