/// The vehicles (and sessions) whose session and cost topics are due for a refresh from the
/// ledger, in the order they became due, each waiting at most once: a refresh asked for again
/// before its turn is the same refresh. The service works through it beside the event loop, so
/// ledger cost queries never hold up the readings (a thousand charging vehicles ask for a
/// thousand refreshes a second).
final class CostRefreshQueue: Sendable {
    struct Refresh: Sendable, Hashable {
        var vehicleId: String
        var sessionId: String?
    }

    private let pending = Locked<(order: [Refresh], waiting: Set<Refresh>)>(([], []))
    private let signal: AsyncStream<Void>.Continuation
    /// Yields (at least once) after refreshes were added.
    let wakeUps: AsyncStream<Void>

    init() {
        (wakeUps, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func add(vehicleId: String, sessionId: String?) {
        let refresh = Refresh(vehicleId: vehicleId, sessionId: sessionId)
        let added = pending.withLock { state in
            guard state.waiting.insert(refresh).inserted else { return false }
            state.order.append(refresh)
            return true
        }
        if added { signal.yield() }
    }

    /// The oldest refresh due, taken off the queue.
    func next() -> Refresh? {
        pending.withLock { state in
            guard !state.order.isEmpty else { return nil }
            let refresh = state.order.removeFirst()
            state.waiting.remove(refresh)
            return refresh
        }
    }

    var count: Int { pending.withLock { $0.order.count } }
}
