import CCurl
import Foundation

/// A plain HTTP(S) GET through libcurl: the status and body, transport failures as
/// `PriceSourceError.unreachable`. One request at a time, with a timeout, no retries (the
/// poller decides when to try again).
///
/// libcurl is opened only when the first request is made (`CCurl`), not linked: the
/// command line's other commands start without it and the dozens of TLS, Kerberos and LDAP
/// libraries it pulls in (FoundationNetworking's URLSession links them all at start-up).
/// The CA bundle is libcurl's default, or the file named by `URLSessionCertificateAuthorityInfoFile`
/// as FoundationNetworking did.
struct HTTPFetcher: Sendable {
    var timeout: TimeInterval = 30
    /// A CA bundle (PEM) to trust instead of libcurl's default.
    var certificateAuthorityFile: String? = ProcessInfo.processInfo.environment["URLSessionCertificateAuthorityInfoFile"]

    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// GETs `url`; `source` names the source in errors (never the URL, which may carry a token).
    func get(_ url: URL, source: String, headers: [String: String] = [:]) async throws(PriceSourceError) -> Response {
        let lines = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        let transfer = Transfer()
        let outcome: Transfer.Outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.start(url: url.absoluteString, headers: lines, caFile: certificateAuthorityFile,
                               timeout: timeout, continuation: continuation)
            }
        } onCancel: {
            transfer.cancel()
        }
        switch outcome {
        case let .response(status, body):
            return Response(status: status, body: body)
        case .cancelled:
            throw .unreachable(source: source, reason: "cancelled")
        case let .failed(code, message):
            throw .unreachable(source: source, reason: Self.describe(code: code, message: message))
        }
    }

    /// A short reason without the URL (which may carry a token), by libcurl's result code.
    static func describe(code: Int32, message: String) -> String {
        switch code {
        case -1: message // libcurl could not be loaded
        case 28: "timed out" // CURLE_OPERATION_TIMEDOUT
        case 7: "connection refused" // CURLE_COULDNT_CONNECT
        case 5, 6: "host not found" // CURLE_COULDNT_RESOLVE_PROXY, _HOST
        case 55, 56: "no network" // CURLE_SEND_ERROR, CURLE_RECV_ERROR
        case 35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98: "TLS handshake failed" // CURLE_SSL_*, PEER_FAILED_VERIFICATION
        case 1: "not an http or https URL" // CURLE_UNSUPPORTED_PROTOCOL
        default: "network error \(code)"
        }
    }
}

/// One GET on its own thread (libcurl's easy interface blocks) and its one outcome: the first
/// of the transfer's end and the Swift task's cancellation. A cancelled transfer is aborted at
/// libcurl's next progress call (within a second) and its outcome dropped.
private final class Transfer: @unchecked Sendable {
    enum Outcome: Sendable {
        case response(status: Int, body: Data)
        case failed(code: Int32, message: String)
        case cancelled
    }

    private let lock = NSLock()
    private var continuation: CheckedContinuation<Outcome, Never>?
    private var cancelled = false
    /// Written only by the transfer's thread.
    private var body = Data()

    func start(url: String, headers: [String], caFile: String?, timeout: TimeInterval,
               continuation: CheckedContinuation<Outcome, Never>) {
        lock.lock()
        if cancelled {
            lock.unlock()
            continuation.resume(returning: .cancelled)
            return
        }
        self.continuation = continuation
        lock.unlock()
        let milliseconds = Int(max(timeout, 0.001) * 1000)
        let thread = Thread { [self] in
            let outcome = perform(url: url, headers: headers, caFile: caFile, connectMs: milliseconds,
                                  idleSeconds: max(1, Int(timeout.rounded(.up))), totalMs: 2 * milliseconds)
            finish(outcome)
        }
        thread.name = "chargebridge-http"
        thread.start()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(returning: .cancelled)
    }

    private var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    private func finish(_ outcome: Outcome) {
        lock.lock()
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(returning: outcome)
    }

    private func perform(url: String, headers: [String], caFile: String?, connectMs: Int, idleSeconds: Int, totalMs: Int) -> Outcome {
        var outcome = chargebridge_http_outcome()
        let context = Unmanaged.passUnretained(self).toOpaque()
        let onBody: chargebridge_http_body = { data, size, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            if transfer.isCancelled { return 0 }
            if let data, size > 0 { transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size) }
            return size
        }
        let shouldAbort: chargebridge_http_abort = { context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().isCancelled ? 1 : 0
        }
        let cHeaders = headers.map { strdup($0) }
        defer { cHeaders.forEach { free($0) } }
        cHeaders.map { UnsafePointer($0) }.withUnsafeBufferPointer { lines in
            chargebridge_http_get(url, lines.baseAddress, lines.count, "chargebridge/0.1", caFile,
                                  connectMs, idleSeconds, totalMs, onBody, shouldAbort, context, &outcome)
        }
        if outcome.code == 0 { return .response(status: Int(outcome.status), body: body) }
        let message = withUnsafeBytes(of: outcome.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return .failed(code: outcome.code, message: message)
    }
}
