import Foundation
import Locking
import Logging
import MQTT
import Testing
import TestSupport
@testable import Bridge

/// Home Assistant discovery goes out a window at a time, each window after the broker
/// acknowledged the one before (`make load`: 20,000 messages handed over at once kept ~30 MB).
@Suite struct DiscoveryAnnouncerTests {
    static func fleet(_ count: Int) throws -> BridgeConfig {
        try BridgeFixtures.config(vehicles: (1...count).map { "  - {id: car\($0)}" }.joined(separator: "\n"))
    }

    /// The site's sensors, after the vehicles' (the fleets have a connection limit: limit,
    /// house, chargers, available).
    static let siteSensors = 4

    /// Counts the messages being published at the same time.
    final class Recorder: Sendable {
        let state = Locked((inFlight: 0, most: 0, topics: [String]()))
        let announcements = Locked([Int]())

        func publish(_ message: DiscoveryAnnouncer.Message) async {
            state.withLock { $0.inFlight += 1; $0.most = max($0.most, $0.inFlight); $0.topics.append(message.topic) }
            try? await Task.sleep(for: .milliseconds(1))
            state.withLock { $0.inFlight -= 1 }
        }
    }

    /// An announcer for `vehicles` vehicles running into a recorder.
    static func announcing(vehicles: Int, window: Int) throws
        -> (discovery: HomeAssistantDiscovery, announcer: DiscoveryAnnouncer, recorder: Recorder, running: Task<Void, Never>) {
        let discovery = HomeAssistantDiscovery(config: try fleet(vehicles), prefix: "homeassistant")
        let announcer = DiscoveryAnnouncer(discovery: discovery, window: window)
        let recorder = Recorder()
        let running = Task { await announcer.run(publish: recorder.publish, finished: { count in recorder.announcements.withLock { $0.append(count) } }) }
        return (discovery, announcer, recorder, running)
    }

    @Test func neverMoreThanAWindowIsWaitingForTheBroker() async throws {
        let (discovery, announcer, recorder, running) = try Self.announcing(vehicles: 12, window: 50)
        announcer.request()
        try await waitUntil { !recorder.announcements.value.isEmpty }
        running.cancel()
        let state = recorder.state.value
        #expect(state.most == 50)
        #expect(recorder.announcements.value == [12 * 20 + Self.siteSensors])
        // Every entity once, the same messages as the whole announcement.
        #expect(state.topics.sorted() == discovery.messages().map(\.topic).sorted())
    }

    @Test func askedAgainMidwayItStartsOverOnceAndSendsEverything() async throws {
        let (discovery, announcer, recorder, running) = try Self.announcing(vehicles: 10, window: 20)
        announcer.request()
        try await waitUntil { recorder.state.value.topics.count >= 60 }
        announcer.request()
        announcer.request()
        try await waitUntil { !recorder.announcements.value.isEmpty }
        try await Task.sleep(for: .milliseconds(200))
        running.cancel()
        // One complete announcement after the last request, not one per request.
        #expect(recorder.announcements.value == [200 + Self.siteSensors])
        // The last 200 published are the whole announcement; before them, the interrupted one
        // stopped at a window's end. (The messages of one window are published concurrently, so
        // their order within the window is not the announcer's: count windows, not positions.)
        let topics = recorder.state.value.topics
        let before = topics.count - 200 - Self.siteSensors
        #expect(Set(topics.suffix(200 + Self.siteSensors)) == Set(discovery.messages().map(\.topic)))
        #expect(before >= 60 && before < 200 && before % 20 == 0, "\(before) messages before the restart")
    }

    /// Through the real service and a real broker: every vehicle's entities arrive, retained.
    @Test func aFleetsDiscoveryReachesTheBrokerRetained() async throws {
        let broker = try await MosquittoBroker.start(Self.brokerOptions)
        defer { Task { await broker.stop() } }
        let config = try Self.bridgeConfig(vehicles: 40, broker: broker)
        #expect(config.vehicles.count == 40)
        let service = try BridgeServices(config: config, logger: BridgeServiceTests.logger)
        let running = Task { try await service.run() }
        let watcher = try await Probe.start(url: broker.url, filter: "chargebridge/status")
        try await watcher.waitFor("chargebridge/status") { $0 == "online" }
        // A client that comes later gets the configs from the broker's retained store.
        let expected = Self.configTopics(config)
        #expect(expected.count == 40 * 20 + Self.siteSensors)
        try await Self.expectRetained(expected, at: broker.url)
        running.cancel()
        _ = try? await running.value
        await watcher.stop()
    }

