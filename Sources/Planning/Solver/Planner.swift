import Foundation
import Tariffs

/// The optimiser: the cheapest charging schedule for one device, or the jointly cheapest for
/// several sharing the location's power limit (docs/schedules.md). Pure: no IO, no clock.
///
/// Import devices minimise cost; export devices maximise revenue. Devices of one direction are
/// planned jointly under the location limit; each direction uses its own prices (and each
/// direction's group gets the whole limit).
///
/// What is exact: a device's `min_value` (at once, full power) and `precondition_minutes` (the
/// last minutes, within its cap) are fixed by the request; given them, the rest is the
/// minimum-cost schedule that delivers the most energy possible: for one device, for a
/// `continuous` device alone, and jointly for all non-continuous devices under the location
/// limit (see `FlowAllocator`). `continuous` devices sharing a limit with others are placed one
/// after another (request order) in their cheapest block that fits beside what is already
/// placed, before the others: jointly optimal blocks are a scheduling problem with no exact
/// fast method, and this is one place the planner is not exact.
///
/// Chargers (``DeviceRequest/charger``): every slot power is one the charger can draw. One
/// device stays exact (its full power is the highest its charger can draw under the limits, and
/// a shorter slot at full power carries any energy). Several devices under a binding limit whose
/// continuous optimum asks a charger for a power it cannot draw are laid out exactly when the
/// group is small (`ScheduleSolver+Exact.swift`), else by a heuristic over that optimum
/// (`ScheduleSolver+Executable.swift`); ``Plan/lowerBoundCost`` is the continuous relaxation's
/// cost.
///
/// Time without a price (a gap in the rates) is never charged.
public enum Planner {
    /// Plans every device of `request` on the same `slices`.
    ///
    /// - Parameter tariffCapPerKWh: the tariff's own cap (``Tariff/offPeakChargingCap``), for
    ///   import devices.
    /// - Throws: ``PlanningError`` naming the field when the request is invalid or a device's
    ///   window has no prices.
    public static func plan(
        _ request: ChargeRequest, slices: [RateSlice], tariffCapPerKWh: Double? = nil
    ) throws(PlanningError) -> Plan {
        try plan(request) { _ in PriceSource(slices: slices, capPerKWh: tariffCapPerKWh) }
    }

    /// Plans `request`, taking each direction's prices from `prices` (`nil`: the tariff has
    /// none for that direction, an error for the devices that need it).
    public static func plan(
        _ request: ChargeRequest, prices: (EnergyDirection) -> PriceSource?
    ) throws(PlanningError) -> Plan {
        try request.validate()
        var plans = [DevicePlan?](repeating: nil, count: request.devices.count)
        var lowerBound = 0.0
        for direction in EnergyDirection.allCases {
            let members = request.devices.indices.filter { request.devices[$0].direction == direction }
            guard !members.isEmpty else { continue }
            guard let source = prices(direction) else {
                throw PlanningError(
                    "data[\(members[0])].direction: the tariff has no \(direction.rawValue) prices")
            }
            let group = try planGroup(request, members: members, source: source)
            for (member, plan) in zip(members, group.plans) { plans[member] = plan }
            lowerBound += group.relaxationCost
        }
        return Plan(devices: plans.map { $0! }, lowerBoundCost: lowerBound)
    }

