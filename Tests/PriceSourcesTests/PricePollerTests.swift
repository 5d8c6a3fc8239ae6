import Foundation
import Testing
@testable import PriceSources
import Tariffs
import TestSupport

@Suite struct PricePollerTests {
    /// Known prices until local midnight before 2025-10-26 (the DST day), from the shared file.
    private func history() throws -> SpotPriceSeries {
        try SpotPriceSeries(rows: SourceFixtures.rows(SourceFixtures.quarterHours, from: "2025-10-18T22:00:00Z", to: "2025-10-25T22:00:00Z"), source: "prices")
    }

    @Test func failuresAreReportedOnceAndPricesMergedWhenTheyArrive() async throws {
        let failing = Recorder<Int>()
        let server = try LocalHTTPServer { _ in
            failing.append(1)
            return failing.values.count <= 3
                ? LocalHTTPServer.Response(status: 503, contentType: "text/plain", body: Data("busy".utf8))
                : .recorded("awattar-2025-10-26-15min.json")
        }
        defer { server.stop() }
        // 14:00 Berlin on Saturday 2025-10-25: Sunday's prices are due.
        let clock = TestClock(SourceFixtures.at("2025-10-25T12:00:00Z"))
        let statuses = Recorder<PriceSourceStatus>()
        let updates = Recorder<SpotPriceSeries>()
        let source = AWATTarSource(zone: SourceFixtures.deLU, endpoint: server.baseURL.appendingPathComponent("v1/marketdata"))!
        let poller = PricePoller(
            source: source, history: try history(), now: { clock.now }, sleep: { _ in },
            onPrices: { updates.append($0) }, onStatus: { statuses.append($0) }
        )
        var attempts: [Date] = []
        for _ in 0..<4 {
            let next = await poller.poll()
            attempts.append(next)
            clock.set(next)
        }
        // Backoff 5, 10, 20 minutes while failing; then, with Sunday known, Sunday's publication.
        let start = SourceFixtures.at("2025-10-25T12:00:00Z")
        #expect(attempts.prefix(3).map { $0.timeIntervalSince(start) } == [300, 900, 2100])
        #expect(attempts[3] == SourceFixtures.at("2025-10-26T12:05:00Z"))
        #expect(statuses.values == [
            .failing(.http(source: "aWATTar DE-LU", status: 503, detail: "service unavailable")),
            .upToDate(knownUntil: SourceFixtures.at("2025-10-26T23:00:00Z")),
        ])
        #expect(updates.values.count == 1)
        let merged = try #require(updates.values.first)
        #expect(merged.rows.count == 7 * 96 + 100)
        #expect(await poller.history == merged)
        // It asked from the start of today (corrections) to a day past what the market can have published.
        let query = try #require(server.requests.last?.query)
        #expect(query["start"] == "1761343200000") // 2025-10-24T22:00:00Z
        #expect(query["end"] == "1761606000000") // 2025-10-27T23:00:00Z
    }

    @Test func anUnpublishedDayIsWaitingNotFailing() async throws {
        let server = try LocalHTTPServer { _ in .recorded("awattar-empty.json") }
        defer { server.stop() }
        let clock = TestClock(SourceFixtures.at("2025-10-25T11:30:00Z"))
        let statuses = Recorder<PriceSourceStatus>()
        let updates = Recorder<SpotPriceSeries>()
        let poller = PricePoller(
            source: AWATTarSource(zone: SourceFixtures.deLU, endpoint: server.baseURL)!, history: try history(),
            now: { clock.now }, sleep: { _ in }, onPrices: { updates.append($0) }, onStatus: { statuses.append($0) }
        )
        let first = await poller.poll()
        let second = await poller.poll()
        #expect(first == SourceFixtures.at("2025-10-25T11:35:00Z"))
        #expect(second == SourceFixtures.at("2025-10-25T11:40:00Z"))
        #expect(statuses.values == [.waiting(knownUntil: SourceFixtures.at("2025-10-25T22:00:00Z"))])
        #expect(updates.values.isEmpty)
    }

    @Test func runStopsWhenCancelledMidRequest() async throws {
        // The server holds its answer until the poller has stopped: cancelling while the
        // request is in flight ends the poller without waiting for it and reports nothing.
        let release = DispatchSemaphore(value: 0)
        let server = try LocalHTTPServer { _ in
            release.wait()
            return .recorded("awattar-empty.json")
        }
        defer { server.stop() }
        let statuses = Recorder<PriceSourceStatus>()
        let poller = PricePoller(
            source: AWATTarSource(zone: SourceFixtures.deLU, endpoint: server.baseURL)!, history: try history(),
            now: { SourceFixtures.at("2025-10-25T11:30:00Z") }, sleep: { _ in try await Task.sleep(nanoseconds: 10_000_000_000) },
            onPrices: { _ in }, onStatus: { statuses.append($0) }
        )
        let task = Task { await poller.run() }
        while server.requests.isEmpty { try await Task.sleep(nanoseconds: 5_000_000) }
        task.cancel()
        await task.value
        release.signal()
        #expect(server.requests.count == 1)
        #expect(statuses.values.isEmpty)
        #expect(await poller.status == nil)
    }
}
