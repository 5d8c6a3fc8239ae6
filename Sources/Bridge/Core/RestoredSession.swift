import Foundation

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
