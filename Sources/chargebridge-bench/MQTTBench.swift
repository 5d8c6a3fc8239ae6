import Foundation
import Locking
import Logging
import MQTT
import TestSupport

/// `mqtt.receive.qos0`/`qos1`: messages per second from the first publish to the last receipt,
/// Swift publisher -> local mosquitto -> Swift subscriber, 16-byte payloads; next to
/// `mqtt.cli_baseline.qos0`/`qos1`: `mosquitto_pub -l` -> the same broker -> `mosquitto_sub -C N`,
/// measured in the same run (the broker's own limit). Median of `runs` rounds each.
func mqttBench() async throws -> [BenchResult] {
    let broker = try await MosquittoBroker.start(.init(extraConfiguration: [
        "max_queued_messages 0",      // no drops under a flood: every message is counted
        "max_inflight_messages 100",
        "log_type subscribe",         // the CLI subscriber's SUBSCRIBE shows in the log
    ]))
    var results: [BenchResult] = []
    do {
        let runs = 3
        for (qos, count) in [(MQTTQoS.atMostOnce, 100_000), (.atLeastOnce, 50_000)] {
            var cli: [Double] = []
            var swift: [Double] = []
            for round in 0..<runs {
                cli.append(try await cliRate(broker: broker, qos: qos, count: count, round: round))
                swift.append(try await swiftRate(broker: broker, qos: qos, count: count))
            }
            let cliMedian = cli.sorted()[runs / 2]
            let swiftMedian = swift.sorted()[runs / 2]
            results.append(BenchResult(bench: "mqtt.receive.qos\(qos.rawValue)", value: swiftMedian.rounded(), unit: "msg/s",
                                       stat: "median", runs: runs, target: (0.8 * cliMedian).rounded(),
                                       extra: ["messages": Double(count), "payload_bytes": 16]))
            results.append(BenchResult(bench: "mqtt.cli_baseline.qos\(qos.rawValue)", value: cliMedian.rounded(), unit: "msg/s",
                                       stat: "median", runs: runs, target: nil,
                                       extra: ["messages": Double(count), "payload_bytes": 16]))
        }
    } catch {
        await broker.stop()
        throw error
    }
    await broker.stop()
    return results
}

private let benchPayload: [UInt8] = Array("0123456789abcdef".utf8)

private func swiftRate(broker: MosquittoBroker, qos: MQTTQoS, count: Int) async throws -> Double {
    var logger = Logger(label: "mqtt-bench")
    logger.logLevel = .error
    let topic = "bench/swift/\(UUID().uuidString.prefix(8))"
    var subscriberConfiguration = try MQTTConfiguration(url: broker.url, clientID: "bench-sub-\(UUID().uuidString.prefix(8))")
    subscriberConfiguration.cleanStart = true
    var publisherConfiguration = try MQTTConfiguration(url: broker.url, clientID: "bench-pub-\(UUID().uuidString.prefix(8))")
    publisherConfiguration.cleanStart = true
    let subscriber = try MQTTClient(configuration: subscriberConfiguration, logger: logger)
    let publisher = try MQTTClient(configuration: publisherConfiguration, logger: logger)
    try await subscriber.connect(timeout: .seconds(5))
    try await publisher.connect(timeout: .seconds(5))
    try await subscriber.subscribe(topic, qos: qos)

    let clock = ContinuousClock()
    let receiver = Task { () -> ContinuousClock.Instant? in
        var received = 0
        for await message in subscriber.messages where message.topic == topic {
            received += 1
            if received == count { return clock.now }
        }
        return nil
    }
    let start = clock.now
    for _ in 0..<count {
        try await publisher.publish(benchPayload, to: topic, qos: qos, waitForAcknowledgement: false)
    }
    let watchdog = Task {
        try await Task.sleep(for: .seconds(60))
        receiver.cancel()
    }
    let finish = await receiver.value
    watchdog.cancel()
    await publisher.shutdown()
    await subscriber.shutdown()
    guard let finish else { throw BenchError("the Swift subscriber did not receive \(count) messages within 60 s") }
    return Double(count) / seconds(finish - start)
}

private func cliRate(broker: MosquittoBroker, qos: MQTTQoS, count: Int, round: Int) async throws -> Double {
    let topic = "bench/cli/\(UUID().uuidString.prefix(8))"
    let subscriberID = "bench-cli-sub-\(UUID().uuidString.prefix(8))"
    let input = broker.directory.appendingPathComponent("lines-\(count).txt")
    if !FileManager.default.fileExists(atPath: input.path) {
        try String(repeating: "0123456789abcdef\n", count: count).write(to: input, atomically: true, encoding: .utf8)
    }

    let subscriber = Process()
    subscriber.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
    subscriber.arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-V", "5", "-i", subscriberID,
                            "-t", topic, "-q", "\(qos.rawValue)", "-C", "\(count)"]
    subscriber.standardOutput = FileHandle.nullDevice
    subscriber.standardError = FileHandle.nullDevice
    let exited = Locked<ContinuousClock.Instant?>(nil)
    subscriber.terminationHandler = { _ in exited.withLock { $0 = ContinuousClock.now } }
    try subscriber.run()
    defer { if subscriber.isRunning { kill(subscriber.processIdentifier, SIGKILL) } }
    // Wait until the broker has logged the subscription, so that no message is published early.
    let ready = ContinuousClock.now + .seconds(10)
    while !broker.logText().contains("\(subscriberID) \(qos.rawValue) \(topic)") {
        guard ContinuousClock.now < ready else { throw BenchError("mosquitto_sub did not subscribe within 10 s") }
        try await Task.sleep(for: .milliseconds(2))
    }

    let publisher = Process()
    publisher.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
    publisher.arguments = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-V", "5", "-M", "100",
                           "-t", topic, "-q", "\(qos.rawValue)", "-l"]
    publisher.standardInput = try FileHandle(forReadingFrom: input)
    publisher.standardOutput = FileHandle.nullDevice
    publisher.standardError = FileHandle.nullDevice
    let start = ContinuousClock.now
    try publisher.run()
    let deadline = start + .seconds(60)
    while exited.value == nil {
        guard ContinuousClock.now < deadline else {
            kill(publisher.processIdentifier, SIGKILL)
            throw BenchError("mosquitto_sub did not receive \(count) messages within 60 s")
        }
        try await Task.sleep(for: .microseconds(200))
    }
    if publisher.isRunning { kill(publisher.processIdentifier, SIGKILL) }
    return Double(count) / seconds(exited.value! - start)
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
