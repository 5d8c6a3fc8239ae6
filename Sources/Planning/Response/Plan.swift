import Foundation

/// The planner's answer: one ``DevicePlan`` per device, in the order of the request.
public struct Plan: Sendable, Hashable {
    /// Per-device plans in request order.
    public var devices: [DevicePlan]

    /// The cost of the continuous relaxation: the same request with chargers that could draw
    /// any power up to the highest they can (a lower bound on the cost of this energy; for
    /// export devices their revenue, an upper bound). Equal to ``cost`` when the chargers'
    /// steps cost nothing; nil for a plan not made by ``Planner``.
    public var lowerBoundCost: Double?

    public init(devices: [DevicePlan], lowerBoundCost: Double? = nil) {
        self.devices = devices
        self.lowerBoundCost = lowerBoundCost
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
