import Foundation

/// Something that happened, fed to ``BridgeCore/handle(_:now:)``.
public enum BridgeEvent: Sendable, Equatable {
    /// An MQTT message on a subscribed topic (topic and payload copied out of the callback).
    case message(topic: String, payload: [UInt8])
    /// Time passed: flush energy, follow the schedule, publish costs. Sent at least every
    /// flush interval by the service.
    case tick
    /// The broker connection is (again) up: publish status and discovery, re-send wanted commands.
    case connected
    /// The prices the plans rest on changed.
    case pricesChanged
    /// An open session found in the ledger at start-up, to continue under the same id.
    case sessionRestored(vehicleId: String, RestoredSession)
}

/// An open charging session read back from the ledger after a restart.
public struct RestoredSession: Sendable, Equatable {
    public var sessionId: String
    public var startedAt: Date
    /// Energy already in the ledger for this session, Wh.
    public var energyWh: Double
    /// End of the last meter record stored; new energy is metered from here.
    public var meteredUntil: Date
    /// The charger's counter at the last flush, Wh, when it has one.
    public var counterWh: Double?

    public init(sessionId: String, startedAt: Date, energyWh: Double, meteredUntil: Date, counterWh: Double?) {
        self.sessionId = sessionId
        self.startedAt = startedAt
        self.energyWh = energyWh
        self.meteredUntil = meteredUntil
        self.counterWh = counterWh
    }
}
