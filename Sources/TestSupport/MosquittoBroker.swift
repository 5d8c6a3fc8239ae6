import Foundation

/// A real `mosquitto` (Debian's /usr/sbin/mosquitto) on a free 127.0.0.1 port, with a generated
/// configuration in a temporary directory.
///
/// ```swift
/// let broker = try await MosquittoBroker.start()          // anonymous, plain TCP
/// defer { Task { await broker.stop() } }                   // or `await broker.stop()` at the end
/// let url = broker.url                                     // "mqtt://127.0.0.1:PORT"
/// await broker.kill(); try await broker.launch()          // SIGKILL, then again on the same port
/// ```
///
/// The broker is always stopped with SIGKILL: a child of Foundation `Process` started from async
/// code may ignore SIGTERM.
public final class MosquittoBroker: @unchecked Sendable {
    /// What the generated mosquitto.conf says.
    public struct Options: Sendable {
        /// User name -> password, written with `mosquitto_passwd`. Non-empty means no anonymous login.
        public var users: [String: String]
        /// The text of an ACL file (`user NAME` / `topic read|write|readwrite FILTER` lines), or nil.
        public var aclRules: String?
        /// Serve TLS with this server certificate.
        public var tls: TestCertificates?
        /// With `tls`: clients must present a certificate signed by the same CA.
        public var requireClientCertificate: Bool
        /// Extra lines appended to mosquitto.conf (for instance `max_queued_messages 100000`).
        public var extraConfiguration: [String]

        public init(users: [String: String] = [:], aclRules: String? = nil, tls: TestCertificates? = nil,
                    requireClientCertificate: Bool = false, extraConfiguration: [String] = []) {
            self.users = users
            self.aclRules = aclRules
            self.tls = tls
            self.requireClientCertificate = requireClientCertificate
            self.extraConfiguration = extraConfiguration
        }
    }

    public static let executable = "/usr/sbin/mosquitto"

    /// The port, fixed for the broker's life (restarts reuse it).
    public let port: Int
    /// The temporary directory holding mosquitto.conf, the password and ACL files and mosquitto.log.
    public let directory: URL
    public let options: Options
    private let lock = NSLock()
    private var process: Process?

    deinit {
        // A test that threw before `stop()` must not leave a broker behind.
        if let process, process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
    }

    /// `mqtt://127.0.0.1:PORT`, or `mqtts://` with TLS.
    public var url: String { "\(options.tls == nil ? "mqtt" : "mqtts")://127.0.0.1:\(port)" }

    /// Writes the configuration on a free port without starting the broker (see `launch()`).
    public init(options: Options = Options(), port: Int? = nil) throws {
        self.options = options
        self.port = try port ?? freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mosquitto-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try writeConfiguration()
    }

    /// Writes the configuration, starts the broker and waits until it accepts connections.
    public static func start(_ options: Options = Options()) async throws -> MosquittoBroker {
        let broker = try MosquittoBroker(options: options)
        do {
            try await broker.launch()
        } catch {
            await broker.stop()
            throw error
        }
        return broker
    }

    private var configurationFile: URL { directory.appendingPathComponent("mosquitto.conf") }
    public var logFile: URL { directory.appendingPathComponent("mosquitto.log") }

    private func writeConfiguration() throws {
        var lines = [
            "listener \(port) 127.0.0.1",
            "allow_anonymous \(options.users.isEmpty ? "true" : "false")",
            "user root",
            "persistence false",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
        ]
        if !options.users.isEmpty {
            let passwordFile = directory.appendingPathComponent("passwords").path
            for (index, (user, password)) in options.users.sorted(by: { $0.key < $1.key }).enumerated() {
                try runTool("/usr/bin/mosquitto_passwd", (index == 0 ? ["-c"] : []) + ["-b", passwordFile, user, password])
            }
            lines.append("password_file \(passwordFile)")
        }
        if let aclRules = options.aclRules {
            let aclFile = directory.appendingPathComponent("acl")
            try aclRules.write(to: aclFile, atomically: true, encoding: .utf8)
            lines.append("acl_file \(aclFile.path)")
        }
        if let tls = options.tls {
            lines += ["cafile \(tls.caFile)", "certfile \(tls.serverCertificateFile)", "keyfile \(tls.serverKeyFile)"]
            if options.requireClientCertificate { lines.append("require_certificate true") }
        }
        lines += options.extraConfiguration
        try (lines.joined(separator: "\n") + "\n").write(to: configurationFile, atomically: true, encoding: .utf8)
    }

    /// Starts the broker (again) on `port` and waits (up to 15 s) until it accepts connections.
    public func launch() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-c", configurationFile.path]
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()  // the child has its own descriptor
        lock.withLock { self.process = process }
        RunningBrokers.shared.add(process.processIdentifier)
        // Generous, and checked once more at the end: on a busy machine (CPU-bound tests on every
        // core) this task may not run again before the deadline although the broker is up.
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if loopbackPortAcceptsConnections(port) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning && loopbackPortAcceptsConnections(port) { return }
        let logText = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        await kill()
        throw TestSupportError("mosquitto did not accept connections on 127.0.0.1:\(port) within 15 s: \(logText)")
    }

    /// SIGKILLs the broker (if running) and waits until it is gone and the port is closed.
    public func kill() async {
        guard let process = lock.withLock({ () -> Process? in
            defer { self.process = nil }
            return self.process
        }) else { return }
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
        RunningBrokers.shared.remove(process.processIdentifier)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// SIGSTOPs the broker: connections stay open but nothing is answered (a hung broker).
    public func freeze() {
        if let process = lock.withLock({ self.process }), process.isRunning {
            Foundation.kill(process.processIdentifier, SIGSTOP)
        }
    }

    /// SIGCONTs a frozen broker.
    public func thaw() {
        if let process = lock.withLock({ self.process }), process.isRunning {
            Foundation.kill(process.processIdentifier, SIGCONT)
        }
    }

    /// SIGKILLs the broker and starts it again on the same port.
    public func restart() async throws {
        await kill()
        try await launch()
    }

    /// SIGKILLs the broker and removes its temporary directory (certificates elsewhere stay).
    public func stop() async {
        await kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The broker's log so far (errors, warnings, notices), for failure messages.
    public func logText() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}

/// Brokers still running, SIGKILLed when the test process exits: a test that ends before its
/// `stop()` ran (a `defer { Task { await broker.stop() } }` that never got its turn, a thrown
/// error) must not leave a mosquitto behind.
private final class RunningBrokers: @unchecked Sendable {
    static let shared: RunningBrokers = {
        let registry = RunningBrokers()
        atexit { RunningBrokers.shared.killAll() }
        return registry
    }()

    private let lock = NSLock()
    private var pids: Set<Int32> = []

    func add(_ pid: Int32) { lock.withLock { _ = pids.insert(pid) } }
    func remove(_ pid: Int32) { lock.withLock { _ = pids.remove(pid) } }

    func killAll() {
        for pid in lock.withLock({ pids }) { Foundation.kill(pid, SIGKILL) }
    }
}
