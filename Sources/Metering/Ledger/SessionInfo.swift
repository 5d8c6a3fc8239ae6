import Foundation

/// What the ledger knows of one charging session: its records (by `session_reference_id`) and,
/// when the bridge opened it, when it was opened and closed.
public struct SessionInfo: Sendable, Hashable {
    public var sessionReferenceId: String
    /// The device of the session (of its earliest record when it was never opened).
    public var deviceId: String
    /// When the session was opened, or else the start of its earliest record.
    public var start: Date
    /// End of the latest record (`start` when there is none yet).
    public var end: Date
    /// When the session was opened (plug-in), if the ledger was told.
    public var openedAt: Date?
    /// When the session was closed (unplug), if it was.
    public var closedAt: Date?
    /// The meter's counter at the end of the latest record that had one, else the counter when
    /// the session opened (if known), in watt-hours.
    public var lastCounterWh: Double?
    /// Imported energy in watt-hours.
    public var importEnergyWh: Double
    /// Exported energy in watt-hours.
    public var exportEnergyWh: Double
    /// Number of stored records.
    public var recordCount: Int
    /// The part of `importEnergyWh` a solar surplus covered (the records' `solar_wh`), Wh.
    public var importSolarWh: Double = 0

    /// Opened and not closed.
    public var isOpen: Bool { openedAt != nil && closedAt == nil }
}
