import Foundation
import Logging
import MQTT

/// An MQTT client watching some topics (by default `<base>/#`) and remembering every message with
/// the instant it arrived; it reconnects quickly (50-250 ms) so its own delay barely adds to the
/// bridge's recovery time.
public final class Observer: @unchecked Sendable {
    public struct Seen: Sendable {
        public var topic: String
        public var text: String
        public var at: ContinuousClock.Instant
    }

    public let client: MQTTClient
    private let lock = NSLock()
    private var seen: [Seen] = []
    private var reader: Task<Void, Never>?

    /// Connects and subscribes to `filters` (default: everything under `base`).
    public init(url: String, base: String, filters: [String]? = nil, logger: Logger) async throws {
        var configuration = try MQTTConfiguration(url: url, clientID: "campaign-observer-\(UUID().uuidString.prefix(8))")
        configuration.cleanStart = true
        configuration.reconnectDelayMin = .milliseconds(50)
        configuration.reconnectDelayMax = .milliseconds(250)
        client = try MQTTClient(configuration: configuration, logger: logger)
        try await client.connect(timeout: .seconds(10))
        reader = Task { [client, weak self] in
            for await message in client.messages {
                guard let self else { return }
                // When the observer's client received it, not when this task got to it: the
                // load tool's own task scheduling is not the bridge's latency.
                let entry = Seen(topic: message.topic, text: message.payloadText, at: message.receivedAt)
                lock.withLock { seen.append(entry) }
            }
        }
        for filter in filters ?? ["\(base)/#"] {
            try await client.subscribe(filter)
        }
    }

    /// Every message on `topic` so far, oldest first.
    public func messages(on topic: String, since: ContinuousClock.Instant? = nil) -> [Seen] {
        lock.withLock { seen.filter { $0.topic == topic && (since == nil || $0.at >= since!) } }
    }

    /// The first message on `topic` at or after `since` that satisfies `accept`, if one came.
    public func first(on topic: String, since: ContinuousClock.Instant, _ accept: (String) -> Bool = { _ in true }) -> Seen? {
        lock.withLock { seen.first { $0.topic == topic && $0.at >= since && accept($0.text) } }
    }

    /// Waits until a message on `topic` arrived at or after `since` and satisfies `accept`.
    @discardableResult
    public func waitFor(_ topic: String, since: ContinuousClock.Instant, within timeout: Duration = .seconds(15),
                        _ accept: (String) -> Bool = { _ in true }) async throws -> Seen {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let hit = messages(on: topic, since: since).first(where: { accept($0.text) }) { return hit }
            guard ContinuousClock.now < deadline else {
                throw CampaignError("no message on \(topic) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    public func publish(_ text: String, to topic: String) async throws {
        try await client.publish(text, to: topic)
    }

    public func stop() async {
        reader?.cancel()
        await client.shutdown()
    }
}
