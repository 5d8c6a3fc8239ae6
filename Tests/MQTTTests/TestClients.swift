import Foundation
import Logging
@testable import MQTT
import TestSupport

/// A logger that stays quiet unless MQTT_TEST_LOG is set.
let testLogger: Logger = {
    var logger = Logger(label: "mqtt-tests")
    logger.logLevel = ProcessInfo.processInfo.environment["MQTT_TEST_LOG"] == nil ? .critical : .debug
    return logger
}()

/// A configuration with test-friendly timings: short keep-alive and reconnect backoff.
func testConfiguration(_ url: String, clientID: String = "test-\(UUID().uuidString.prefix(8))",
                       _ adjust: (inout MQTTConfiguration) -> Void = { _ in }) throws -> MQTTConfiguration {
    var configuration = try MQTTConfiguration(url: url, clientID: clientID)
    configuration.keepAliveSeconds = 5
    configuration.reconnectDelayMin = .milliseconds(100)
    configuration.reconnectDelayMax = .milliseconds(400)
    adjust(&configuration)
    return configuration
}

/// A connected client (waits up to 15 s: generous for a busy machine).
func connectedClient(_ url: String, clientID: String = "test-\(UUID().uuidString.prefix(8))",
                     _ adjust: (inout MQTTConfiguration) -> Void = { _ in }) async throws -> MQTTClient {
    let client = try MQTTClient(configuration: try testConfiguration(url, clientID: clientID, adjust), logger: testLogger)
    try await client.connect(timeout: .seconds(15))
    return client
}

/// Drains a client's message stream into an array that tests can wait on.
final class MessageCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [MQTTMessage] = []
    private var task: Task<Void, Never>?

    init(_ client: MQTTClient) {
        let stream = client.messages
        task = Task { [weak self] in
            for await message in stream {
                guard let self else { return }
                self.lock.withLock { self.received.append(message) }
            }
        }
    }

    deinit { task?.cancel() }

    var messages: [MQTTMessage] { lock.withLock { received } }

    /// Waits until at least `count` messages arrived (or `timeout` passed) and returns them all.
    @discardableResult
    func waitFor(count: Int, timeout: Duration = .seconds(15)) async -> [MQTTMessage] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = messages
            if current.count >= count { return current }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return messages
    }

    /// Waits until a message on `topic` arrived and returns it (nil after `timeout`).
    func waitFor(topic: String, timeout: Duration = .seconds(15)) async -> MQTTMessage? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let message = messages.first(where: { $0.topic == topic }) { return message }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
}

/// Waits until the client reports `state` (or `timeout` passes); returns the last state seen.
@discardableResult
func waitForState(_ client: MQTTClient, timeout: Duration = .seconds(15),
                  _ matches: @escaping @Sendable (MQTTConnectionState) -> Bool) async -> MQTTConnectionState {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let state = client.state
        if matches(state) { return state }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return client.state
}
