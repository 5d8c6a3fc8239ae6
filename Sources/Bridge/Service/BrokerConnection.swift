import Locking
import Logging
import MQTT
import ServiceLifecycle

/// The bridge's MQTT connection, as a service: connects (and reconnects), registers the
/// subscriptions, sends every message and every (re)connection to the bridge loop as events, and
/// publishes what the other services hand it. Stopping, it says its farewell (`offline`, as its
/// Last Will would) and disconnects cleanly; it fails the bridge when the broker refuses it for good.
final class BrokerConnection: Service, Sendable {
    /// Why the bridge stopped when it could not go on (a refused login, say).
    enum Failure: Error, CustomStringConvertible {
        case broker(MQTTError)

        var description: String {
            switch self {
            case let .broker(error): "cannot use the broker: \(error)"
            }
        }
    }

    private let client: MQTTClient
    private let subscriptions: [String]
    private let farewell: (topic: String, payload: String)
    private let events: BridgeEvents
    private let logger: Logger
    private let brokerName: String

    /// Prepares the client (nothing is connected yet); `farewell` is also the Last Will.
    /// - Throws: `MQTTError` for a bad setting or a missing TLS file.
    init(config: BridgeConfig, subscriptions: [String], farewell: (topic: String, payload: String), events: BridgeEvents, logger: Logger) throws {
        var mqtt = try MQTTConfiguration(url: config.broker.displayURL, clientID: config.broker.clientId)
        mqtt.keepAliveSeconds = config.broker.keepAliveSeconds
        mqtt.protocolVersion = config.broker.protocolVersion == .v5 ? .v5 : .v311
        mqtt.username = config.broker.username
        mqtt.password = config.broker.password?.revealed
        if config.broker.usesTLS {
            mqtt.tls = MQTTTLSOptions(caFile: config.broker.caFile, certificateFile: config.broker.certFile,
                                      keyFile: config.broker.keyFile, insecure: config.broker.insecure)
        }
        mqtt.will = MQTTWill(topic: farewell.topic, text: farewell.payload, qos: .atLeastOnce, retain: true)
        mqtt.reconnectDelayMax = .seconds(5)
        // Tens of thousands of readings a second: one hop into the event loop per read of the socket.
        mqtt.deliversMessagesInBatches = true
        client = try MQTTClient(configuration: mqtt, logger: logger)
        self.subscriptions = subscriptions
        self.farewell = farewell
        self.events = events
        self.logger = logger
        brokerName = "\(config.broker.displayURL) as \(config.broker.clientId)"
    }

    /// Runs until a graceful shutdown (then the farewell) or cancellation; throws
    /// ``Failure/broker(_:)`` when the broker refuses the bridge for good.
    func run() async throws {
        logger.info("connecting to \(brokerName)")
        client.start()
        let subscribed = Locked(false)
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { [client, events] in
                    for await batch in client.messageBatches {
                        events.send(batch.map { .message(topic: $0.topic, payload: $0.payload) })
                    }
                    return false
                }
                group.addTask {
                    try await self.followState(subscribed: subscribed)
                    return false
                }
                group.addTask {
                    try await self.subscribeAll()
                    subscribed.withLock { $0 = true }
                    return false
                }
                group.addTask {
                    // Until the bridge stops; cancelled (the bridge failed), it just disconnects.
                    let stopping: Bool
                    do {
                        try await gracefulShutdown()
                        stopping = true
                    } catch {
                        stopping = false
                    }
                    await self.disconnect(sayingFarewell: stopping)
                    return true
                }
                while let disconnected = try await group.next() {
                    if disconnected {
                        group.cancelAll()
                        return
                    }
                }
            }
        } catch {
            logger.info("stopped")
            throw error
        }
        logger.info("stopped")
    }

    /// Hands the message to libmosquitto in order, without waiting for the broker's
    /// acknowledgement; QoS 1 messages are queued by the client while disconnected.
    func publish(_ payload: String, to topic: String, retain: Bool) async {
        do {
            try await client.publish(payload, to: topic, qos: .atLeastOnce, retain: retain, waitForAcknowledgement: false)
        } catch {
            logger.warning("could not publish to \(topic): \(error)")
        }
    }

    /// Publishes a retained message and returns once the broker has acknowledged it.
    func publishAcknowledged(_ payload: String, to topic: String) async {
        do {
            try await client.publish(payload, to: topic, qos: .atLeastOnce, retain: true)
        } catch MQTTError.shutDown {
            // Stopping meanwhile: the rest is for the next start.
        } catch {
            logger.warning("could not publish to \(topic): \(error)")
        }
    }

    /// Connected: the bridge loop hears of it once every subscription is registered (a plug-in
    /// sent before would be lost) and the retained messages have had their moment, so the
    /// bridge reads its own retained state before it publishes anything.
    private func followState(subscribed: Locked<Bool>) async throws {
        for await state in client.stateUpdates() {
            switch state {
            case .connected:
                while !subscribed.value, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                try? await Task.sleep(for: .milliseconds(300))
                logger.debug("broker connection ready")
                events.send(.connected)
            case let .failed(error):
                throw Failure.broker(error)
            case let .reconnecting(lastError):
                logger.warning("broker connection lost; reconnecting\(lastError.map { " (\($0))" } ?? "")")
            default:
                break
            }
        }
    }

    /// Subscriptions are remembered by the client and restored on every reconnect; they are
    /// registered all at once, beside the event loop, which must not wait for them.
    private func subscribeAll() async throws {
        try await withThrowingTaskGroup(of: Void.self) { registering in
            // At most 32 at a time: a task per topic for each of a thousand vehicles'
            // nine topics took some 60 MB that the process kept.
            var topics = subscriptions.makeIterator()
            for _ in 0..<32 {
                guard let topic = topics.next() else { break }
                registering.addTask { try await self.subscribeWhenPossible(topic) }
            }
            while try await registering.next() != nil {
                if let topic = topics.next() {
                    registering.addTask { try await self.subscribeWhenPossible(topic) }
                }
            }
        }
        Heap.returnFree()
        logger.debug("subscribed to \(subscriptions.count) topics")
    }

    /// Registers a subscription, retrying while the broker is away; an attempt that gets no
    /// answer within 5 s is made again (the connection may have dropped under it).
    private func subscribeWhenPossible(_ topic: String) async throws {
        while !Task.isCancelled {
            do {
                try await withThrowingTaskGroup(of: Bool.self) { attempt in
                    attempt.addTask { [client] in
                        try await client.subscribe(topic, qos: .atLeastOnce)
                        return true
                    }
                    attempt.addTask {
                        try await Task.sleep(for: .seconds(5))
                        return false
                    }
                    defer { attempt.cancelAll() }
                    guard try await attempt.next() == true else { throw MQTTError.notConnected(topic: topic) }
                }
                return
            } catch let error as MQTTError where error.isFatal {
                throw Failure.broker(error)
            } catch {
                if Task.isCancelled { return }
                logger.debug("subscribing to \(topic) again: \(error)")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The farewell (when stopping cleanly), then a clean disconnect. With the broker away the
    /// farewell's acknowledgement never comes: 2 s, then the client stops (which ends the
    /// wait), so a stop always ends.
    private func disconnect(sayingFarewell: Bool) async {
        guard sayingFarewell else {
            await client.shutdown()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [client, farewell] in
                try? await client.publish(farewell.payload, to: farewell.topic, qos: .atLeastOnce, retain: true)
            }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            await client.shutdown()
            group.cancelAll()
        }
    }
}
