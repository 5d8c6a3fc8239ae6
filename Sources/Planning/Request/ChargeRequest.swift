import Foundation
import Tariffs

/// A schedule request: one device or several sharing the location's power limit
/// (docs/schedules.md). Decode one from JSON with ``ChargeRequest/decode(json:)``.
public struct ChargeRequest: Sendable, Hashable {
    /// The location's limit in W shared by all devices; `nil` when there is none.
    public var sitePowerW: Double?
    /// The devices, in the order of the request's `data` array.
    public var devices: [DeviceRequest]

    public init(sitePowerW: Double? = nil, devices: [DeviceRequest]) {
        self.sitePowerW = sitePowerW
        self.devices = devices
    }

    /// Checks what can be checked without prices; throws one sentence naming the field.
    public func validate() throws(PlanningError) {
        if let sitePowerW, !(sitePowerW.isFinite && sitePowerW > 0) {
            throw PlanningError("max_power.value: \(sitePowerW) W is not a positive power")
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
