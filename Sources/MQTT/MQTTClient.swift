import Foundation
import Locking
import Logging

/// An MQTT client over libmosquitto, safe to share between tasks.
///
/// ```swift
/// var configuration = try MQTTConfiguration(url: "mqtt://127.0.0.1:1883", clientID: "chargebridge")
/// configuration.will = MQTTWill(topic: "chargebridge/status", text: "offline")
/// let client = try MQTTClient(configuration: configuration, logger: logger)
/// try await client.connect(timeout: .seconds(10))
/// try await client.subscribe("chargebridge/+/plug")
/// for await message in client.messages { ... }
/// await client.shutdown()
/// ```
///
/// Once started, the client stays connected on its own: after a broker restart or a network cut it
/// reconnects with exponential backoff and restores every subscription. It gives up only when
/// the broker refuses the login or the TLS handshake (`state` becomes `.failed`). Call
/// `shutdown()` when done: it disconnects cleanly, stops the network thread and frees libmosquitto.
public final class MQTTClient: Sendable {
    private let core: ClientCore

    /// Every message of every subscription, in arrival order. One consumer only; ends at shutdown.
    /// Buffered without limit, so a slow consumer costs memory, never a lost QoS 1 message.
    public var messages: AsyncStream<MQTTMessage> { core.messages }

    /// With `deliversMessagesInBatches`: every message of every subscription, in arrival order,
    /// in the batches they were read in. One consumer only; ends at shutdown. Empty otherwise.
    public var messageBatches: AsyncStream<[MQTTMessage]> { core.messageBatches }

    /// The connection's state right now.
    public var state: MQTTConnectionState { core.state }

    /// The configuration the client was made with.
    public var configuration: MQTTConfiguration { core.configuration }

    /// Checks the configuration and prepares libmosquitto; connects only on `start()`/`connect`.
    /// - Throws: `MQTTError` for a bad setting or a missing TLS file.
    public init(configuration: MQTTConfiguration, logger: Logger) throws {
        core = try ClientCore(configuration: configuration, logger: logger)
    }

    deinit {
        core.requestStop(onExit: {})
    }

    /// Starts connecting in the background and returns at once; retries until the broker is
    /// there. Calling it again does nothing.
    public func start() {
        core.start()
    }

    /// Starts the client and waits until it is connected.
    /// - Throws: `.loginRefused` or `.tlsHandshakeFailed` as soon as the broker says so;
    ///   `.unreachable` when `timeout` passes first (the client keeps trying in the background).
    public func connect(timeout: Duration) async throws {
        start()
        try await waitUntilConnected(timeout: timeout)
    }

