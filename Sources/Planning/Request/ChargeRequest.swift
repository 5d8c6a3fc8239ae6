import Foundation
import Tariffs

/// A schedule request: one device or several sharing the location's power limit
/// (docs/schedules.md). Decode one from JSON with ``ChargeRequest/decode(json:)``.
public struct ChargeRequest: Sendable, Hashable {
    /// The location's limit in W shared by all devices; `nil` when there is none. The default
    /// outside ``siteLimits``.
    public var sitePowerW: Double?
    /// The location's limit where it differs from ``sitePowerW`` (say the connection less the
    /// house load the bridge expects): sorted, not overlapping; inside a piece its power
    /// replaces ``sitePowerW``. A piece at or below 0 W leaves no room: nothing charges there.
    public var siteLimits: [SiteLimit]
    /// The devices, in the order of the request's `data` array.
    public var devices: [DeviceRequest]
    /// Whether a small group of stepped chargers under a binding limit is laid out exactly
    /// (docs/schedules.md, "Executable plans"). Its optimum is often one of several equal ones:
    /// a re-plan passes ``layoutInForce`` so that it keeps the one in force.
    public var exactLayout = true
    /// The layout in force, per device of ``devices`` (same order; missing or empty: none): the
    /// slots of the plan the device follows now. Among the exact layout's equal optima the one
    /// closest to it is chosen (the most of each device's energy where it was planned in each
    /// slice, then the most time at the powers it was planned at), so a re-plan keeps the
    /// chargers where they are when nothing calls for a change (docs/schedules.md). Not part of
    /// the JSON request.
    public var layoutInForce: [[ChargingSlot]] = []
    /// The expected solar surplus (PV less the house) where there is one: sorted, not
    /// overlapping, like ``siteLimits``. In a piece, import devices' energy up to `surplusW`
    /// times the time (shared by all of them) costs ``exportPricePerKWh`` instead of the import
    /// price, and the location limit applies to the grid only: the devices together may draw up
    /// to the limit plus the surplus there (docs/schedules.md, "Solar surplus"). Export devices
    /// ignore it.
    public var solarForecast: [SolarPiece]
    /// What a kWh of surplus would earn exported (what charging it forgoes), per kWh; nil: 0.
    public var exportPricePerKWh: Double?

    public init(
        sitePowerW: Double? = nil, siteLimits: [SiteLimit] = [], solarForecast: [SolarPiece] = [],
        exportPricePerKWh: Double? = nil, devices: [DeviceRequest]
    ) {
        self.sitePowerW = sitePowerW
        self.siteLimits = siteLimits
        self.solarForecast = solarForecast
        self.exportPricePerKWh = exportPricePerKWh
        self.devices = devices
    }

    /// The expected solar surplus over `[start, end)`, W (PV production less the house load;
    /// what the location would export without charging).
    public struct SolarPiece: Sendable, Hashable {
        public var start: Date
        public var end: Date
        public var surplusW: Double

        public init(start: Date, end: Date, surplusW: Double) {
            self.start = start
            self.end = end
            self.surplusW = surplusW
        }
    }

    /// The location's limit over `[start, end)`, W.
    public struct SiteLimit: Sendable, Hashable {
        public var start: Date
        public var end: Date
        public var powerW: Double

        public init(start: Date, end: Date, powerW: Double) {
            self.start = start
            self.end = end
            self.powerW = powerW
        }
    }

    /// The highest limit in force anywhere in `[from, to)`, W (infinity: none somewhere there).
    func highestSiteLimitW(from: Date, to: Date) -> Double {
        var highest = -Double.infinity
        var covered = from
        for piece in siteLimits where piece.end > from && piece.start < to {
            if piece.start > covered { highest = max(highest, sitePowerW ?? .infinity) }
            highest = max(highest, piece.powerW)
            covered = max(covered, piece.end)
        }
        if covered < to { highest = max(highest, sitePowerW ?? .infinity) }
        return highest
    }

    /// The highest expected surplus anywhere in `[from, to)`, W (0: none there).
    func highestSurplusW(from: Date, to: Date) -> Double {
        solarForecast.filter { $0.end > from && $0.start < to }.map(\.surplusW).max() ?? 0
    }

    /// Checks what can be checked without prices; throws one sentence naming the field.
    public func validate() throws(PlanningError) {
        if let sitePowerW, !(sitePowerW.isFinite && sitePowerW > 0) {
            throw PlanningError("max_power.value: \(sitePowerW) W is not a positive power")
        }
        for (index, piece) in siteLimits.enumerated() {
            let field = "max_power.pieces[\(index)]"
            if !piece.powerW.isFinite {
                throw PlanningError("\(field).value: \(piece.powerW) W is not a power")
            }
            if piece.end <= piece.start {
                throw PlanningError("\(field).end_time: \(Timestamp.format(piece.end)) is not after start_time \(Timestamp.format(piece.start))")
            }
            if index > 0, piece.start < siteLimits[index - 1].end {
                throw PlanningError("\(field).start_time: \(Timestamp.format(piece.start)) is before the end of the piece before it")
            }
        }
        for (index, piece) in solarForecast.enumerated() {
            let field = "solar.pieces[\(index)]"
            if !(piece.surplusW.isFinite && piece.surplusW >= 0) {
                throw PlanningError("\(field).value: \(piece.surplusW) W is not a surplus (0 W or more)")
            }
            if piece.end <= piece.start {
                throw PlanningError("\(field).end_time: \(Timestamp.format(piece.end)) is not after start_time \(Timestamp.format(piece.start))")
            }
            if index > 0, piece.start < solarForecast[index - 1].end {
                throw PlanningError("\(field).start_time: \(Timestamp.format(piece.start)) is before the end of the piece before it")
            }
        }
        if let exportPricePerKWh, !exportPricePerKWh.isFinite {
            throw PlanningError("solar.export_price: \(exportPricePerKWh) is not a price")
        }
        if devices.isEmpty {
            throw PlanningError("data: the request has no devices")
        }
        var seen = Set<String>()
        for (index, device) in devices.enumerated() {
            let field = "data[\(index)]"
            if !seen.insert(device.deviceId).inserted {
                throw PlanningError("\(field).device_id: '\(device.deviceId)' appears more than once")
            }
            if device.end <= device.start {
                throw PlanningError(
                    "\(field).end_time: \(Timestamp.format(device.end)) is not after start_time \(Timestamp.format(device.start))")
            }
            if !(device.maxPowerW.isFinite && device.maxPowerW > 0) {
                throw PlanningError("\(field).max_power.value: \(device.maxPowerW) W is not a positive power")
            }
            if !(device.energyWh.isFinite && device.energyWh >= 0) {
                throw PlanningError("\(field).energy.value: \(device.energyWh) Wh is negative")
            }
            if !(device.minEnergyWh.isFinite && device.minEnergyWh >= 0) {
                throw PlanningError("\(field).energy.min_value: \(device.minEnergyWh) Wh is negative")
            }
            if !(device.preconditionMinutes.isFinite && device.preconditionMinutes >= 0) {
                throw PlanningError("\(field).precondition_minutes: \(device.preconditionMinutes) is negative")
            }
            if let charger = device.charger, let problem = charger.problem {
                throw PlanningError("\(field).charger.\(ChargeRequest.requestKey(problem.key)): \(ChargeRequest.requestText(problem.message))")
            }
            if let cap = device.priceCapPerKWh, !cap.isFinite {
                throw PlanningError("\(field).price_cap: \(cap) is not a price")
            }
        }
    }
}
