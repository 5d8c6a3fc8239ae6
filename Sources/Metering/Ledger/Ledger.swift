import Foundation
import GRDB
import Tariffs

/// The ledger: every stored meter record, in an SQLite file (WAL mode, schema migrations).
///
/// Thread-safe; one writer at a time, readers in parallel. A batch is stored in one
/// transaction: a crash in the middle leaves the ledger as it was before the batch. A record
/// whose `record_reference_id` is already stored is a duplicate and is ignored. Commits survive
/// a crash of the process (`synchronous = NORMAL` in WAL mode); a new file is created `0600`.
///
/// Costs are never stored: they are computed from the records and the prices as they stand
/// (see `Ledger+Costs.swift`).
///
/// What the bridge uses:
/// - `Ledger(path:)` to open or create the file;
/// - `append(_:)` for metered records (idempotent by `recordReferenceId`), `importBatch(_:)`
///   for a validated `MeterBatch`;
/// - `openSession(_:deviceId:at:)` / `closeSession(_:at:)` at plug-in and unplug, and
///   `openSession(deviceId:)` / `lastSession(deviceId:)` after a restart (energy so far, the
///   end of the last record, the meter's last counter);
/// - `sessionCost(_:tariffs:)` and `periodCost(.day | .month, containing:deviceId:tariffs:)`
///   for the session, today's and this month's costs.
public final class Ledger: Sendable {
    /// Whether `init` may create a missing ledger file.
    public enum OpenMode: Sendable {
        /// Create the file (and its schema) when missing; its folder must exist.
        case createIfMissing
        /// The file must exist already.
        case existing
    }

    /// The ledger file's path as given.
    public let path: String
    let pool: DatabasePool
    let busyTimeout: TimeInterval

