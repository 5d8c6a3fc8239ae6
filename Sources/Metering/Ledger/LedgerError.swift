import Foundation

/// Why the ledger could not do what was asked, in one sentence that names the file.
public enum LedgerError: Error, CustomStringConvertible, Equatable {
    /// The ledger file does not exist (and was not to be created).
    case missing(path: String)
    /// The folder the ledger should be created in does not exist.
    case directoryMissing(path: String, directory: String)
    /// The path is a folder, not a file.
    case isDirectory(path: String)
    /// The file is not an SQLite database.
    case notADatabase(path: String)
    /// The file is an SQLite database of something else.
    case notALedger(path: String)
    /// The ledger was written by a newer release with a schema this one does not know.
    case newerSchema(path: String)
    /// Another process holds the ledger's write lock for longer than the busy timeout.
    case locked(path: String, seconds: Double)
    /// The file cannot be opened (permissions, or a read-only file system).
    case cannotOpen(path: String, reason: String)
    /// No record of the ledger has that session reference id.
    case unknownSession(id: String, path: String)
    /// The session has records, but none of the direction asked for.
    case noRecords(session: String, direction: String, path: String)
    /// A record given to `append` is not valid.
    case invalidRecord(recordReferenceId: String, reason: String)
    /// Any other SQLite failure.
    case sqlite(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            "The ledger \(path) does not exist; create it with `chargebridge meter import --db \(path) ...`."
        case .directoryMissing(let path, let directory):
            "Cannot create the ledger \(path): the folder \(directory) does not exist."
        case .isDirectory(let path):
            "The ledger \(path) is a folder, not a database file."
        case .notADatabase(let path):
            "The ledger \(path) is not an SQLite database."
        case .notALedger(let path):
            "The database \(path) is not a ChargeBridge ledger (it has other tables and no ledger schema)."
        case .newerSchema(let path):
            "The ledger \(path) was written by a newer ChargeBridge with a schema this release does not know."
        case .locked(let path, let seconds):
            "The ledger \(path) is locked by another process (still busy after \(seconds.formatted()) s)."
        case .cannotOpen(let path, let reason):
            "Cannot open the ledger \(path): \(reason)."
        case .unknownSession(let id, let path):
            "The ledger \(path) has no session \"\(id)\"."
        case .noRecords(let session, let direction, let path):
            "The ledger \(path) has no \(direction) records in session \"\(session)\"."
        case .invalidRecord(let id, let reason):
            "Meter record \"\(id)\": \(reason)"
        case .sqlite(let path, let reason):
            "The ledger \(path) failed: \(reason)."
        }
    }
}

private extension Double {
    func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
