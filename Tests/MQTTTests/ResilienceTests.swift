import Foundation
@testable import MQTT
import Testing
import TestSupport

/// Collects every state a client reports.
final class StateRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [MQTTConnectionState] = []
    private var task: Task<Void, Never>?

    init(_ client: MQTTClient) {
        let updates = client.stateUpdates()
        task = Task { [weak self] in
            for await state in updates {
                guard let self else { return }
                self.lock.withLock { self.seen.append(state) }
            }
        }
    }

    deinit { task?.cancel() }

    var states: [MQTTConnectionState] { lock.withLock { seen } }
}

@Suite("Staying connected: broker restarts, cuts, late brokers, wills, shutdown")
struct ResilienceTests {
    @Test("after the broker is killed and restarted on the same port, the client reconnects, resubscribes and receives again")
    func brokerRestart() async throws {
        let broker = try await MosquittoBroker.start()
        let subscriber = try await connectedClient(broker.url)
        let states = StateRecorder(subscriber)
        let inbox = MessageCollector(subscriber)
        try await subscriber.subscribe("cb/+/plug")
        let publisher = try await connectedClient(broker.url)
        try await publisher.publish("connected", to: "cb/car1/plug")
        #expect(await inbox.waitFor(topic: "cb/car1/plug") != nil)

        await broker.kill()
        let down = await waitForState(subscriber) { if case .reconnecting = $0 { return true } else { return false } }
        #expect(down == .reconnecting(lastError: nil) || { if case .reconnecting = down { return true } else { return false } }())
        try await broker.launch()
        #expect(await waitForState(subscriber) { $0 == .connected } == .connected)
        #expect(await waitForState(publisher) { $0 == .connected } == .connected)

        // The restarted broker has no session: only the client's resubscription makes this arrive.
        try await publisher.publish("disconnected", to: "cb/car2/plug")
        let again = await inbox.waitFor(topic: "cb/car2/plug")
        #expect(again?.payloadText == "disconnected")
        let seen = states.states
        #expect(seen.first == .connected)
        #expect(seen.contains { if case .reconnecting = $0 { return true } else { return false } })
        #expect(seen.last == .connected)
        await publisher.shutdown()
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("QoS 1 messages published while the client was away arrive when it comes back (persistent session)")
    func persistentSessionAcrossRestartOfTheClient() async throws {
        let broker = try await MosquittoBroker.start()
        let clientID = "bridge-\(UUID().uuidString.prefix(6))"
        let first = try await connectedClient(broker.url, clientID: clientID)
        try await first.subscribe("cb/meter", qos: .atLeastOnce)
        await first.shutdown()

        let publisher = try await connectedClient(broker.url)
        for index in 1...3 {
            try await publisher.publish("reading \(index)", to: "cb/meter", qos: .atLeastOnce)
        }

        let second = try MQTTClient(configuration: try testConfiguration(broker.url, clientID: clientID), logger: testLogger)
        let inbox = MessageCollector(second)
        try await second.connect(timeout: .seconds(5))
        let received = await inbox.waitFor(count: 3)
        #expect(received.map(\.payloadText) == ["reading 1", "reading 2", "reading 3"])
        await publisher.shutdown()
        await second.shutdown()
        await broker.stop()
    }

    @Test("QoS 1 messages published during a network cut arrive after the automatic reconnect", arguments: MQTTProtocolVersion.allCases)
    func persistentSessionAcrossNetworkCut(version: MQTTProtocolVersion) async throws {
        let broker = try await MosquittoBroker.start()
        let subscriber = try await connectedClient(broker.url, clientID: "cut-\(UUID().uuidString.prefix(6))") {
            $0.protocolVersion = version
            $0.reconnectDelayMin = .milliseconds(800)
            $0.reconnectDelayMax = .milliseconds(800)
        }
        let inbox = MessageCollector(subscriber)
        try await subscriber.subscribe("cb/energy", qos: .atLeastOnce)
        let publisher = try await connectedClient(broker.url)

        for round in 1...2 {  // twice: the session must survive more than one reconnect
            subscriber.dropConnectionAbruptly()
            _ = await waitForState(subscriber) { if case .reconnecting = $0 { return true } else { return false } }
            try await Task.sleep(for: .milliseconds(100))  // let the broker notice
            for index in 1...3 {
                try await publisher.publish("\(round).\(index)", to: "cb/energy", qos: .atLeastOnce)
            }
            #expect(await waitForState(subscriber) { $0 == .connected } == .connected)
        }
        // QoS 1 is at least once: a message whose PUBACK was lost in the cut may come twice, so
        // wait for six distinct payloads, and check their order.
        var distinct: [String] = []
        let deadline = ContinuousClock.now + .seconds(5)
        repeat {
            distinct = []
            for text in await inbox.waitFor(count: 6).map(\.payloadText) where distinct.last != text { distinct.append(text) }
            if distinct.count >= 6 { break }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        #expect(distinct == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3"])
        await publisher.shutdown()
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("a client started before the broker is up connects, and subscribes, once it is")
    func clientStartsBeforeBroker() async throws {
        let broker = try MosquittoBroker()  // configured on a free port, not running
        let client = try MQTTClient(configuration: try testConfiguration(broker.url), logger: testLogger)
        let inbox = MessageCollector(client)
        client.start()
        try await client.subscribe("cb/late")
        let waiting = await waitForState(client) { if case .reconnecting = $0 { return true } else { return false } }
        #expect(waiting == .reconnecting(lastError: .unreachable(endpoint: "127.0.0.1:\(broker.port)", detail: "connection refused")))
        try await Task.sleep(for: .milliseconds(300))

        try await broker.launch()
        try await client.waitUntilConnected(timeout: .seconds(5))
        let publisher = try await connectedClient(broker.url)
        try await publisher.publish("finally", to: "cb/late")
        #expect(await inbox.waitFor(topic: "cb/late")?.payloadText == "finally")
        await publisher.shutdown()
        await client.shutdown()
        await broker.stop()
    }

    @Test("an unreachable broker is a clear error after the timeout, not a hang")
    func unreachableBroker() async throws {
        let port = try freeLoopbackPort()
        let client = try MQTTClient(configuration: try testConfiguration("mqtt://127.0.0.1:\(port)"), logger: testLogger)
        let started = ContinuousClock.now
        let error = await #expect(throws: MQTTError.self) { try await client.connect(timeout: .seconds(1)) }
        // Bounds are loose on purpose: CPU-bound tests elsewhere in the suite can starve this task.
        #expect(ContinuousClock.now - started < .seconds(20), "a clear error, not a hang")
        #expect(error == .unreachable(endpoint: "127.0.0.1:\(port)", detail: "connection refused"))
        #expect(error?.description == "could not reach the broker at 127.0.0.1:\(port) (connection refused)")
        #expect(error?.isFatal == false)
        let stopping = ContinuousClock.now
        await client.shutdown()
        #expect(ContinuousClock.now - stopping < .seconds(10), "shutdown does not hang")
        #expect(client.state == .shutDown)
    }

    @Test("the Last Will is published when the client's connection dies without a goodbye, not after a clean shutdown")
    func lastWill() async throws {
        let broker = try await MosquittoBroker.start()
        let observer = try await connectedClient(broker.url)
        let inbox = MessageCollector(observer)
        try await observer.subscribe("cb/+/status")

        let dying = try await connectedClient(broker.url) {
            $0.will = MQTTWill(topic: "cb/dying/status", text: "offline", qos: .atLeastOnce, retain: true)
        }
        let polite = try await connectedClient(broker.url) {
            $0.will = MQTTWill(topic: "cb/polite/status", text: "offline", qos: .atLeastOnce, retain: true)
        }
        try await dying.publish("online", to: "cb/dying/status", retain: true)
        await polite.shutdown()
        dying.dropConnectionAbruptly()  // the socket closes as in a killed process: no DISCONNECT
        let will = await inbox.waitFor(count: 2)
        #expect(will.map(\.topic) == ["cb/dying/status", "cb/dying/status"])
        #expect(will.map(\.payloadText) == ["online", "offline"])
        try await Task.sleep(for: .milliseconds(100))
        #expect(!inbox.messages.contains { $0.topic == "cb/polite/status" })
        await dying.shutdown()
        await observer.shutdown()
        await broker.stop()
    }

    @Test("shutdown ends the message stream, refuses further publishes and does not hang while the broker is down")
    func shutdown() async throws {
        let broker = try await MosquittoBroker.start()
        let client = try await connectedClient(broker.url)
        try await client.subscribe("cb/x")
        let states = StateRecorder(client)
        let streamEnded = Task {
            for await _ in client.messages {}
            return true
        }
        await broker.kill()
        _ = await waitForState(client) { if case .reconnecting = $0 { return true } else { return false } }
        let stopping = ContinuousClock.now
        await client.shutdown()
        #expect(ContinuousClock.now - stopping < .seconds(10), "shutdown does not hang")
        #expect(await streamEnded.value)
        #expect(client.state == .shutDown)
        await #expect(throws: MQTTError.shutDown) { try await client.publish("late", to: "cb/x") }
        await client.shutdown()  // twice is fine
        try await Task.sleep(for: .milliseconds(50))
        #expect(states.states.last == .shutDown)
        await broker.stop()
    }

    @Test("subscribes and publishes racing the first connection never overtake the CONNECT, nor get lost")
    func callsDuringTheFirstConnectionAttempt() async throws {
        let broker = try await MosquittoBroker.start()
        for round in 0..<5 {
            let client = try MQTTClient(configuration: try testConfiguration(broker.url), logger: testLogger)
            let inbox = MessageCollector(client)
            client.start()
            // Many calls while the network thread is still setting the connection up.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask { try await client.subscribe("race/\(round)/\(index)") }
                }
                group.addTask { try await client.publish("early", to: "race/\(round)/early", qos: .atLeastOnce, retain: true) }
                try await group.waitForAll()
            }
            try await client.waitUntilConnected(timeout: .seconds(15))
            let publisher = try await connectedClient(broker.url)
            for index in 0..<100 {
                try await publisher.publish("\(index)", to: "race/\(round)/\(index)", qos: .atLeastOnce)
            }
            #expect(await inbox.waitFor(count: 100, timeout: .seconds(15)).count == 100)
            let observer = try await connectedClient(broker.url)
            let retained = MessageCollector(observer)
            try await observer.subscribe("race/\(round)/early")
            #expect(await retained.waitFor(topic: "race/\(round)/early")?.payloadText == "early")
            await observer.shutdown()
            await publisher.shutdown()
            await client.shutdown()
        }
        await broker.stop()
    }

    @Test("a QoS 0 publish while disconnected fails as not connected; QoS 1 is queued and delivered later")
    func publishWhileDisconnected() async throws {
        let broker = try MosquittoBroker()
        let client = try MQTTClient(configuration: try testConfiguration(broker.url), logger: testLogger)
        client.start()
        await #expect(throws: MQTTError.notConnected(topic: "cb/q")) {
            try await client.publish("now", to: "cb/q", qos: .atMostOnce)
        }
        let queued = Task { try await client.publish("later", to: "cb/q", qos: .atLeastOnce, retain: true) }
        try await Task.sleep(for: .milliseconds(100))
        try await broker.launch()
        // The publish call returns once the broker has acknowledged the queued message.
        try await queued.value
        let observer = try await connectedClient(broker.url)
        let inbox = MessageCollector(observer)
        try await observer.subscribe("cb/q")
        #expect(await inbox.waitFor(topic: "cb/q")?.payloadText == "later")
        await observer.shutdown()
        await client.shutdown()
        await broker.stop()
    }
}

