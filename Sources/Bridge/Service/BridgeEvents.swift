/// The one way into the bridge loop: the broker connection (messages, reconnections), the tick
/// source, the tariff file watcher and the price pollers send their events here, and the loop
/// hands them to ``BridgeCore`` one at a time, in the order they came. Unbounded, so no source
/// ever waits for the loop (the MQTT client buffers without limit too). Events travel in
/// batches: the messages the MQTT client read in one turn of its network loop take one hop into
/// the loop together (tens of thousands of readings a second), a lone event is a batch of one.
struct BridgeEvents: Sendable {
    let stream: AsyncStream<[BridgeEvent]>
    private let continuation: AsyncStream<[BridgeEvent]>.Continuation

    init() {
        (stream, continuation) = AsyncStream<[BridgeEvent]>.makeStream()
    }

    func send(_ event: BridgeEvent) {
        continuation.yield([event])
    }

    /// Sends `events` as one batch, handled in order.
    func send(_ events: [BridgeEvent]) {
        guard !events.isEmpty else { return }
        continuation.yield(events)
    }

    /// Ends the stream once the events already sent are taken (later ones are dropped).
    func finish() {
        continuation.finish()
    }
}
