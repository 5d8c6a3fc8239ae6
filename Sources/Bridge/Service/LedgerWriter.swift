import Dispatch
import Logging
import Metering

/// The bridge's ledger writes (records, sessions opened and closed), in the order they were
/// handed over, on a thread of their own: the event loop never waits for SQLite, so a plug-in
/// is not held up behind the second's records of a thousand vehicles. A failed write is logged.
final class LedgerWriter: Sendable {
    private let queue = DispatchQueue(label: "chargebridge.ledger-writer")
    private let ledger: Ledger
    private let logger: Logger

    init(ledger: Ledger, logger: Logger) {
        self.ledger = ledger
        self.logger = logger
    }

    /// Runs `body` after every write handed over before it.
    func write(_ body: @escaping @Sendable (Ledger) throws -> Void) {
        queue.async { [ledger, logger] in
            do {
                try body(ledger)
            } catch {
                logger.error("ledger: \(error)")
            }
        }
    }

    /// Returns once every write handed over so far is done (before reading what they wrote).
    func drain() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async { done.resume() }
        }
    }
}
