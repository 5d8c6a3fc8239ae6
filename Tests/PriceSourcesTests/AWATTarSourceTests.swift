import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PriceSources
import Tariffs
import TestSupport

@Suite struct AWATTarSourceTests {
    private func source(_ server: LocalHTTPServer) -> AWATTarSource {
        AWATTarSource(zone: SourceFixtures.deLU, endpoint: server.baseURL.appendingPathComponent("v1/marketdata"))!
    }

    @Test func autumnDSTDayInQuarterHoursHasOneHundredPrices() async throws {
        let server = try LocalHTTPServer { _ in .recorded("awattar-2025-10-26-15min.json") }
        defer { server.stop() }
        let from = SourceFixtures.at("2025-10-25T22:00:00Z")
        let to = SourceFixtures.at("2025-10-26T23:00:00Z")
        let rows = try await source(server).prices(from: from, to: to)
        #expect(rows.count == 100)
        #expect(rows.reduce(0) { $0 + $1.end.timeIntervalSince($1.start) } == 25 * 3600)
        #expect(rows == SourceFixtures.rows(SourceFixtures.quarterHours, from: "2025-10-25T22:00:00Z", to: "2025-10-26T23:00:00Z"))
        let request = try #require(server.requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/v1/marketdata")
        #expect(request.query == ["start": "1761429600000", "end": "1761519600000"])
    }

    @Test func springDSTDayInHoursHasTwentyThreePrices() async throws {
        let server = try LocalHTTPServer { _ in .recorded("awattar-2025-03-30-60min.json") }
        defer { server.stop() }
        let rows = try await source(server).prices(from: SourceFixtures.at("2025-03-29T23:00:00Z"), to: SourceFixtures.at("2025-03-30T22:00:00Z"))
        #expect(rows.count == 23)
        #expect(rows.allSatisfy { $0.end.timeIntervalSince($0.start) == 3600 })
        #expect(rows == SourceFixtures.rows(SourceFixtures.hours, from: "2025-03-29T23:00:00Z", to: "2025-03-30T22:00:00Z"))
    }

    @Test func aDayNotYetPublishedIsEmptyNotAnError() async throws {
        let server = try LocalHTTPServer { _ in .recorded("awattar-empty.json") }
        defer { server.stop() }
        let rows = try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
        #expect(rows.isEmpty)
    }

    @Test(arguments: [
        (503, "aWATTar DE-LU: the server answered HTTP 503 (service unavailable)", true),
        (429, "aWATTar DE-LU: the server answered HTTP 429 (too many requests)", true),
        (404, "aWATTar DE-LU: the server answered HTTP 404 (not found)", false),
        (401, "aWATTar DE-LU: the server refused access (HTTP 401); aWATTar needs no login; check the endpoint URL", false),
    ])
    func httpErrorsAreOneSentence(status: Int, message: String, transient: Bool) async throws {
        let server = try LocalHTTPServer { _ in LocalHTTPServer.Response(status: status, contentType: "text/plain", body: Data("error".utf8)) }
        defer { server.stop() }
        do {
            _ = try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == message)
            #expect(error.isTransient == transient)
        }
        #expect(server.requests.count == 1)
    }

    @Test func notJSONIsMalformed() async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-no-data.xml") }
        defer { server.stop() }
        await #expect(throws: PriceSourceError.malformed(source: "aWATTar DE-LU", problem: "the body is not JSON")) {
            try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
        }
    }

    @Test func aClosedPortIsUnreachable() async throws {
        let refusing = LocalHTTPServer.refusingPort()
        defer { close(refusing.descriptor) }
        let source = AWATTarSource(zone: SourceFixtures.deLU, endpoint: URL(string: "http://127.0.0.1:\(refusing.port)/v1/marketdata")!)!
        await #expect(throws: PriceSourceError.unreachable(source: "aWATTar DE-LU", reason: "connection refused")) {
            try await source.prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
        }
    }

    @Test func onlyGermanyAndAustriaHaveAnAWATTarEndpoint() {
        #expect(AWATTarSource(zone: BiddingZone(named: "AT")!)?.endpoint.absoluteString == "https://api.awattar.at/v1/marketdata")
        #expect(AWATTarSource(zone: BiddingZone(named: "de-lu")!)?.endpoint.absoluteString == "https://api.awattar.de/v1/marketdata")
        #expect(AWATTarSource(zone: BiddingZone(named: "NL")!) == nil)
        #expect(BiddingZone(named: "Atlantis") == nil)
    }
}

@Suite struct PriceSourceSpecFetcherTests {
    @Test func specsBecomeTheirFetchers() throws {
        let awattar = PriceSourceSpec(kind: .awattar, zone: BiddingZone(named: "AT"))
        #expect((awattar.dayAheadSource() as? AWATTarSource)?.endpoint.absoluteString == "https://api.awattar.at/v1/marketdata")
        let entsoe = PriceSourceSpec(kind: .entsoe, zone: BiddingZone(named: "NL"), tokenVariable: "NL_TOKEN")
        let source = try #require(entsoe.dayAheadSource() as? ENTSOESource)
        #expect(source.tokenVariable == "NL_TOKEN")
        #expect(source.zone.eic == "10YNL----------L")
        #expect(source.name == "ENTSO-E NL")
        #expect(PriceSourceSpec(kind: .file, filePath: "/tmp/p.csv").dayAheadSource() == nil)
        #expect(PriceSourceSpec(kind: .mqtt, topic: "p").dayAheadSource() == nil)
    }
}
