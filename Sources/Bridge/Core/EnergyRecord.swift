import Foundation

/// Energy metered for one vehicle over `[start, end)`, ready for the ledger.
public struct EnergyRecord: Sendable, Equatable {
    /// Deterministic: `<session>-<start in ms>`, so a replay after a crash is a duplicate, not new energy.
    public var recordId: String
    public var sessionId: String
    public var vehicleId: String
    public var locationId: String
    public var start: Date
    public var end: Date
    public var energyWh: Double
    /// The charger's counter at `end`, Wh, when it has one (kept so a restart can continue from it).
    public var counterWh: Double?
    /// The part of `energyWh` the surplus covered (docs/site.md), at most `energyWh`; `nil`
    /// without a grid meter (unknown, counted as none).
    public var solarWh: Double?

    public init(recordId: String, sessionId: String, vehicleId: String, locationId: String, start: Date, end: Date, energyWh: Double, counterWh: Double?,
                solarWh: Double? = nil) {
        self.recordId = recordId
        self.sessionId = sessionId
        self.vehicleId = vehicleId
        self.locationId = locationId
        self.start = start
        self.end = end
        self.energyWh = energyWh
        self.counterWh = counterWh
        self.solarWh = solarWh
    }
}
