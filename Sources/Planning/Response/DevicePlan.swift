import Foundation
import Tariffs

/// One device's schedule: its sorted, merged, non-overlapping slots and what they cost.
public struct DevicePlan: Sendable, Hashable {
    /// The request this plan answers.
    public var request: DeviceRequest
    /// Sorted, non-overlapping slots; adjacent slots of equal power are merged.
    public var slots: [ChargingSlot]
    /// What charging at once at full power from `start` would cost for the same energy
    /// (the baseline a plain charger gives); revenue for an export device.
    public var baselineCost: Double

    public init(request: DeviceRequest, slots: [ChargingSlot], baselineCost: Double) {
        self.request = request
        self.slots = slots
        self.baselineCost = baselineCost
    }

    /// Energy the slots deliver, in Wh.
    public var energyWh: Double { slots.reduce(0) { $0 + $1.energyWh } }

    /// Energy asked for but not scheduled, in Wh (0 when the request is met).
    public var shortfallWh: Double {
        let missing = request.energyWh - energyWh
        return missing > PlanningTolerance.energyWh ? missing : 0
    }

    /// Cost of the scheduled energy (revenue for an export device).
    public var cost: Double { slots.reduce(0) { $0 + $1.cost } }

    /// Energy-weighted confidence of the prices used; 1 when nothing is scheduled.
    public var confidence: Double {
        let energy = energyWh
        guard energy > 0 else { return 1 }
        return slots.reduce(0) { $0 + $1.confidence * $1.energyWh } / energy
    }

    /// What the plan saves against the baseline (more revenue for an export device).
    public var savings: Double {
        request.direction == .export ? cost - baselineCost : baselineCost - cost
    }
}
