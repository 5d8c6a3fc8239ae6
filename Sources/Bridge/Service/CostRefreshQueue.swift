import Locking

/// The vehicles whose session and cost topics are due for a refresh from the ledger, in the order
/// they became due, each waiting at most once: a refresh asked for again before its turn is the
/// same refresh, for the vehicle's latest session (its `session` topic shows that one; a session
/// closed and another opened before the turn shows the new one). The service works through it
/// beside the event loop, so ledger cost queries never hold up the readings (a thousand charging
/// vehicles ask for a thousand refreshes a second), and it never holds more than one entry per
/// vehicle, however fast plug-ins come.
final class CostRefreshQueue: Sendable {
    struct Refresh: Sendable, Hashable {
        var vehicleId: String
        var sessionId: String?
    }

    /// Vehicle ids in turn, and the session each is to be refreshed for.
    private let pending = Locked<(order: [String], sessions: [String: String?])>(([], [:]))
    private let signal: AsyncStream<Void>.Continuation
    /// Yields (at least once) after refreshes were added.
    let wakeUps: AsyncStream<Void>

    init() {
        (wakeUps, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func add(vehicleId: String, sessionId: String?) {
        let added = pending.withLock { state in
            guard state.sessions.updateValue(sessionId, forKey: vehicleId) == nil else { return false }
            state.order.append(vehicleId)
            return true
        }
        if added { signal.yield() }
    }

    /// The oldest refresh due, taken off the queue.
    func next() -> Refresh? {
        next(upTo: 1).first
    }

    /// The oldest `limit` refreshes due (fewer when fewer are), taken off the queue.
    func next(upTo limit: Int) -> [Refresh] {
        pending.withLock { state in
            let taken = state.order.prefix(limit)
            state.order.removeFirst(taken.count)
            return taken.map { Refresh(vehicleId: $0, sessionId: state.sessions.removeValue(forKey: $0) ?? nil) }
        }
    }

    var count: Int { pending.withLock { $0.order.count } }
}
