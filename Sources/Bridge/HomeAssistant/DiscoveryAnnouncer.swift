import Locking

/// Publishes Home Assistant's discovery messages (one retained config message per entity, about
/// twenty per vehicle) beside the event loop, a window at a time: the next window goes out once
/// the broker has acknowledged the one before, and the messages of a window are built only then.
///
/// Handing all of them to the MQTT client at once (20,000 at a thousand vehicles) queued them in
/// libmosquitto until the broker took them, some 30 MB that the process then kept; now at most
/// `window` messages exist at a time. A new request (a reconnect, Home Assistant's birth message)
/// while an announcement is under way starts it again from the first vehicle once the current
/// window is acknowledged: the broker may have lost what was sent before.
final class DiscoveryAnnouncer: Sendable {
    typealias Message = (topic: String, payload: String)

    /// Messages handed to the client before waiting for their acknowledgements.
    let window: Int
    private let discovery: HomeAssistantDiscovery
    private let requests: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    private let generation = Locked(0)

    init(discovery: HomeAssistantDiscovery, window: Int = 100) {
        precondition(window > 0, "an announcement window holds at least one message")
        self.discovery = discovery
        self.window = window
        (requests, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for the whole announcement (again).
    func request() {
        generation.withLock { $0 += 1 }
        signal.yield()
    }

    /// Works through the requests until cancelled. `publish` sends one retained message and
    /// returns when the broker has acknowledged it (a failure is for it to log; the announcement
    /// goes on). `finished` is called after each complete announcement with the number of
    /// messages sent.
    func run(
        publish: @escaping @Sendable (Message) async -> Void,
        finished: @Sendable (Int) -> Void = { _ in }
    ) async {
        var announced: Int?
        for await _ in requests {
            // A request that came while the one before was under way was started over then.
            guard generation.value != announced else { continue }
            var sent = 0
            var started = generation.value
            var vehicles = discovery.config.vehicles[...]
            var pending: [Message] = []
            var siteAnnounced = false
            while !Task.isCancelled {
                if generation.value != started {
                    // Asked again meanwhile: from the first vehicle.
                    started = generation.value
                    vehicles = discovery.config.vehicles[...]
                    pending.removeAll()
                    siteAnnounced = false
                    sent = 0
                }
                while pending.count < window, let vehicle = vehicles.popFirst() {
                    pending += discovery.messages(for: vehicle)
                }
                if pending.count < window, vehicles.isEmpty, !siteAnnounced {
                    // The site's sensors after the vehicles'.
                    siteAnnounced = true
                    pending += discovery.siteMessages()
                }
                if pending.isEmpty { break }
                let batch = pending.prefix(window)
                pending.removeFirst(batch.count)
                await withTaskGroup(of: Void.self) { group in
                    for message in batch {
                        group.addTask { await publish(message) }
                    }
                }
                sent += batch.count
            }
            guard !Task.isCancelled else { return }
            announced = started
            if generation.value == started {
                finished(sent)
                Heap.returnFree()
            }
        }
    }
}
