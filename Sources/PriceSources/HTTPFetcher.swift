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
            let (data, response) = try await Self.data(for: request, in: session)
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

    /// `URLSession.data(for:)` by its completion-handler form. On Linux, cancelling a Swift
    /// task inside the async form can deadlock in FoundationNetworking (the task-status lock
    /// is held while the session queue is waited for); here cancellation cancels the data
    /// task from another queue and the request ends with `URLError.cancelled`.
    private static func data(for request: URLRequest, in session: URLSession) async throws -> (Data, URLResponse) {
        let box = DataTaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let data, let response {
                        continuation.resume(returning: (data, response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                let cancelled = box.start(task)
                task.resume()
                if cancelled { DispatchQueue.global().async { task.cancel() } }
            }
        } onCancel: {
            if let task = box.cancel() {
                DispatchQueue.global().async { task.cancel() }
            }
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

/// The data task of one request and whether its Swift task was cancelled, whichever comes first.
private final class DataTaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    /// Records the task; returns whether cancellation came before it.
    func start(_ task: URLSessionDataTask) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        self.task = task
        return cancelled
    }

    /// Records the cancellation; returns the task to cancel, if it has started.
    func cancel() -> URLSessionDataTask? {
        lock.lock()
        defer { lock.unlock() }
        cancelled = true
        return task
    }
}
