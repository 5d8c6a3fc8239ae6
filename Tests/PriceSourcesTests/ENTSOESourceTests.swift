import Foundation
import Testing
@testable import PriceSources
import Tariffs
import TestSupport

@Suite struct ENTSOESourceTests {
    private static let token = "3f1c9a7e-2b4d-4e8f-9a61-c0ffee123456"

    private func source(_ server: LocalHTTPServer, token: String? = ENTSOESourceTests.token) -> ENTSOESource {
        ENTSOESource(zone: SourceFixtures.deLU, endpoint: server.baseURL.appendingPathComponent("api"), tokenVariable: "CB_TEST_ENTSOE_TOKEN",
                     environment: { token.map { ["CB_TEST_ENTSOE_TOKEN": $0] } ?? [:] })
    }

    @Test func quarterHourDocumentOnTheAutumnDSTDayFillsLeftOutPositions() async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-2025-10-26-15min.xml") }
        defer { server.stop() }
        let rows = try await source(server).prices(from: SourceFixtures.at("2025-10-25T22:00:00Z"), to: SourceFixtures.at("2025-10-26T23:00:00Z"))
        // Curve type A03 leaves out the positions whose price repeats; they are filled in.
        #expect(rows.count == 100)
        #expect(rows == SourceFixtures.rows(SourceFixtures.quarterHours, from: "2025-10-25T22:00:00Z", to: "2025-10-26T23:00:00Z"))
    }

    @Test func hourlyDocumentOnTheSpringDSTDay() async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-2025-03-30-60min.xml") }
        defer { server.stop() }
        let rows = try await source(server).prices(from: SourceFixtures.at("2025-03-29T23:00:00Z"), to: SourceFixtures.at("2025-03-30T22:00:00Z"))
        #expect(rows.count == 23)
        #expect(rows == SourceFixtures.rows(SourceFixtures.hours, from: "2025-03-29T23:00:00Z", to: "2025-03-30T22:00:00Z"))
    }

    @Test func requestCarriesTokenDocumentTypeZoneAndPeriod() async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-no-data.xml") }
        defer { server.stop() }
        _ = try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
        let request = try #require(server.requests.first)
        #expect(request.path == "/api")
        #expect(request.query == [
            "securityToken": Self.token, "documentType": "A44", "in_Domain": "10Y1001A1001A82H", "out_Domain": "10Y1001A1001A82H",
            "periodStart": "202606012200", "periodEnd": "202606022200",
        ])
    }

    @Test(arguments: [200, 400])
    func noMatchingDataIsAnEmptyDay(status: Int) async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-no-data.xml", status: status) }
        defer { server.stop() }
        let rows = try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
        #expect(rows.isEmpty)
    }

    @Test func missingTokenFailsBeforeAnyRequest() async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-no-data.xml") }
        defer { server.stop() }
        do {
            _ = try await source(server, token: nil).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "ENTSO-E DE-LU: the security token is missing; set the environment variable CB_TEST_ENTSOE_TOKEN")
        }
        #expect(server.requests.isEmpty)
    }

    @Test func unauthorizedNamesTheVariableNeverTheToken() async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-unauthorized.html", status: 401) }
        defer { server.stop() }
        do {
            _ = try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "ENTSO-E DE-LU: the server refused access (HTTP 401); check the security token in CB_TEST_ENTSOE_TOKEN")
            #expect(!"\(error)".contains(Self.token))
            #expect(!String(reflecting: error).contains(Self.token))
        }
    }

    @Test func acknowledgementWithAnotherReasonIsRejected() async throws {
        let server = try LocalHTTPServer { _ in .recorded("entsoe-bad-request.xml", status: 400) }
        defer { server.stop() }
        do {
            _ = try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("ENTSO-E DE-LU: the request was rejected: The combination of [in_Domain=10YXX-INVALID---"))
            #expect(!error.isTransient)
        }
    }

    @Test func serviceUnavailableIsTransient() async throws {
        let server = try LocalHTTPServer { _ in LocalHTTPServer.Response(status: 503, contentType: "text/html", body: Data("<html>maintenance</html>".utf8)) }
        defer { server.stop() }
        do {
            _ = try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "ENTSO-E DE-LU: the server answered HTTP 503 (service unavailable)")
            #expect(error.isTransient)
        }
    }

    @Test func brokenXMLIsMalformed() async throws {
        let server = try LocalHTTPServer { _ in LocalHTTPServer.Response(contentType: "application/xml", body: Data("<Publication_MarketDocument><TimeSeries>".utf8)) }
        defer { server.stop() }
        await #expect(throws: PriceSourceError.malformed(source: "ENTSO-E DE-LU", problem: "not well-formed XML")) {
            try await source(server).prices(from: SourceFixtures.at("2026-06-01T22:00:00Z"), to: SourceFixtures.at("2026-06-02T22:00:00Z"))
        }
    }

    @Test func finerResolutionWinsWhereSeriesOverlap() throws {
        let hourly = ENTSOEDocument.Period(start: "2025-10-01T22:00Z", end: "2025-10-01T23:00Z", resolution: "PT60M", points: [(1, 50)])
        let quarter = ENTSOEDocument.Period(start: "2025-10-01T22:00Z", end: "2025-10-01T23:00Z", resolution: "PT15M", points: [(1, 40), (3, 60)])
        let rows = try ENTSOEDocument.rows(of: [hourly, quarter])
        #expect(rows.map(\.price) == [40, 40, 60, 60])
        #expect(rows.first?.start == SourceFixtures.at("2025-10-01T22:00:00Z"))
    }
}
