import CMosquitto
import Foundation
import Locking
import Logging

/// The libmosquitto handle, its network thread and the state shared with callers.
///
/// Threading: one dedicated network thread owns the connection. It alone connects, runs
/// `mosquitto_loop`, disconnects and finally destroys the handle, so every libmosquitto callback
/// runs on it. Callers only publish, subscribe and unsubscribe, which libmosquitto allows from
/// other threads in threaded mode; `apiLock` keeps those calls away from `mosquitto_destroy`.
/// Callbacks copy what they need, take `shared` for a moment and yield to `AsyncStream`
/// continuations: they never block and never touch actor-isolated code.
final class ClientCore: @unchecked Sendable {
    enum Ack: Sendable {
        case published(reasonCode: Int32)
        case subscribed(grantedOrReason: Int32)
        /// The connection dropped before the SUBACK: the broker forgot the SUBSCRIBE, the client
        /// has not (it sends it again on the next connect).
        case subscriptionPending
    }

    struct Shared {
        var state: MQTTConnectionState = .idle
        var observers: [Int: AsyncStream<MQTTConnectionState>.Continuation] = [:]
        var nextObserverID = 0
        /// Filters to restore on every connect, in the order they were first made.
        var subscriptions: [(filter: String, qos: MQTTQoS)] = []
        var waiting: [Int32: CheckedContinuation<Ack, any Error>] = [:]
        /// Message ids in `waiting` that belong to SUBSCRIBEs (no SUBACK survives a disconnect;
        /// a QoS 1/2 PUBLISH is sent again by libmosquitto and acknowledged later).
        var waitingSubscriptions: Set<Int32> = []
        /// Callers between "about to send, will wait for the acknowledgement" and "waiting": while
        /// any is, an acknowledgement nobody waits for yet is kept in `early` (it may be theirs:
        /// the broker can answer before the caller has registered its message id). When the last
        /// one registers, what is left in `early` belonged to nobody and is dropped. Fire-and-forget
        /// publishes cost no bookkeeping at all.
        var registering = 0
        var early: [Int32: Ack] = [:]
        var resubscriptions: [Int32: String] = [:]
        var started = false
        var stopRequested = false
        var exited = false
        var exitWaiters: [@Sendable () -> Void] = []
        /// Per connection attempt: what the CONNACK said and the last error libmosquitto logged.
        var connackAccepted = false
        var connackError: MQTTError?
        var lastLibraryError: String?
        /// QoS 1/2 messages published while not connected, in order, sent right after the next
        /// CONNACK. They are kept here rather than in libmosquitto's queue, which parks queued
        /// messages for good after several failed connection attempts.
        var offline: [OfflineMessage] = []
        /// Ids for offline messages until they get libmosquitto's (negative: never a real one).
        var nextOfflineID: Int32 = -1
        /// libmosquitto message id -> the offline id a caller waits on.
        var aliases: [Int32: Int32] = [:]
    }

    struct OfflineMessage {
        var id: Int32
        var topic: String
        var payload: [UInt8]
        var qos: MQTTQoS
        var retain: Bool
        var properties: MQTTPublishProperties
    }

    let configuration: MQTTConfiguration
    let logger: Logger
    let messages: AsyncStream<MQTTMessage>
    private let messageContinuation: AsyncStream<MQTTMessage>.Continuation
    /// With `deliversMessagesInBatches`: the messages of one turn of the network loop together.
    let messageBatches: AsyncStream<[MQTTMessage]>
    private let batchContinuation: AsyncStream<[MQTTMessage]>.Continuation
    /// Messages received in this turn of the network loop, not yet handed over (network thread only).
    private var batch: [MQTTMessage] = []
    private let handle: OpaquePointer
    private var connectProperties: OpaquePointer?
    private let shared = Locked(Shared())
    /// Held around every libmosquitto call made from a caller's thread, and around destroy.
    private let apiLock = NSLock()
    private var destroyed = false  // guarded by apiLock
    /// The network thread is inside `mosquitto_connect_bind_v5` (guarded by apiLock): the socket
    /// may exist before the CONNECT packet is queued, and a PUBLISH or SUBSCRIBE queued from
    /// another thread in that window would reach the broker first, which then drops the
    /// connection. Callers keep out of that window (publishes queue, subscriptions wait for the
    /// connect callback).
    private var inConnect = false
    /// Wakes the network thread from its reconnect backoff when a stop is requested.
    private let wakeUp = NSCondition()