    private static func planGroup(
        _ request: ChargeRequest, members: [Int], source: PriceSource
    ) throws(PlanningError) -> (plans: [DevicePlan], relaxationCost: Double) {
        let sign: Double = request.devices[members[0]].direction == .export ? -1 : 1
        let from = members.map { request.devices[$0].start.timeIntervalSince1970 }.min()!
        let to = members.map { request.devices[$0].end.timeIntervalSince1970 }.max()!
        var slices: [PriceSlice] = []
        slices.reserveCapacity(source.slices.count)
        var sorted = true
        for rate in source.slices {
            let start = max(rate.start.timeIntervalSince1970, from)
            let end = min(rate.end.timeIntervalSince1970, to)
            guard end > start else { continue }
            if let last = slices.last, start < last.end { sorted = false }
            slices.append(PriceSlice(
                start: start, end: end, effectivePrice: sign * rate.pricePerKWh, price: rate.pricePerKWh,
                confidence: rate.confidence))
        }
        if !sorted {
            slices.sort { $0.start < $1.start }
            var clean: [PriceSlice] = []
            for var slice in slices {
                if let last = clean.last { slice.start = max(slice.start, last.end) }
                if slice.end > slice.start { clean.append(slice) }
            }
            slices = clean
        }
        var devices: [ScheduleSolver.Device] = []
        for member in members {
            let device = request.devices[member]
            let start = device.start.timeIntervalSince1970
            let end = device.end.timeIntervalSince1970
            guard hasPrice(slices, from: start, to: end) else {
                throw PlanningError(
                    "data[\(member)]: the tariff has no prices for \(Timestamp.format(device.start)) to \(Timestamp.format(device.end))")
            }
            var cap = device.priceCapPerKWh.map { sign * $0 }
            if sign > 0, let tariffCap = source.capPerKWh {
                cap = min(cap ?? tariffCap, tariffCap)
            }
            // Full power: the highest the charger can draw under the device's and the site's limits
            // (the grid's limit plus the surplus where there is one).
            var siteW = request.highestSiteLimitW(from: device.start, to: device.end)
            if sign > 0, siteW.isFinite { siteW += request.highestSurplusW(from: device.start, to: device.end) }
            var powerW = max(0, min(device.maxPowerW, siteW))
            if let charger = device.charger {
                powerW = charger.highestPower(atMost: min(powerW, charger.maxPowerW))
            }
            devices.append(ScheduleSolver.Device(
                start: start, end: end, powerW: powerW,
                energyWh: device.energyWh, minEnergyWh: device.minEnergyWh, continuous: device.continuous,
                preconditionSeconds: device.preconditionMinutes * 60, effectiveCap: cap, charger: device.charger))
        }
        let limits = request.siteLimits.map {
            (start: $0.start.timeIntervalSince1970, end: $0.end.timeIntervalSince1970, powerW: $0.powerW)
        }
        // The surplus is there for import devices only (an export device would not sell it twice).
        let solar = sign > 0 ? request.solarForecast.map {
            (start: $0.start.timeIntervalSince1970, end: $0.end.timeIntervalSince1970, surplusW: $0.surplusW)
        } : []
        var solver = ScheduleSolver(
            slices: slices, siteW: request.sitePowerW, siteLimits: limits, solar: solar,
            solarPrice: request.exportPricePerKWh ?? 0, devices: devices)
        solver.exactLayout = request.exactLayout
        solver.layoutInForce = members.map { member in
            guard member < request.layoutInForce.count else { return [] }
            return request.layoutInForce[member].map {
                (start: $0.start.timeIntervalSince1970, end: $0.end.timeIntervalSince1970, powerW: $0.powerW)
            }
        }
        let pieces = solver.solve()
        var plans: [DevicePlan] = []
        for (index, member) in members.enumerated() {
            let slots = mergeSlots(pieces[index], solver: solver)
            let delivered = slots.reduce(0) { $0 + $1.energyWh }
            let baseline = baselineCost(devices[index], energyWh: delivered, slices: slices)
            plans.append(DevicePlan(request: request.devices[member], slots: slots, baselineCost: baseline))
        }
        return (plans, solver.relaxationCost)
    }

    /// Whether any slice overlaps `[from, to)`.
    private static func hasPrice(_ slices: [PriceSlice], from: Double, to: Double) -> Bool {
        let i = firstSlice(slices, endingAfter: from)
        return i < slices.count && slices[i].start < to
    }

    /// Index of the first slice whose end is after `instant`.
    static func firstSlice(_ slices: [PriceSlice], endingAfter instant: Double) -> Int {
        slices.partitioningIndex { $0.end > instant }
    }

    /// Pieces to slots: contiguous pieces of equal power become one slot; energy, cost and
    /// confidence are summed per piece at the piece's own price.
    private static func mergeSlots(_ pieces: [ScheduleSolver.Piece], solver: ScheduleSolver) -> [ChargingSlot] {
        let slices = solver.slices
        var pieces = pieces
        if zip(pieces, pieces.dropFirst()).contains(where: { $0.start > $1.start }) { pieces.sort { $0.start < $1.start } }
        var slots: [ChargingSlot] = []
        var confidenceEnergy = 0.0
        for piece in pieces {
            let energy = piece.powerW * (piece.end - piece.start) / 3600
            let slice = slices[piece.slice]
            let cost = solver.tariffPrice(piece) * energy / 1000
            let solarWh = piece.solarShare * energy
            if var last = slots.last, abs(last.end.timeIntervalSince1970 - piece.start) <= PlanningTolerance.seconds,
               abs(last.powerW - piece.powerW) <= 1e-6 * max(1, piece.powerW) {
                last.end = Date(timeIntervalSince1970: piece.end)
                last.energyWh += energy
                last.cost += cost
                last.solarWh += solarWh
                confidenceEnergy += slice.confidence * energy
                last.confidence = last.energyWh > 0 ? confidenceEnergy / last.energyWh : 1
                slots[slots.count - 1] = last
            } else {
                confidenceEnergy = slice.confidence * energy
                var slot = ChargingSlot(
                    start: Date(timeIntervalSince1970: piece.start), end: Date(timeIntervalSince1970: piece.end),
                    powerW: piece.powerW, energyWh: energy, cost: cost, confidence: slice.confidence)
                slot.solarWh = solarWh
                slots.append(slot)
            }
        }
        return slots
    }

    /// What a plain charger would pay for `energyWh`: full power from the device's start,
    /// through priced time, until the energy is in or the window ends.
    private static func baselineCost(_ device: ScheduleSolver.Device, energyWh: Double, slices: [PriceSlice]) -> Double {
        var left = energyWh
        var cost = 0.0
        var i = firstSlice(slices, endingAfter: device.start)
        while left > 1e-9, i < slices.count, slices[i].start < device.end {
            let start = max(slices[i].start, device.start)
            let end = min(slices[i].end, device.end)
            let energy = min(left, device.powerW * (end - start) / 3600)
            cost += slices[i].price * energy / 1000
            left -= energy
            i += 1
        }
        return cost
    }
}
