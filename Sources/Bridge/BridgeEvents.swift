/// The one way into the bridge loop: the broker connection (messages, reconnections), the tick
/// source, the tariff file watcher and the price pollers send their events here, and the loop
/// hands them to ``BridgeCore`` one at a time, in the order they came. Unbounded, so no source
/// ever waits for the loop (the MQTT client buffers without limit too).
struct BridgeEvents: Sendable {
    let stream: AsyncStream<BridgeEvent>
    private let continuation: AsyncStream<BridgeEvent>.Continuation

    init() {
        (stream, continuation) = AsyncStream<BridgeEvent>.makeStream()
    }

    func send(_ event: BridgeEvent) {
        continuation.yield(event)
    }

    /// Ends the stream once the events already sent are taken (later ones are dropped).
    func finish() {
        continuation.finish()
    }
}