    /// Waits until the client is connected; throws like `connect(timeout:)`.
    public func waitUntilConnected(timeout: Duration) async throws {
        let updates = core.stateUpdates()
        let core = self.core
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await state in updates {
                    switch state {
                    case .connected: return
                    case .failed(let error): throw error
                    case .shutDown: throw MQTTError.shutDown
                    default: continue
                    }
                }
                throw CancellationError()
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                // This task may run late on a busy pool: the connection may have come meanwhile.
                if core.state == .connected { return }
                if case .reconnecting(let lastError?) = core.state { throw lastError }
                throw MQTTError.unreachable(endpoint: core.configuration.broker.endpoint,
                                            detail: "no connection within \(timeout.components.seconds) s")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// A stream of connection states: the current one first, then every change. Ends at shutdown.
    public func stateUpdates() -> AsyncStream<MQTTConnectionState> {
        core.stateUpdates()
    }

    /// Publishes a message.
    ///
    /// QoS 0 needs a connection (else `.notConnected`). QoS 1 and 2 are queued while the client
    /// is away and sent when it is back. With `waitForAcknowledgement` (the default) the call
    /// returns once the broker has acknowledged a QoS 1/2 message, and throws `.publishRefused`
    /// when an MQTT 5 broker refuses it (an ACL denial, for instance).
    public func publish(
        _ payload: [UInt8],
        to topic: String,
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        properties: MQTTPublishProperties = MQTTPublishProperties(),
        waitForAcknowledgement: Bool = true
    ) async throws {
        guard waitForAcknowledgement, qos != .atMostOnce else {
            _ = try core.publish(topic: topic, payload: payload, qos: qos, retain: retain, properties: properties)
            return
        }
        core.beginAwaiting()
        let mid: Int32
        do {
            mid = try core.publish(topic: topic, payload: payload, qos: qos, retain: retain, properties: properties)
        } catch {
            core.cancelAwaiting()
            throw error
        }
        if case .published(let reasonCode) = try await core.acknowledgement(of: mid), reasonCode >= 0x80 {
            throw MQTTError.publishRefused(topic: topic, reason: MosquittoLibrary.reason(reasonCode))
        }
    }

    /// Publishes a UTF-8 text payload; see `publish(_:to:qos:retain:properties:waitForAcknowledgement:)`.
    public func publish(
        _ text: String,
        to topic: String,
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        properties: MQTTPublishProperties = MQTTPublishProperties(),
        waitForAcknowledgement: Bool = true
    ) async throws {
        try await publish(Array(text.utf8), to: topic, qos: qos, retain: retain, properties: properties,
                          waitForAcknowledgement: waitForAcknowledgement)
    }

    /// Subscribes to `filter` (wildcards `+` and `#` allowed) now and after every reconnect.
    ///
    /// When connected, waits for the broker's answer and throws `.subscriptionRefused` if it
    /// refuses; when not (or when the connection drops before the answer), returns and the
    /// subscription is sent on the next connect. It never waits for a SUBACK that cannot come.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws {
        guard Self.isValidFilter(filter) else { throw MQTTError.invalidTopic(filter) }
        core.beginAwaiting()
        let sent: Int32?
        do {
            sent = try core.subscribe(filter: filter, qos: qos)
        } catch {
            core.cancelAwaiting()
            throw error
        }
        guard let mid = sent else {
            core.cancelAwaiting()
            return
        }
        if case .subscribed(let code) = try await core.acknowledgement(of: mid, subscription: true), code >= 0x80 {
            core.forgetSubscription(filter)
            let reason = configuration.protocolVersion == .v5 ? MosquittoLibrary.reason(code) : "refused"
            throw MQTTError.subscriptionRefused(filter: filter, reason: reason)
        }
    }

    /// Stops receiving messages for `filter`, now and after reconnects.
    public func unsubscribe(_ filter: String) throws {
        try core.unsubscribe(filter: filter)
    }

    /// Disconnects cleanly (no will), stops the network thread and frees libmosquitto. Afterwards
    /// `messages` and `stateUpdates()` end and no callback runs. Waits at most `timeout` for the
    /// thread (it may be stuck in a TCP connect to a silent host; it then finishes on its own).
    public func shutdown(timeout: Duration = .seconds(3)) async {
        let done = Locked(false)
        let timer = Locked<Task<Void, Never>?>(nil)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeOnce: @Sendable () -> Void = {
                let first = done.withLock { value -> Bool in
                    defer { value = true }
                    return !value
                }
                guard first else { return }
                continuation.resume()
                timer.withLock { $0?.cancel() }
            }
            timer.withLock {
                $0 = Task {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { resumeOnce() }
                }
            }
            core.requestStop(onExit: resumeOnce)
        }
    }

    /// For tests: cuts the TCP connection without a DISCONNECT, as a killed process would.
    func dropConnectionAbruptly() {
        core.dropConnectionAbruptly()
    }

    static func isValidFilter(_ filter: String) -> Bool {
        guard !filter.isEmpty else { return false }
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#") && (level != "#" || index != levels.count - 1) { return false }
            if level.contains("+") && level != "+" { return false }
        }
        return true
    }
}
