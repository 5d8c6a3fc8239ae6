import Foundation
import Testing
@testable import Planning
import Tariffs
import TestSupport

/// An instant from ISO 8601 text (tests only: crashes on a typo).
func at(_ text: String) -> Date {
    guard let date = Timestamp.parse(text) else { fatalError("bad instant \(text)") }
    return date
}

/// Consecutive slices from `start`, each `minutes` long, with the given prices per kWh.
func slices(from start: String, minutes: Double = 60, prices: [Double], confidence: Double = 1) -> [RateSlice] {
    var instant = at(start)
    return prices.map { price in
        let end = instant.addingTimeInterval(minutes * 60)
        defer { instant = end }
        return RateSlice(start: instant, end: end, pricePerKWh: price, type: .dynamic, confidence: confidence)
    }
}

/// The package root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Real day-ahead prices (EUR/kWh spot, no fees) from Examples/prices/ for the months the
/// tests use (November 2025 and January 2026, UTC), read once; empty when the file is missing.
let realPrices15: [RateSlice] = loadPrices(RepositoryPrices.quarterHours, months: ["2025-11", "2026-01"])

func loadPrices(_ name: String, months: Set<String>) -> [RateSlice] {
    guard let series = try? SpotPriceSeries.load(csvPath: RepositoryPrices.url(name).path).series else { return [] }
    return series.rows.filter { months.contains(String(Timestamp.format($0.start).prefix(7))) }.map {
        RateSlice(start: $0.start, end: $0.end, pricePerKWh: $0.price / 1000, type: .dynamic)
    }
}

/// The rate slices of `all` overlapping `[from, to)`.
func window(_ all: [RateSlice], from: Date, to: Date) -> [RateSlice] {
    all.filter { $0.end > from && $0.start < to }
}

/// Cost of running at `powerW` over `[start, end)` priced by `slices` (independent of the planner).
func costOf(start: Date, end: Date, powerW: Double, slices: [RateSlice]) -> Double {
    var cost = 0.0
    for slice in slices {
        let from = max(start, slice.start)
        let to = min(end, slice.end)
        if to > from { cost += powerW * to.timeIntervalSince(from) / 3600 / 1000 * slice.pricePerKWh }
    }
    return cost
}

/// Checks every constraint the contract puts on a plan; records an issue for each breach.
func checkConstraints(
    _ plan: Plan, request: ChargeRequest, slices: [RateSlice], tariffCap: Double? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let tolerance = 1e-6
    var events: [(Double, Double)] = []
    for device in plan.devices {
        let r = device.request
        var previousEnd = -Double.infinity
        var previousPower = -1.0
        var cappedEnergy = 0.0
        for slot in device.slots {
            let start = slot.start.timeIntervalSince1970
            let end = slot.end.timeIntervalSince1970
            #expect(end > start, "slot of \(r.deviceId) is empty", sourceLocation: sourceLocation)
            #expect(start >= previousEnd - 1e-6, "slots of \(r.deviceId) overlap or are unsorted", sourceLocation: sourceLocation)
            #expect(!(abs(start - previousEnd) <= 1e-6 && abs(slot.powerW - previousPower) <= 1e-6),
                    "adjacent slots of \(r.deviceId) at equal power are not merged", sourceLocation: sourceLocation)
            #expect(start >= r.start.timeIntervalSince1970 - 1e-6 && end <= r.end.timeIntervalSince1970 + 1e-6,
                    "slot of \(r.deviceId) lies outside its window", sourceLocation: sourceLocation)
            #expect(slot.powerW <= min(r.maxPowerW, max(0, request.highestSiteLimitW(from: r.start, to: r.end))) * (1 + 1e-9) + 1e-6,
                    "slot of \(r.deviceId) above its power limit", sourceLocation: sourceLocation)
            if let charger = r.charger {
                #expect(charger.canDraw(slot.powerW) && slot.powerW <= charger.maxPowerW * (1 + 1e-9),
                        "slot of \(r.deviceId) at \(slot.powerW) W, which its \(charger.kind) charger cannot draw",
                        sourceLocation: sourceLocation)
            }
            #expect(abs(slot.energyWh - slot.powerW * (end - start) / 3600) <= 1e-6 * max(1, slot.energyWh),
                    "slot energy is not power x time", sourceLocation: sourceLocation)
            let cost = costOf(start: slot.start, end: slot.end, powerW: slot.powerW, slices: slices)
            let signedCost = cost
            #expect(abs(slot.cost - signedCost) <= 1e-9 * max(1, abs(cost)) + 1e-9,
                    "slot cost \(slot.cost) is not \(signedCost)", sourceLocation: sourceLocation)
            let cap = [r.priceCapPerKWh, r.direction == .import ? tariffCap : nil].compactMap { $0 }.min()
            if let cap {
                for slice in slices where r.direction == .import ? slice.pricePerKWh > cap + 1e-12 : slice.pricePerKWh < cap - 1e-12 {
                    let from = max(slot.start, slice.start)
                    let to = min(slot.end, slice.end)
                    if to > from { cappedEnergy += slot.powerW * to.timeIntervalSince(from) / 3600 }
                }
            }
            events.append((start, slot.powerW))
            events.append((end, -slot.powerW))
            previousEnd = end
            previousPower = slot.powerW
        }
        #expect(cappedEnergy <= r.minEnergyWh + 1e-6, "\(r.deviceId) charged \(cappedEnergy) Wh above its cap",
                sourceLocation: sourceLocation)
        #expect(device.energyWh <= r.energyWh + tolerance, "\(r.deviceId) got more than asked", sourceLocation: sourceLocation)
        #expect(abs(device.energyWh + device.shortfallWh - r.energyWh) <= 1e-5 * max(1, r.energyWh),
                "energy plus shortfall is not what \(r.deviceId) asked", sourceLocation: sourceLocation)
    }
    if request.sitePowerW != nil || !request.siteLimits.isEmpty {
        // The limit changes only at its pieces' ends: check the load there too.
        forEachLoad(events, breaks: request.siteLimits.flatMap { [$0.start.timeIntervalSince1970, $0.end.timeIntervalSince1970] }) { instant, next, load in
            // The limit in force from this instant to the next event.
            let middle = Date(timeIntervalSince1970: (instant + next) / 2)
            let site = request.siteLimits.first { $0.start <= middle && middle < $0.end }?.powerW ?? request.sitePowerW ?? .infinity
            #expect(load <= max(0, site) * (1 + 1e-9) + 1e-6, "site load \(load) W above \(site) W at \(instant)",
                    sourceLocation: sourceLocation)
        }
    }
}

/// The devices' load over time from `(instant, power change)` events, with `breaks` where it
/// must be looked at too: `body(instant, next event, load from instant to next)`.
func forEachLoad(_ events: [(Double, Double)], breaks: [Double], _ body: (Double, Double, Double) -> Void) {
    var events = events + breaks.map { ($0, 0.0) }
    events.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
    var load = 0.0
    var i = 0
    while i < events.count {
        let instant = events[i].0
        while i < events.count, events[i].0 <= instant + 1e-6 {
            load += events[i].1
            i += 1
        }
        body(instant, i < events.count ? events[i].0 : instant + 1, load)
    }
}
