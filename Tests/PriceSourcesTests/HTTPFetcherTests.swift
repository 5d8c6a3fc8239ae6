import Foundation
import Testing
@testable import PriceSources
import TestSupport

/// The fetcher over libcurl (opened at the first request), against the test kit's HTTP server.
@Suite struct HTTPFetcherTests {
    @Test func plainGetReturnsStatusBodyAndSendsHeaders() async throws {
        let server = try LocalHTTPServer { _ in LocalHTTPServer.Response(status: 404, contentType: "text/plain", body: Data("nothing here".utf8)) }
        defer { server.stop() }
        let response = try await HTTPFetcher(timeout: 5).get(server.baseURL.appendingPathComponent("missing"), source: "test", headers: ["X-Test": "1"])
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "nothing here")
        #expect(server.requests.first?.path == "/missing")
        #expect(server.requests.first?.headers["x-test"] == "1")
        #expect(server.requests.first?.headers["user-agent"] == "chargebridge/0.1")
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let release = DispatchSemaphore(value: 0)
        let server = try LocalHTTPServer { _ in
            release.wait()
            return LocalHTTPServer.Response(body: Data())
        }
        defer { server.stop() }
        defer { release.signal() }
        let started = Date()
        await #expect(throws: PriceSourceError.unreachable(source: "test", reason: "timed out")) {
            try await HTTPFetcher(timeout: 1).get(server.baseURL, source: "test")
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aHostThatDoesNotResolveIsNotFound() async throws {
        await #expect(throws: PriceSourceError.unreachable(source: "test", reason: "host not found")) {
            try await HTTPFetcher(timeout: 5).get(URL(string: "http://no-such-host.invalid/")!, source: "test")
        }
    }
}
