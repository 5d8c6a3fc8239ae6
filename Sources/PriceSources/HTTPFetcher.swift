import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP GET over URLSession: the status and body, transport failures as
/// `PriceSourceError.unreachable`. One request at a time, with a timeout, no retries (the
/// poller decides when to try again).
struct HTTPFetcher: Sendable {
    var timeout: TimeInterval = 30

    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// GETs `url`; `displayURL` is what messages show (without secrets).
    func get(_ url: URL, source: String, headers: [String: String] = [:]) async throws(PriceSourceError) -> Response {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "GET"
        request.setValue("chargebridge/0.1", forHTTPHeaderField: "User-Agent")
        for (field, value) in headers { request.setValue(value, forHTTPHeaderField: field) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                throw PriceSourceError.malformed(source: source, problem: "not an HTTP response")
            }
            return Response(status: http.statusCode, body: data)
        } catch let error as PriceSourceError {
            throw error
        } catch let error as URLError {
            throw .unreachable(source: source, reason: Self.describe(error))
        } catch {
            throw .unreachable(source: source, reason: error.localizedDescription)
        }
    }

    /// A short reason without the URL (which may carry a token).
    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: "timed out"
        case .cannotConnectToHost: "connection refused"
        case .cannotFindHost, .dnsLookupFailed: "host not found"
        case .notConnectedToInternet, .networkConnectionLost: "no network"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate: "TLS handshake failed"
        default: "network error \(error.code.rawValue)"
        }
    }
}
