/// The messages of every subscription, in arrival order: an `AsyncSequence` of `MQTTMessage`.
///
/// Iterate it from one task only. It ends when the client shuts down or fails for good. Inside,
/// the network thread hands over messages in batches (one per burst read from the socket), so a
/// flood costs one task wake-up per batch rather than one per message.
public struct MQTTMessageStream: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage

    let batches: AsyncStream<[MQTTMessage]>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var batches: AsyncStream<[MQTTMessage]>.AsyncIterator
        var buffer: [MQTTMessage] = []
        var index = 0

        public mutating func next() async -> MQTTMessage? {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            while let batch = await batches.next() {
                guard let first = batch.first else { continue }
                buffer = batch
                index = 1
                return first
            }
            buffer = []
            index = 0
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(batches: batches.makeAsyncIterator())
    }
}
