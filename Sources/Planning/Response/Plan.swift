import Foundation

/// The planner's answer: one ``DevicePlan`` per device, in the order of the request.
public struct Plan: Sendable, Hashable {
    /// Per-device plans in request order.
    public var devices: [DevicePlan]

    public init(devices: [DevicePlan]) {
        self.devices = devices
    }

    /// Total cost of all devices.
    public var cost: Double { devices.reduce(0) { $0 + $1.cost } }

    /// Total baseline cost of all devices.
    public var baselineCost: Double { devices.reduce(0) { $0 + $1.baselineCost } }

    /// Total savings against the baseline.
    public var savings: Double { devices.reduce(0) { $0 + $1.savings } }

    /// Energy-weighted confidence over all devices; 1 when nothing is scheduled.
    public var confidence: Double {
        let energy = devices.reduce(0) { $0 + $1.energyWh }
        guard energy > 0 else { return 1 }
        return devices.reduce(0) { $0 + $1.confidence * $1.energyWh } / energy
    }
}
