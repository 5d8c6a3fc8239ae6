import ArgumentParser
import Metering

/// `--db FILE`: an existing ledger that a command reads.
struct LedgerFileOption: ParsableArguments {
    @Option(help: "The ledger (SQLite file).")
    var db: String

    /// The ledger; a missing file is an error, not a new ledger.
    func open() throws -> Ledger {
        try Ledger(path: db, mode: .existing)
    }
}