    /// Opens (or creates) the ledger at `path` and brings its schema up to date.
    /// - Parameter busyTimeout: how long a write waits for another process's lock, in seconds.
    /// - Throws: `LedgerError` (missing file or folder, not a ledger, newer schema, locked).
    public init(path: String, mode: OpenMode = .createIfMissing, busyTimeout: TimeInterval = 3) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists, isDirectory.boolValue { throw LedgerError.isDirectory(path: path) }
        if !exists {
            guard mode == .createIfMissing else { throw LedgerError.missing(path: path) }
            let directory = (path as NSString).deletingLastPathComponent
            let folder = directory.isEmpty ? "." : directory
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw LedgerError.directoryMissing(path: path, directory: folder)
            }
            let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if descriptor < 0, errno != EEXIST {
                throw LedgerError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
            }
            if descriptor >= 0 {
                // 0600 whatever the umask (a umask may also take the owner's write bit away).
                fchmod(descriptor, 0o600)
                close(descriptor)
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "ledger"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.map(error, path: path, busyTimeout: busyTimeout)
        }
        do {
            let tables = try pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if !tables.isEmpty, !tables.contains("grdb_migrations") {
                throw LedgerError.notALedger(path: path)
            }
            let migrator = LedgerSchema.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw LedgerError.newerSchema(path: path)
            }
            if try !pool.read({ try migrator.hasCompletedMigrations($0) }) {
                try migrator.migrate(pool)
            }
        } catch {
            throw Self.map(error, path: path, busyTimeout: busyTimeout)
        }
    }

    // MARK: Writing

    /// Stores the valid records of a validated batch in one transaction and reports on it.
    public func importBatch(_ batch: MeterBatch) throws -> MeterBatchReport {
        let stored = try append(batch.records)
        return MeterBatchReport(
            recordsSubmitted: batch.submittedCount, recordsAccepted: batch.records.count,
            recordsProcessed: stored, failedRecords: batch.failures)
    }

    /// Stores `records` in one transaction; returns how many were new (the rest were duplicates).
    /// - Throws: `LedgerError.invalidRecord` (nothing stored) when a record has an empty
    ///   interval or negative or non-finite energy; `LedgerError.locked` when busy.
    @discardableResult
    public func append(_ records: [MeterRecord]) throws -> Int {
        var longestMs: Int64 = 0
        for record in records {
            guard record.end > record.start else {
                throw LedgerError.invalidRecord(recordReferenceId: record.recordReferenceId, reason: "end is not after start.")
            }
            guard record.energyWh.isFinite, record.energyWh >= 0 else {
                throw LedgerError.invalidRecord(recordReferenceId: record.recordReferenceId,
                                                reason: "energy \(record.energyWh) Wh is negative or not finite.")
            }
            if let solar = record.solarWh, !solar.isFinite || solar < 0 {
                throw LedgerError.invalidRecord(recordReferenceId: record.recordReferenceId,
                                                reason: "solar energy \(solar) Wh is negative or not finite.")
            }
            longestMs = max(longestMs, Self.milliseconds(record.end) - Self.milliseconds(record.start))
        }
        guard !records.isEmpty else { return 0 }
        do {
            return try pool.writeWithoutTransaction { db in
                var inserted = 0
                try db.inTransaction(.immediate) {
                    let statement = try db.cachedStatement(sql: """
                        INSERT INTO meter_record (record_reference_id, device_id, location_id,
                            session_reference_id, direction, tariff_rate, measurand, start_ms, end_ms, energy_wh,
                            counter_wh, solar_wh)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (record_reference_id) DO NOTHING
                        """)
                    for record in records {
                        try statement.execute(arguments: [
                            record.recordReferenceId, record.deviceId, record.locationId,
                            record.sessionReferenceId, record.direction.rawValue, record.tariffRate.rawValue,
                            record.measurand, Self.milliseconds(record.start), Self.milliseconds(record.end),
                            record.energyWh, record.counterWh, record.solarWh.map { min($0, record.energyWh) },
                        ])
                        inserted += db.changesCount
                    }
                    try db.execute(
                        sql: "UPDATE ledger_meta SET value = max(value, ?) WHERE key = 'max_record_ms'",
                        arguments: [longestMs])
                    return .commit
                }
                return inserted
            }
        } catch {
            throw Self.map(error, path: path, busyTimeout: busyTimeout)
        }
    }

    // MARK: Reading

    /// Number of stored records.
    public func recordCount() throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT count(*) FROM meter_record") ?? 0 }
    }

    /// The records of session `id`, in time order; empty when there is none.
    public func records(session id: String) throws -> [MeterRecord] {
        try read { db in
            try Self.fetchRecords(db, sql: "\(Self.recordColumns) WHERE session_reference_id = ? ORDER BY start_ms, end_ms",
                                  arguments: [id])
        }
    }

    /// The records of session `id` after the record that starts at `start` and ends at `end`, in
    /// the order of ``records(session:)`` (start, then end): what was stored since a running
    /// cost last read the session.
    public func records(session id: String, after start: Date, _ end: Date) throws -> [MeterRecord] {
        let startMs = Self.milliseconds(start)
        return try read { db in
            try Self.fetchRecords(db, sql: """
                \(Self.recordColumns) WHERE session_reference_id = ? AND start_ms >= ? AND (start_ms > ? OR end_ms > ?)
                ORDER BY start_ms, end_ms
                """, arguments: [id, startMs, startMs, Self.milliseconds(end)])
        }
    }

    /// The stored record with `recordReferenceId`, if any.
    public func record(_ recordReferenceId: String) throws -> MeterRecord? {
        try read { db in
            try Self.fetchRecords(db, sql: "\(Self.recordColumns) WHERE record_reference_id = ?",
                                  arguments: [recordReferenceId]).first
        }
    }

    /// Session `id` as stored.
    /// - Throws: `LedgerError.unknownSession` when the ledger has neither a record of that
    ///   session nor its opening.
    public func session(_ id: String) throws -> SessionInfo {
        guard let info = try read({ try Self.fetchSession(id, db: $0) }) else {
            throw LedgerError.unknownSession(id: id, path: path)
        }
        return info
    }

    /// When session `id` was closed (unplug), `nil` while it is open or unknown: one row, for
    /// a running session's figures.
    public func sessionClosedAt(_ id: String) throws -> Date? {
        try read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT closed_ms FROM charging_session WHERE session_reference_id = ?"),
                               arguments: [id]).map { Self.date(milliseconds: $0) }
        }
    }

    /// The session of `deviceId` that began last (opened, or else by its latest record), open
    /// or closed; `nil` when the device has none.
    public func lastSession(deviceId: String) throws -> SessionInfo? {
        try read { db in
            let fromRecords = try Row.fetchOne(db, sql: """
                SELECT session_reference_id, start_ms FROM meter_record
                WHERE device_id = ? AND session_reference_id IS NOT NULL
                ORDER BY start_ms DESC, end_ms DESC LIMIT 1
                """, arguments: [deviceId])
            let opened = try Row.fetchOne(db, sql: """
                SELECT session_reference_id, opened_ms FROM charging_session
                WHERE device_id = ? ORDER BY opened_ms DESC LIMIT 1
                """, arguments: [deviceId])
            let candidates = [fromRecords, opened].compactMap { $0 }
            guard let latest = candidates.max(by: { ($0[1] as Int64) < ($1[1] as Int64) }) else { return nil }
            return try Self.fetchSession(latest[0], db: db)
        }
    }

    /// The open session of `deviceId` (opened and not closed), for the bridge to continue
    /// after a restart; `nil` when there is none.
    public func openSession(deviceId: String) throws -> SessionInfo? {
        try read { db in
            guard let id = try String.fetchOne(db, sql: """
                SELECT session_reference_id FROM charging_session
                WHERE device_id = ? AND closed_ms IS NULL ORDER BY opened_ms DESC LIMIT 1
                """, arguments: [deviceId]) else { return nil }
            return try Self.fetchSession(id, db: db)
        }
    }

    /// Notes that session `id` of `deviceId` opened at `at` (plug-in), with the charger's
    /// cumulative counter then (`counterWh`, if it has one: the session's energy baseline until
    /// its first record). Idempotent: opening a session again keeps its first opening.
    public func openSession(_ id: String, deviceId: String, locationId: String? = nil, at: Date, counterWh: Double? = nil) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO charging_session (session_reference_id, device_id, location_id, opened_ms, opened_counter_wh)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_reference_id) DO NOTHING
                """, arguments: [id, deviceId, locationId, Self.milliseconds(at), counterWh])
        }
    }

    /// Notes that session `id` closed at `at` (unplug). Idempotent: closing again keeps the
    /// first closing. A session known only by its records is recorded as opened at its first
    /// record's start.
    /// - Throws: `LedgerError.unknownSession` when the ledger knows nothing of the session.
    public func closeSession(_ id: String, at: Date) throws {
        let closedMs = Self.milliseconds(at)
        try write { db in
            try db.execute(sql: """
                INSERT INTO charging_session (session_reference_id, device_id, location_id, opened_ms)
                SELECT session_reference_id, device_id, location_id, start_ms FROM meter_record
                WHERE session_reference_id = ? ORDER BY start_ms LIMIT 1
                ON CONFLICT (session_reference_id) DO NOTHING
                """, arguments: [id])
            try db.execute(sql: """
                UPDATE charging_session SET closed_ms = ? WHERE session_reference_id = ? AND closed_ms IS NULL
                """, arguments: [closedMs, id])
            let known = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM charging_session WHERE session_reference_id = ?)",
                                          arguments: [id]) ?? false
            if !known { throw LedgerError.unknownSession(id: id, path: self.path) }
        }
    }

    /// The energy of `direction` overlapping `[from, to)`, summed over records with the same
    /// interval and tariff (costing is linear in energy, so this prices exactly like the
    /// records one by one, and much faster for meters that share their intervals).
    public func energyIntervals(
        from: Date, to: Date, direction: EnergyDirection, deviceId: String? = nil
    ) throws -> [EnergyInterval] {
        let fromMs = Self.milliseconds(from)
        let toMs = Self.milliseconds(to)
        return try read { db in
            let longest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM ledger_meta WHERE key = 'max_record_ms'")) ?? 0
            var sql = """
                SELECT start_ms, end_ms, tariff_rate, sum(energy_wh),
                    total(min(energy_wh, max(0, coalesce(solar_wh, 0)))) FROM meter_record
                """
            var arguments: StatementArguments = []
            if let deviceId {
                sql += " INDEXED BY meter_record_by_device_time WHERE device_id = ? AND"
                arguments += [deviceId]
            } else {
                sql += " INDEXED BY meter_record_by_time WHERE"
            }
            sql += " start_ms >= ? AND start_ms < ? AND end_ms > ? AND direction = ? GROUP BY start_ms, end_ms, tariff_rate"
            arguments += [fromMs - longest, toMs, fromMs, direction.rawValue]
            var result: [EnergyInterval] = []
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
            while let row = try rows.next() {
                let startMs: Int64 = row[0]
                let endMs: Int64 = row[1]
                let rate: String = row[2]
                result.append(EnergyInterval(
                    start: Date(timeIntervalSince1970: Double(startMs) / 1000),
                    end: Date(timeIntervalSince1970: Double(endMs) / 1000),
                    energyWh: row[3], tariffRate: EnergyDirection(rawValue: rate) ?? .import, solarWh: row[4]))
            }
            return result
        }
    }

    /// Runs an integrity check; returns SQLite's findings (`["ok"]` when sound).
    public func integrityCheck() throws -> [String] {
        try read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
    }

    // MARK: Internals

    func write(_ body: (Database) throws -> Void) throws {
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try body(db)
                    return .commit
                }
            }
        } catch {
            throw Self.map(error, path: path, busyTimeout: busyTimeout)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.map(error, path: path, busyTimeout: busyTimeout)
        }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    static let recordColumns = """
        SELECT record_reference_id, device_id, location_id, session_reference_id, direction,
            tariff_rate, measurand, start_ms, end_ms, energy_wh, counter_wh, solar_wh FROM meter_record
        """

    static func fetchRecords(_ db: Database, sql: String, arguments: StatementArguments) throws -> [MeterRecord] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            MeterRecord(
                start: date(milliseconds: row[7]), end: date(milliseconds: row[8]),
                deviceId: row[1], locationId: row[2], sessionReferenceId: row[3], recordReferenceId: row[0],
                direction: EnergyDirection(rawValue: row[4]) ?? .import,
                tariffRate: EnergyDirection(rawValue: row[5]) ?? .import,
                measurand: row[6], energyWh: row[9], counterWh: row[10], solarWh: row[11])
        }
    }

    /// (Cached statements here and in the record queries: the bridge asks these for every
    /// charging vehicle every second, and compiling the SQL each time was a tenth of its CPU.)
    static func fetchSession(_ id: String, db: Database) throws -> SessionInfo? {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT min(start_ms), max(end_ms),
                total(CASE direction WHEN 'IMPORT' THEN energy_wh END),
                total(CASE direction WHEN 'EXPORT' THEN energy_wh END), count(*),
                total(CASE direction WHEN 'IMPORT' THEN min(energy_wh, max(0, coalesce(solar_wh, 0))) END)
            FROM meter_record WHERE session_reference_id = ?
            """), arguments: [id])
        let count: Int = row?[4] ?? 0
        let opened = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT device_id, opened_ms, closed_ms, opened_counter_wh FROM charging_session WHERE session_reference_id = ?
            """), arguments: [id])
        guard count > 0 || opened != nil else { return nil }
        let openedDevice: String? = opened?["device_id"]
        let device = try openedDevice ?? String.fetchOne(db.cachedStatement(sql: """
            SELECT device_id FROM meter_record WHERE session_reference_id = ? ORDER BY start_ms LIMIT 1
            """), arguments: [id]) ?? ""
        let counter = try Double.fetchOne(db.cachedStatement(sql: """
            SELECT counter_wh FROM meter_record WHERE session_reference_id = ? AND counter_wh IS NOT NULL
            ORDER BY end_ms DESC LIMIT 1
            """), arguments: [id])
        let openedAt = (opened?["opened_ms"] as Int64?).map { date(milliseconds: $0) }
        let closedAt = (opened?["closed_ms"] as Int64?).map { date(milliseconds: $0) }
        let firstRecord = count > 0 ? (row?[0] as Int64?).map { date(milliseconds: $0) } : nil
        let start = openedAt ?? firstRecord!
        let end = count > 0 ? (row?[1] as Int64?).map { date(milliseconds: $0) } ?? start : start
        return SessionInfo(
            sessionReferenceId: id, deviceId: device, start: start, end: end, openedAt: openedAt, closedAt: closedAt,
            lastCounterWh: counter ?? opened?["opened_counter_wh"], importEnergyWh: (row?[2] as Double?) ?? 0, exportEnergyWh: (row?[3] as Double?) ?? 0,
            recordCount: count, importSolarWh: (row?[5] as Double?) ?? 0)
    }

    static func map(_ error: any Error, path: String, busyTimeout: TimeInterval) -> any Error {
        if error is LedgerError { return error }
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return LedgerError.locked(path: path, seconds: busyTimeout)
        case .SQLITE_NOTADB:
            return LedgerError.notADatabase(path: path)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return LedgerError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        default:
            return LedgerError.sqlite(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }
}