@Suite("Subscribing around a lost connection")
struct SubscribeAcrossDisconnectTests {
    @Test("a subscribe whose SUBACK is lost with the connection returns, and the subscription is live after the reconnect")
    func subscribeDoesNotWaitForALostSuback() async throws {
        let broker = try await MosquittoBroker.start()
        let client = try await connectedClient(broker.url) {
            $0.reconnectDelayMin = .milliseconds(300)
            $0.reconnectDelayMax = .milliseconds(300)
        }
        let inbox = MessageCollector(client)
        // A frozen broker keeps the connection open and never answers the SUBSCRIBE...
        broker.freeze()
        let returned = Flag()
        let subscribing = Task {
            try await client.subscribe("cb/after")
            returned.set()
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!returned.isSet, "no SUBACK can have come from a frozen broker")
        // ...then dies: that SUBACK will never come, and subscribe must not wait for it.
        await broker.kill()
        let deadline = ContinuousClock.now + .seconds(10)
        while !returned.isSet && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(returned.isSet, "subscribe is still waiting for a SUBACK from a dead connection")
        subscribing.cancel()
        try await broker.launch()
        #expect(await waitForState(client) { $0 == .connected } == .connected)
        let publisher = try await connectedClient(broker.url)
        try await publisher.publish("here", to: "cb/after")
        #expect(await inbox.waitFor(topic: "cb/after")?.payloadText == "here")
        await publisher.shutdown()
        await client.shutdown()
        await broker.stop()
    }
}

/// A flag set from another task.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
