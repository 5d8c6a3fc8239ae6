import Foundation
@testable import MQTT
import Testing
import TestSupport

@Suite("Publish and subscribe on a real mosquitto")
struct PublishSubscribeTests {
    @Test("a message makes the round trip at every QoS", arguments: MQTTQoS.allCases)
    func roundTrip(qos: MQTTQoS) async throws {
        let broker = try await MosquittoBroker.start()
        let subscriber = try await connectedClient(broker.url)
        let publisher = try await connectedClient(broker.url)
        let collector = MessageCollector(subscriber)
        try await subscriber.subscribe("cb/roundtrip", qos: qos)
        let payload: [UInt8] = [0, 1, 2, 250, 255] + Array("hello".utf8)
        try await publisher.publish(payload, to: "cb/roundtrip", qos: qos)

        let received = await collector.waitFor(count: 1)
        #expect(received.count == 1)
        #expect(received.first?.topic == "cb/roundtrip")
        #expect(received.first?.payload == payload)
        #expect(received.first?.qos == qos)
        #expect(received.first?.retain == false)
        await publisher.shutdown()
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("a message carries the moment the client received it, before the reader took it; equality ignores it")
    func receivedAt() async throws {
        let broker = try await MosquittoBroker.start()
        let subscriber = try await connectedClient(broker.url)
        let publisher = try await connectedClient(broker.url)
        try await subscriber.subscribe("cb/stamp", qos: .atLeastOnce)
        let sent = ContinuousClock.now
        try await publisher.publish("x", to: "cb/stamp", qos: .atLeastOnce)
        // The reader comes late: the stamp is still the arrival.
        try await Task.sleep(for: .milliseconds(300))
        var iterator = subscriber.messages.makeAsyncIterator()
        let message = try #require(await iterator.next())
        let taken = ContinuousClock.now
        #expect(message.receivedAt >= sent)
        #expect(taken - message.receivedAt >= .milliseconds(250))
        var later = message
        later.receivedAt = taken
        #expect(later == message)
        #expect(later.hashValue == message.hashValue)
        await publisher.shutdown()
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("many QoS 1 messages arrive complete and in order")
    func manyMessagesInOrder() async throws {
        // mosquitto drops QoS 1 messages beyond 1000 queued per client (max_queued_messages); a
        // fire-and-forget burst of 2000 can outrun the subscriber's acknowledgements on a busy machine.
        let broker = try await MosquittoBroker.start(.init(extraConfiguration: ["max_queued_messages 10000"]))
        let subscriber = try await connectedClient(broker.url)
        let publisher = try await connectedClient(broker.url)
        let collector = MessageCollector(subscriber)
        try await subscriber.subscribe("cb/burst", qos: .atLeastOnce)
        for index in 0..<2000 {
            try await publisher.publish("\(index)", to: "cb/burst", qos: .atLeastOnce, waitForAcknowledgement: false)
        }
        let received = await collector.waitFor(count: 2000)
        #expect(received.map(\.payloadText) == (0..<2000).map { "\($0)" })
        await publisher.shutdown()
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("in batches, a burst of messages arrives complete, in order, fewer batches than messages, and `messages` stays empty")
    func batchedDelivery() async throws {
        let broker = try await MosquittoBroker.start(.init(extraConfiguration: ["max_queued_messages 0"]))
        let subscriber = try await connectedClient(broker.url) { $0.deliversMessagesInBatches = true }
        let publisher = try await connectedClient(broker.url)
        try await subscriber.subscribe("cb/batch", qos: .atMostOnce)
        let count = 5000
        let reader = Task { () -> (messages: [MQTTMessage], batches: Int) in
            var messages: [MQTTMessage] = []
            var batches = 0
            for await batch in subscriber.messageBatches {
                batches += 1
                messages += batch
                if messages.count >= count { break }
            }
            return (messages, batches)
        }
        for index in 0..<count {
            try await publisher.publish("\(index)", to: "cb/batch", qos: .atMostOnce)
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(60))
            reader.cancel()
        }
        let (messages, batches) = await reader.value
        timeout.cancel()
        #expect(messages.map(\.payloadText) == (0..<count).map { "\($0)" })
        #expect(messages.allSatisfy { $0.topic == "cb/batch" })
        #expect(batches < count)
        await publisher.shutdown()
        await subscriber.shutdown()
        // Nothing went to the per-message stream (it ends at shutdown, empty).
        var iterator = subscriber.messages.makeAsyncIterator()
        #expect(await iterator.next() == nil)
        await broker.stop()
    }

    @Test("a retained message reaches a client that subscribes later, flagged as retained")
    func retainedMessage() async throws {
        let broker = try await MosquittoBroker.start()
        let publisher = try await connectedClient(broker.url)
        try await publisher.publish("online", to: "cb/status", qos: .atLeastOnce, retain: true)
        try await publisher.publish("not kept", to: "cb/other", qos: .atLeastOnce, retain: false)

        let late = try await connectedClient(broker.url)
        let collector = MessageCollector(late)
        try await late.subscribe("cb/#")
        let status = await collector.waitFor(topic: "cb/status")
        #expect(status?.payloadText == "online")
        #expect(status?.retain == true)
        try await Task.sleep(for: .milliseconds(100))
        #expect(collector.messages.map(\.topic) == ["cb/status"])
        await publisher.shutdown()
        await late.shutdown()
        await broker.stop()
    }

    @Test("wildcard subscriptions receive exactly the matching topics")
    func wildcards() async throws {
        let broker = try await MosquittoBroker.start()
        let subscriber = try await connectedClient(broker.url)
        let publisher = try await connectedClient(broker.url)
        let collector = MessageCollector(subscriber)
        try await subscriber.subscribe("home/+/plug")
        try await subscriber.subscribe("meter/#")
        let topics = ["home/car1/plug", "home/car2/plug", "home/car1/soc", "home/car1/plug/extra",
                      "meter", "meter/a/b/c", "other/meter"]
        for topic in topics {
            try await publisher.publish(topic, to: topic, qos: .atLeastOnce)
        }
        try await publisher.publish("end", to: "meter/end", qos: .atLeastOnce)
        _ = await collector.waitFor(topic: "meter/end")
        #expect(Set(collector.messages.map(\.topic)) == ["home/car1/plug", "home/car2/plug", "meter", "meter/a/b/c", "meter/end"])
        await publisher.shutdown()
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("MQTT 5 content type travels with the message; MQTT 3.1.1 works too")
    func propertiesAndProtocolVersions() async throws {
        let broker = try await MosquittoBroker.start()
        let subscriber = try await connectedClient(broker.url)
        let oldClient = try await connectedClient(broker.url) { $0.protocolVersion = .v311 }
        let collector = MessageCollector(subscriber)
        try await subscriber.subscribe("cb/json")
        try await subscriber.publish("{\"a\":1}", to: "cb/json",
                                     properties: MQTTPublishProperties(contentType: "application/json", messageExpirySeconds: 60))
        try await oldClient.publish("3.1.1", to: "cb/json", qos: .exactlyOnce)
        let received = await collector.waitFor(count: 2)
        #expect(received.first?.contentType == "application/json")
        #expect(received.last?.payloadText == "3.1.1")
        #expect(received.last?.contentType == nil)
        await oldClient.shutdown()
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("invalid topics are refused before they reach the broker")
    func invalidTopics() async throws {
        let broker = try await MosquittoBroker.start()
        let client = try await connectedClient(broker.url)
        await #expect(throws: MQTTError.invalidTopic("a/+/b")) {
            try await client.publish("x", to: "a/+/b")
        }
        await #expect(throws: MQTTError.invalidTopic("a/#/b")) {
            try await client.subscribe("a/#/b")
        }
        await client.shutdown()
        await broker.stop()
    }
}