    /// The bridge started announcing when the broker restarted (losing every retained message,
    /// and the acknowledgements the announcement was waiting for): all of it comes again.
    @Test func aBrokerRestartedMidwayGetsEveryConfigAgain() async throws {
        let broker = try await MosquittoBroker.start(Self.brokerOptions)
        defer { Task { await broker.stop() } }
        let config = try Self.bridgeConfig(vehicles: 60, broker: broker)
        let service = try BridgeServices(config: config, logger: BridgeServiceTests.logger)
        let running = Task { try await service.run() }
        let watcher = try await Probe.start(url: broker.url, filter: "homeassistant/#")
        try await watcher.waitUntil(within: .seconds(20)) { !watcher.messagesSeen.isEmpty }
        await watcher.stop()
        try await broker.restart()
        try await Self.expectRetained(Self.configTopics(config), at: broker.url)
        running.cancel()
        _ = try? await running.value
    }

    /// Stopped while the discovery configs (3,000 of 150 vehicles) are going out and the broker
    /// does not answer: a quiet stop, without a warning for each config still waiting for its
    /// acknowledgement when the client shut down.
    @Test func stoppingDuringTheAnnouncementIsQuiet() async throws {
        let broker = try await MosquittoBroker.start(Self.brokerOptions)
        defer { Task { await broker.stop() } }
        let config = try Self.bridgeConfig(vehicles: 150, broker: broker)
        let handler = PriceTokenSecrecyTests.CapturingLogHandler()
        let logger = Logger(label: "bridge") { _ in handler }
        let probe = try await Probe.start(url: broker.url, filter: "#")
        let running = Task { try await BridgeServices(config: config, logger: logger).run() }
        // Online comes just before the announcement: from here the broker answers nothing, so a
        // window is surely waiting for its acknowledgements when the bridge stops.
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        broker.freeze()
        running.cancel()
        _ = try? await running.value
        broker.thaw()
        try await Task.sleep(for: .milliseconds(500))
        let seen = probe.messagesSeen.filter { $0.topic.hasPrefix("homeassistant/") }.count
        await probe.stop()
        let lines = handler.lines.value
        #expect(lines.contains { $0.contains("stopped") })
        #expect(!lines.contains { $0.contains("could not publish") }, "\(lines.filter { $0.contains("could not publish") }.prefix(3))")
        // Stopped part-way (else the test proves nothing).
        #expect(seen < 3_000)
    }

    /// The service tests' configuration (car1 with its energy counter) and cars 2 to `vehicles`.
    static func bridgeConfig(vehicles: Int, broker: MosquittoBroker) throws -> BridgeConfig {
        let more = (2...vehicles).map { "  - {id: car\($0)}" }.joined(separator: "\n")
        let path = try BridgeServiceTests.writeConfig(in: try BridgeServiceTests.temporaryFolder(), brokerURL: broker.url, extra: more)
        return try BridgeConfigLoader.load(path: path)
    }

    /// Every discovery config topic of `config`'s vehicles.
    static func configTopics(_ config: BridgeConfig) -> Set<String> {
        Set(HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages().map(\.topic))
    }

    /// By default mosquitto queues at most 1,000 messages for a client that is behind and drops
    /// the rest: a newcomer's 1,200 retained configs would be cut short on a busy machine.
    static let brokerOptions = MosquittoBroker.Options(extraConfiguration: ["max_queued_messages 0"])

    /// Waits (up to 20 s) until a newcomer gets exactly `expected` as retained messages.
    static func expectRetained(_ expected: Set<String>, at url: String) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        var seen: Set<String> = []
        while ContinuousClock.now < deadline {
            let probe = try await Probe.start(url: url, filter: "homeassistant/#")
            try await Task.sleep(for: .milliseconds(500))
            let topics = probe.messagesSeen.map(\.topic)
            await probe.stop()
            // (A newcomer may see a config twice: retained, and again from an announcement under way.)
            if Set(topics) == expected { return }
            seen = Set(topics)
        }
        let missing = expected.subtracting(seen).sorted()
        Issue.record("the broker retained \(seen.count) of \(expected.count) discovery configs; missing \(missing.prefix(3)) ... \(missing.suffix(3))")
    }

    private func waitUntil(within: Duration = .seconds(10), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("condition not met within \(within)")
    }
}
