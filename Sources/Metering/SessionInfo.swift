import Foundation

/// What the ledger knows of one charging session (all records with its `session_reference_id`).
public struct SessionInfo: Sendable, Hashable {
    public var sessionReferenceId: String
    /// The device of the session's earliest record.
    public var deviceId: String
    /// Start of the earliest record.
    public var start: Date
    /// End of the latest record.
    public var end: Date
    /// Imported energy in watt-hours.
    public var importEnergyWh: Double
    /// Exported energy in watt-hours.
    public var exportEnergyWh: Double
    /// Number of stored records.
    public var recordCount: Int
}