    init(configuration: MQTTConfiguration, logger: Logger) throws {
        try Self.validate(configuration)
        MosquittoLibrary.ensureInitialised()
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "mqtt_client_id"] = "\(configuration.clientID)"
        self.logger = logger
        (messages, messageContinuation) = AsyncStream<MQTTMessage>.makeStream(bufferingPolicy: .unbounded)
        (messageBatches, batchContinuation) = AsyncStream<[MQTTMessage]>.makeStream(bufferingPolicy: .unbounded)

        let id = configuration.clientID.isEmpty ? nil : configuration.clientID
        guard let handle = mosquitto_new(id, configuration.cleanStart, nil) else {
            throw MQTTError.library(function: "mosquitto_new", detail: String(cString: strerror(errno)))
        }
        self.handle = handle
        do {
            try configureHandle()
        } catch {
            mosquitto_destroy(handle)
            mosquitto_property_free_all(&connectProperties)
            throw error
        }
    }

    deinit {
        // The network thread holds a strong reference while it runs, so here it has finished
        // (and destroyed the handle) or never started.
        apiLock.lock()
        if !destroyed {
            mosquitto_destroy(handle)
            destroyed = true
        }
        apiLock.unlock()
        mosquitto_property_free_all(&connectProperties)
    }

    // MARK: - Set-up

    private static func validate(_ configuration: MQTTConfiguration) throws {
        guard configuration.keepAliveSeconds >= 5, configuration.keepAliveSeconds <= 65535 else {
            throw MQTTError.invalidConfiguration("keep-alive must be between 5 and 65535 seconds, not \(configuration.keepAliveSeconds)")
        }
        if !configuration.cleanStart && configuration.clientID.isEmpty {
            throw MQTTError.invalidConfiguration("a persistent session (clean start off) needs a fixed client id")
        }
        guard configuration.reconnectDelayMin > .zero, configuration.reconnectDelayMax >= configuration.reconnectDelayMin else {
            throw MQTTError.invalidConfiguration("the reconnect delays must be positive, the maximum at least the minimum")
        }
        guard (1...65535).contains(configuration.maxInflightMessages) else {
            throw MQTTError.invalidConfiguration("maxInflightMessages must be between 1 and 65535")
        }
        if let will = configuration.will, mosquitto_pub_topic_check(will.topic) != MOSQ_ERR_SUCCESS.rawValue {
            throw MQTTError.invalidTopic(will.topic)
        }
        if configuration.broker.usesTLS, let tls = configuration.tls {
            let files = [("CA file", tls.caFile), ("client certificate file", tls.certificateFile), ("client key file", tls.keyFile)]
            for case let (role, path?) in files where !FileManager.default.fileExists(atPath: path) {
                throw MQTTError.fileMissing(role: role, path: path)
            }
            if (tls.certificateFile == nil) != (tls.keyFile == nil) {
                throw MQTTError.invalidConfiguration("a client certificate needs both certificateFile and keyFile")
            }
        }
    }

    private func check(_ rc: Int32, _ function: String) throws {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError.library(function: function, detail: MosquittoLibrary.describe(rc))
        }
    }

    private func configureHandle() throws {
        let config = configuration
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, config.protocolVersion.mosquittoValue), "mosquitto_int_option(protocol)")
        try check(mosquitto_threaded_set(handle, true), "mosquitto_threaded_set")
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "mosquitto_int_option(nodelay)")
        let inflight = Int32(config.maxInflightMessages)
        try check(mosquitto_int_option(handle, MOSQ_OPT_SEND_MAXIMUM, inflight), "mosquitto_int_option(send maximum)")
        try check(mosquitto_int_option(handle, MOSQ_OPT_RECEIVE_MAXIMUM, inflight), "mosquitto_int_option(receive maximum)")
        if config.username != nil || config.password != nil {
            try check(mosquitto_username_pw_set(handle, config.username, config.password), "mosquitto_username_pw_set")
        }
        if let will = config.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(handle, will.topic, Int32(bytes.count), bytes.baseAddress, will.qos.rawValue, will.retain)
            }
            try check(rc, "mosquitto_will_set")
        }
        if config.broker.usesTLS {
            let tls = config.tls ?? MQTTTLSOptions()
            if let caFile = tls.caFile {
                try check(mosquitto_tls_set(handle, caFile, nil, tls.certificateFile, tls.keyFile, nil), "mosquitto_tls_set")
            } else {
                try check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "mosquitto_int_option(os certs)")
                if tls.certificateFile != nil {
                    throw MQTTError.invalidConfiguration("a client certificate needs a CA file as well")
                }
            }
            try check(mosquitto_tls_opts_set(handle, 1, nil, nil), "mosquitto_tls_opts_set")
            try check(mosquitto_tls_insecure_set(handle, tls.insecure), "mosquitto_tls_insecure_set")
        }
        if config.protocolVersion == .v5 && !config.cleanStart {
            try check(mosquitto_property_add_int32(&connectProperties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), config.sessionExpirySeconds),
                      "mosquitto_property_add_int32(session expiry)")
        }
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_connect_v5_callback_set(handle) { _, userData, reasonCode, flags, _ in
            ClientCore.from(userData).onConnect(reasonCode: reasonCode, flags: flags)
        }
        mosquitto_message_v5_callback_set(handle) { _, userData, message, properties in
            guard let message else { return }
            ClientCore.from(userData).onMessage(message, properties)
        }
        mosquitto_publish_v5_callback_set(handle) { _, userData, mid, reasonCode, _ in
            ClientCore.from(userData).complete(mid: mid, with: .published(reasonCode: reasonCode))
        }
        mosquitto_subscribe_v5_callback_set(handle) { _, userData, mid, count, granted, _ in
            let first = (count > 0 && granted != nil) ? granted![0] : 0x80
            ClientCore.from(userData).complete(mid: mid, with: .subscribed(grantedOrReason: first))
        }
    }

    private static func from(_ userData: UnsafeMutableRawPointer?) -> ClientCore {
        Unmanaged<ClientCore>.fromOpaque(userData!).takeUnretainedValue()
    }

    // MARK: - State

    var state: MQTTConnectionState { shared.withLock { $0.state } }

    func stateUpdates() -> AsyncStream<MQTTConnectionState> {
        let (stream, continuation) = AsyncStream<MQTTConnectionState>.makeStream(bufferingPolicy: .unbounded)
        let (id, current, ended) = shared.withLock { shared -> (Int, MQTTConnectionState, Bool) in
            let id = shared.nextObserverID
            shared.nextObserverID += 1
            let ended = shared.exited
            if !ended { shared.observers[id] = continuation }
            return (id, shared.state, ended)
        }
        continuation.yield(current)
        if ended {
            continuation.finish()
        } else {
            continuation.onTermination = { [weak self] _ in
                _ = self?.shared.withLock { $0.observers.removeValue(forKey: id) }
            }
        }
        return stream
    }

    /// Moves to `state` unless the client already failed or shut down; tells every observer.
    private func setState(_ state: MQTTConnectionState) {
        let observers = shared.withLock { shared -> [AsyncStream<MQTTConnectionState>.Continuation]? in
            switch shared.state {
            case .shutDown: return nil
            case .failed where state != .shutDown: return nil
            default: break
            }
            guard shared.state != state else { return nil }
            shared.state = state
            return Array(shared.observers.values)
        }
        for observer in observers ?? [] { observer.yield(state) }
    }

    // MARK: - Start and stop

    /// Starts the network thread once. Later calls do nothing.
    func start() {
        let first = shared.withLock { shared -> Bool in
            guard !shared.started, !shared.stopRequested else { return false }
            shared.started = true
            return true
        }
        guard first else { return }
        setState(.connecting)
        let thread = Thread { [self] in runNetworkLoop() }
        thread.name = "mqtt \(configuration.clientID)"
        thread.start()
    }

    /// Asks the network thread to disconnect cleanly and finish; calls `onExit` once it has
    /// destroyed the handle (at once if it never ran).
    func requestStop(onExit: @escaping @Sendable () -> Void) {
        let (runsThread, alreadyExited) = shared.withLock { shared -> (Bool, Bool) in
            shared.stopRequested = true
            if shared.started && !shared.exited {
                shared.exitWaiters.append(onExit)
                return (true, false)
            }
            return (shared.started, shared.exited)
        }
        wakeUp.lock()
        wakeUp.broadcast()
        wakeUp.unlock()
        if !runsThread || alreadyExited {
            destroyHandle()
            finish()
            onExit()
        }
    }

    private var stopRequested: Bool { shared.withLock { $0.stopRequested } }

    /// Why calls fail once the network thread is gone: the fatal error, or `.shutDown`.
    private var terminalError: MQTTError {
        if case .failed(let error) = state { return error }
        return .shutDown
    }

    private func destroyHandle() {
        apiLock.lock()
        if !destroyed {
            mosquitto_destroy(handle)
            destroyed = true
        }
        apiLock.unlock()
    }

    /// Ends every stream and wakes every waiter: nothing reaches the caller after this.
    private func finish() {
        setState(.shutDown)
        endConnection(with: .shutDown)
        let observers = shared.withLock { shared in
            defer { shared.observers = [:] }
            return Array(shared.observers.values)
        }
        for observer in observers { observer.finish() }
    }

    /// The network thread is gone (stopped, or failed for good): ends the message stream, fails
    /// the callers still waiting for an acknowledgement and wakes `shutdown()`. State observers
    /// stay until `finish()`, so that they see `.failed` and then `.shutDown`.
    private func endConnection(with error: MQTTError) {
        let (waiting, exitWaiters) = shared.withLock { shared in
            shared.exited = true
            defer {
                shared.waiting = [:]
                shared.waitingSubscriptions = []
                shared.exitWaiters = []
                shared.early = [:]
            }
            return (Array(shared.waiting.values), shared.exitWaiters)
        }
        messageContinuation.finish()
        batchContinuation.finish()
        for waiter in waiting { waiter.resume(throwing: error) }
        for exitWaiter in exitWaiters { exitWaiter() }
    }

    // MARK: - The network thread

    private func runNetworkLoop() {
        let config = configuration
        let endpoint = config.broker.endpoint
        var delay = config.reconnectDelayMin
        var failure: MQTTError?
        while !stopRequested {
            shared.withLock {
                $0.connackAccepted = false
                $0.connackError = nil
                $0.lastLibraryError = nil
                $0.resubscriptions = [:]
            }
            // Only while connecting: libmosquitto formats a log line for every packet otherwise.
            mosquitto_log_callback_set(handle) { _, userData, level, text in
                guard let text, level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0 else { return }
                ClientCore.from(userData).recordLibraryError(String(cString: text))
            }
            apiLock.withLock { inConnect = true }
            var rc = mosquitto_connect_bind_v5(handle, config.broker.host, Int32(config.broker.port),
                                               Int32(config.keepAliveSeconds), nil, connectProperties)
            var lastErrno = errno
            apiLock.withLock { inConnect = false }
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                var streaming = false
                repeat {
                    rc = mosquitto_loop(handle, 100, 1)
                    if rc == MOSQ_ERR_SUCCESS.rawValue { rc = drainReadableBytes() }
                    lastErrno = errno
                    let handedOver = handOverBatch()
                    // Messages in two turns running: they stream in (a broker writes each one on
                    // its own, so a turn that runs as soon as the socket stirs finds one or two).
                    // A pause lets the next turn's batch fill: one wake-up here and one of the
                    // consumer per half millisecond of messages, not per message or two. A
                    // message after a quiet spell is read at once.
                    if handedOver > 0 && streaming && rc == MOSQ_ERR_SUCCESS.rawValue { usleep(Self.streamingPauseMicroseconds) }
                    streaming = handedOver > 0
                } while rc == MOSQ_ERR_SUCCESS.rawValue && mosquitto_socket(handle) >= 0 && !stopRequested
            }
            mosquitto_log_callback_set(handle, nil)
            releaseSubscriptionWaiters()
            if stopRequested { break }

            let attempt = shared.withLock { ($0.connackAccepted, $0.connackError, $0.lastLibraryError) }
            let error = classify(rc, errnoValue: lastErrno, accepted: attempt.0, connackError: attempt.1,
                                 libraryError: attempt.2, endpoint: endpoint)
            if let error, error.isFatal {
                logger.error("MQTT client gave up: \(error)", metadata: ["broker": "\(config.broker)"])
                setState(.failed(error))
                failure = error
                break
            }
            if attempt.0 {
                delay = config.reconnectDelayMin
                logger.warning("MQTT connection lost, reconnecting", metadata: ["broker": "\(config.broker)"])
            } else {
                logger.warning("MQTT connection attempt failed, retrying in \(delay)",
                               metadata: ["broker": "\(config.broker)", "error": "\(error.map { "\($0)" } ?? "closed")"])
            }
            setState(.reconnecting(lastError: error))
            sleepUnlessStopped(for: delay)
            delay = min(delay * 2, config.reconnectDelayMax)
        }

        if mosquitto_socket(handle) >= 0 {
            // A clean DISCONNECT: the broker keeps the session and does not publish the will.
            mosquitto_disconnect_v5(handle, 0, nil)
            for _ in 0..<40 {
                let rc = mosquitto_loop(handle, 25, 1)
                if rc != MOSQ_ERR_SUCCESS.rawValue || mosquitto_socket(handle) < 0 { break }
            }
        }
        destroyHandle()
        logger.debug("MQTT network thread ended", metadata: ["broker": "\(config.broker)"])
        if let failure, !stopRequested {
            endConnection(with: failure)
        } else {
            finish()
        }
    }

    /// The connection is gone: SUBACKs still awaited will never come. Their callers return (the
    /// subscription is remembered and sent again on connect) instead of waiting forever.
    private func releaseSubscriptionWaiters() {
        let waiters = shared.withLock { shared -> [CheckedContinuation<Ack, any Error>] in
            defer { shared.waitingSubscriptions = [] }
            return shared.waitingSubscriptions.compactMap { shared.waiting.removeValue(forKey: $0) }
        }
        for waiter in waiters { waiter.resume(returning: .subscriptionPending) }
    }

    /// `mosquitto_loop` handles one incoming packet per `pselect`; under a burst, read on while
    /// the socket has bytes waiting (at most 256 packets, so that acknowledgements still go out).
    /// A read that finds the socket empty, or the next packet not complete yet, returns with
    /// `EAGAIN`: that ends the turn. (Asking `FIONREAD` before every packet was one system call
    /// more per message.)
    private func drainReadableBytes() -> Int32 {
        for _ in 0..<256 {
            guard mosquitto_socket(handle) >= 0 else { return MOSQ_ERR_SUCCESS.rawValue }
            errno = 0
            let rc = mosquitto_loop_read(handle, 1)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { return rc }
            if errno == EAGAIN || errno == EWOULDBLOCK { return MOSQ_ERR_SUCCESS.rawValue }
        }
        return MOSQ_ERR_SUCCESS.rawValue
    }

    private func sleepUnlessStopped(for delay: Duration) {
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: seconds)
        wakeUp.lock()
        while !stopRequested && Date() < deadline {
            _ = wakeUp.wait(until: deadline)
        }
        wakeUp.unlock()
    }

    /// Turns the end of one connection attempt into the error the caller sees (nil for a plain
    /// loss of an established connection).
    private func classify(_ rc: Int32, errnoValue: Int32, accepted: Bool, connackError: MQTTError?,
                          libraryError: String?, endpoint: String) -> MQTTError? {
        if let connackError { return connackError }
        // An OpenSSL error before the CONNACK is a refused handshake, whatever code libmosquitto
        // returned for it (a TLS 1.3 alert after the handshake surfaces as a lost connection).
        if !accepted, let libraryError, libraryError.contains("OpenSSL") || libraryError.contains("certificate") {
            return .tlsHandshakeFailed(endpoint: endpoint, detail: Self.plainTLSDetail(libraryError))
        }
        switch rc {
        case MOSQ_ERR_TLS.rawValue, MOSQ_ERR_TLS_HANDSHAKE.rawValue:
            if !accepted, let libraryError {
                return .tlsHandshakeFailed(endpoint: endpoint, detail: Self.plainTLSDetail(libraryError))
            }
            return accepted ? nil : .unreachable(endpoint: endpoint, detail: "the TLS connection was closed")
        case MOSQ_ERR_ERRNO.rawValue where !accepted:
            return .unreachable(endpoint: endpoint, detail: String(cString: strerror(errnoValue)).lowercased())
        case MOSQ_ERR_EAI.rawValue:
            return .unreachable(endpoint: endpoint, detail: "host name not found")
        default:
            if accepted { return nil }
            if configuration.broker.usesTLS == false && rc == MOSQ_ERR_CONN_LOST.rawValue {
                return .unreachable(endpoint: endpoint, detail: "the broker closed the connection before answering; is it a TLS port?")
            }
            return .unreachable(endpoint: endpoint, detail: MosquittoLibrary.describe(rc).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")))
        }
    }

    /// "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed" -> "certificate verify failed".
    static func plainTLSDetail(_ text: String) -> String {
        var detail = text
        if let range = text.range(of: ":", options: .backwards) {
            let tail = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            if !tail.isEmpty { detail = tail }
        }
        if detail.hasPrefix("Error: ") { detail = String(detail.dropFirst(7)) }
        if detail.hasSuffix("alert certificate required") { return "the broker requires a client certificate" }
        return detail
    }

    // MARK: - Callbacks (network thread; or any caller thread for the log callback)

    private func recordLibraryError(_ text: String) {
        // libmosquitto's own error lines never contain the password.
        guard text.contains("Error") || text.contains("error") else { return }
        shared.withLock { $0.lastLibraryError = text }
    }

    private func onConnect(reasonCode: Int32, flags: Int32) {
        if reasonCode == 0 {
            shared.withLock {
                $0.connackAccepted = true
                $0.connackError = nil
            }
            // A SUBSCRIBE sent around the previous disconnect may have been dropped unanswered;
            // its filter is among those restored below.
            releaseSubscriptionWaiters()
            let subscriptions = shared.withLock { $0.subscriptions }
            var sent: [(Int32, String)] = []
            for subscription in subscriptions {
                var mid: Int32 = 0
                let rc = mosquitto_subscribe_v5(handle, &mid, subscription.filter, subscription.qos.rawValue, 0, nil)
                if rc == MOSQ_ERR_SUCCESS.rawValue { sent.append((mid, subscription.filter)) }
            }
            shared.withLock { shared in
                for (mid, filter) in sent { shared.resubscriptions[mid] = filter }
            }
            sendOfflineMessages()
            // Connected: from here on libmosquitto would format a log line for every packet.
            mosquitto_log_callback_set(handle, nil)
            logger.info("MQTT connected", metadata: ["broker": "\(configuration.broker)",
                                                     "session_present": "\(flags & 1 == 1)",
                                                     "subscriptions": "\(subscriptions.count)"])
            // `.connected` means the subscriptions are live: with some to restore, it waits for
            // their SUBACKs (see `complete(mid:with:)`).
            if sent.isEmpty { setState(.connected) }
            return
        }
        // The network thread reads this when mosquitto_loop returns and decides: fatal or retry.
        let error = connackError(reasonCode)
        shared.withLock { $0.connackError = error }
    }

    /// Sends the messages published while offline, oldest first. Each leaves the queue only once
    /// handed to libmosquitto, so a publish made meanwhile queues behind it and order holds.
    private func sendOfflineMessages() {
        while let next = shared.withLock({ $0.offline.first }) {
            do {
                let mid = try send(topic: next.topic, payload: next.payload, qos: next.qos, retain: next.retain, properties: next.properties)
                shared.withLock { shared in
                    shared.aliases[mid] = next.id
                    shared.offline.removeFirst()
                }
            } catch {
                // Lost the connection again: the rest waits for the next CONNACK.
                logger.warning("MQTT could not send a queued message", metadata: ["topic": "\(next.topic)", "error": "\(error)"])
                return
            }
        }
    }

    private func connackError(_ code: Int32) -> MQTTError {
        let user = configuration.username
        let endpoint = configuration.broker.endpoint
        if configuration.protocolVersion == .v311 {
            switch code {
            case 4, 5:
                return .loginRefused(username: user, reason: user == nil ? "the broker requires a user name" : "bad user name or password")
            case 3:
                return .unreachable(endpoint: endpoint, detail: "the broker is unavailable")
            default:
                return .connectionRefused(endpoint: endpoint, reason: String(cString: mosquitto_connack_string(code)).lowercased())
            }
        }
        switch code {
        case 134, 135:
            return .loginRefused(username: user, reason: user == nil ? "the broker requires a user name" : "bad user name or password")
        case 136, 137, 139, 159:
            return .unreachable(endpoint: endpoint, detail: MosquittoLibrary.reason(code))
        default:
            return .connectionRefused(endpoint: endpoint, reason: MosquittoLibrary.reason(code))
        }
    }

    private func onMessage(_ message: UnsafePointer<mosquitto_message>, _ properties: OpaquePointer?) {
        let receivedAt = ContinuousClock.now
        let raw = message.pointee
        guard let topicPointer = raw.topic else { return }
        let topic = String(cString: topicPointer)
        let payload: [UInt8]
        if raw.payloadlen > 0, let bytes = raw.payload {
            payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(raw.payloadlen)))
        } else {
            payload = []
        }
        var contentType: String?
        if let properties {
            var value: UnsafeMutablePointer<CChar>?
            if mosquitto_property_read_string(properties, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), &value, false) != nil, let value {
                contentType = String(cString: value)
                free(value)
            }
        }
        let received = MQTTMessage(topic: topic, payload: payload, qos: MQTTQoS(rawValue: raw.qos) ?? .atMostOnce,
                                   retain: raw.retain, contentType: contentType, receivedAt: receivedAt)
        if configuration.deliversMessagesInBatches {
            batch.append(received)
        } else {
            messageContinuation.yield(received)
        }
    }

    /// With `deliversMessagesInBatches`, how long the network thread pauses after a turn that
    /// followed another turn with messages (see `runNetworkLoop`): the most it adds to the
    /// latency of a message that arrives amid a stream of them (and of a publish made meanwhile).
    static let streamingPauseMicroseconds: useconds_t = 500

    /// Hands the messages of this turn of the network loop over as one batch (network thread):
    /// one stream element and one wake-up of the consumer for up to a few hundred messages.
    /// Returns how many (0 without `deliversMessagesInBatches`: nothing to pause for).
    private func handOverBatch() -> Int {
        guard !batch.isEmpty else { return 0 }
        let count = batch.count
        batchContinuation.yield(batch)
        batch.removeAll(keepingCapacity: true)
        return count
    }

    /// A PUBACK/PUBCOMP (or a QoS 0 publish written) or a SUBACK for `mid`.
    private func complete(mid: Int32, with ack: Ack) {
        enum Outcome { case resume(CheckedContinuation<Ack, any Error>), resubscribed(String, last: Bool), none }
        let outcome = shared.withLock { shared -> Outcome in
            let mid = shared.aliases.removeValue(forKey: mid) ?? mid
            if let waiter = shared.waiting.removeValue(forKey: mid) {
                shared.waitingSubscriptions.remove(mid)
                return .resume(waiter)
            }
            if let filter = shared.resubscriptions.removeValue(forKey: mid) {
                return .resubscribed(filter, last: shared.resubscriptions.isEmpty)
            }
            if shared.registering > 0 { shared.early[mid] = ack }
            return .none
        }
        switch outcome {
        case .resume(let waiter):
            waiter.resume(returning: ack)
        case .resubscribed(let filter, let last):
            if case .subscribed(let code) = ack, code >= 0x80 {
                logger.error("MQTT broker refused a restored subscription", metadata: ["filter": "\(filter)", "reason": "\(MosquittoLibrary.reason(code))"])
            }
            if last { setState(.connected) }
        case .none:
            break
        }
    }

    // MARK: - Calls from callers' threads

    /// Call before sending something whose acknowledgement the caller will wait for; then
    /// `acknowledgement(of:)` with its message id, or `cancelAwaiting()` if sending failed.
    func beginAwaiting() {
        shared.withLock { $0.registering += 1 }
    }

    func cancelAwaiting() {
        shared.withLock { Self.endRegistration(&$0) }
    }

    private static func endRegistration(_ shared: inout Shared) {
        shared.registering -= 1
        if shared.registering == 0 { shared.early.removeAll(keepingCapacity: true) }
    }

    /// Waits for the acknowledgement of `mid` (after `beginAwaiting()`), or `.shutDown`.
    func acknowledgement(of mid: Int32, subscription: Bool = false) async throws -> Ack {
        try await withCheckedThrowingContinuation { continuation in
            let result = shared.withLock { shared -> Result<Ack, MQTTError>? in
                defer { Self.endRegistration(&shared) }
                if shared.exited { return .failure(.shutDown) }
                if let ack = shared.early.removeValue(forKey: mid) { return .success(ack) }
                shared.waiting[mid] = continuation
                if subscription { shared.waitingSubscriptions.insert(mid) }
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// Sends a PUBLISH (or queues it while disconnected, QoS 1/2) and returns its message id.
    func publish(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, properties: MQTTPublishProperties) throws -> Int32 {
        apiLock.lock()
        defer { apiLock.unlock() }
        guard !destroyed, !stopRequested else { throw terminalError }
        let connected = !inConnect && mosquitto_socket(handle) >= 0
        if let offlineID = shared.withLock({ shared -> Int32? in
            // Not connected (or earlier offline messages still going out): queue it, in order.
            guard !(connected && shared.connackAccepted && shared.offline.isEmpty), qos != .atMostOnce else { return nil }
            let id = shared.nextOfflineID
            shared.nextOfflineID = id == Int32.min ? -1 : id - 1
            shared.offline.append(OfflineMessage(id: id, topic: topic, payload: payload, qos: qos, retain: retain, properties: properties))
            return id
        }) {
            return offlineID
        }
        if !connected { throw MQTTError.notConnected(topic: topic) }
        return try send(topic: topic, payload: payload, qos: qos, retain: retain, properties: properties)
    }

    /// Sends through libmosquitto and returns its message id.
    private func send(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, properties: MQTTPublishProperties) throws -> Int32 {
        var propertyList: OpaquePointer?
        defer { mosquitto_property_free_all(&propertyList) }
        if configuration.protocolVersion == .v5 {
            if let contentType = properties.contentType {
                try check(mosquitto_property_add_string(&propertyList, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), contentType), "mosquitto_property_add_string(content type)")
            }
            if let expiry = properties.messageExpirySeconds {
                try check(mosquitto_property_add_int32(&propertyList, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry), "mosquitto_property_add_int32(message expiry)")
            }
        }
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos.rawValue, retain, propertyList)
        }
        switch rc {
        case MOSQ_ERR_SUCCESS.rawValue: return mid
        // QoS 1/2: libmosquitto has queued the message and sends it after the next CONNACK.
        case MOSQ_ERR_NO_CONN.rawValue where qos != .atMostOnce: return mid
        case MOSQ_ERR_NO_CONN.rawValue: throw MQTTError.notConnected(topic: topic)
        case MOSQ_ERR_INVAL.rawValue, MOSQ_ERR_MALFORMED_UTF8.rawValue: throw MQTTError.invalidTopic(topic)
        default: throw MQTTError.library(function: "mosquitto_publish_v5", detail: MosquittoLibrary.describe(rc))
        }
    }

    /// Remembers `filter` for every future connect and returns the SUBSCRIBE's message id when
    /// it could be sent now (nil while disconnected: the next connect sends it).
    func subscribe(filter: String, qos: MQTTQoS) throws -> Int32? {
        shared.withLock { shared in
            if let index = shared.subscriptions.firstIndex(where: { $0.filter == filter }) {
                shared.subscriptions[index].qos = qos
            } else {
                shared.subscriptions.append((filter, qos))
            }
        }
        apiLock.lock()
        defer { apiLock.unlock() }
        guard !destroyed, !stopRequested else { throw terminalError }
        // Before the CONNACK the filter is sent by the connect callback with the others.
        guard !inConnect, shared.withLock({ $0.connackAccepted }) else { return nil }
        var mid: Int32 = 0
        let rc = mosquitto_subscribe_v5(handle, &mid, filter, qos.rawValue, 0, nil)
        switch rc {
        case MOSQ_ERR_SUCCESS.rawValue: return mid
        case MOSQ_ERR_NO_CONN.rawValue: return nil
        default: throw MQTTError.library(function: "mosquitto_subscribe_v5", detail: MosquittoLibrary.describe(rc))
        }
    }

    func forgetSubscription(_ filter: String) {
        shared.withLock { $0.subscriptions.removeAll { $0.filter == filter } }
    }

    func unsubscribe(filter: String) throws {
        forgetSubscription(filter)
        apiLock.lock()
        defer { apiLock.unlock() }
        guard !destroyed, !stopRequested else { throw terminalError }
        var mid: Int32 = 0
        let rc = mosquitto_unsubscribe_v5(handle, &mid, filter, nil)
        guard rc == MOSQ_ERR_SUCCESS.rawValue || rc == MOSQ_ERR_NO_CONN.rawValue else {
            throw MQTTError.library(function: "mosquitto_unsubscribe_v5", detail: MosquittoLibrary.describe(rc))
        }
    }

    /// Closes the TCP connection under libmosquitto's feet, as a dying process or a cut cable
    /// would: no DISCONNECT is sent, so the broker publishes the will.
    func dropConnectionAbruptly() {
        apiLock.lock()
        defer { apiLock.unlock() }
        guard !destroyed else { return }
        let socket = mosquitto_socket(handle)
        if socket >= 0 { _ = Foundation.shutdown(socket, Int32(SHUT_RDWR)) }
    }
}
