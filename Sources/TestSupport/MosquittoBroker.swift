import Foundation
import Locking

/// A real `mosquitto` (Debian's /usr/sbin/mosquitto) on a free 127.0.0.1 port, with a generated
/// configuration in a temporary directory: for tests, the bench, the campaigns and the demo.
///
/// ```swift
/// let broker = try await MosquittoBroker.start()          // anonymous, plain TCP
/// defer { Task { await broker.stop() } }                   // or `await broker.stop()` at the end
/// let url = broker.url                                     // "mqtt://127.0.0.1:PORT"
/// await broker.kill(); try await broker.launch()          // SIGKILL, then again on the same port
/// ```
///
/// It listens on loopback only, allows anonymous clients unless `Options.users` says otherwise,
/// sends without Nagle's delay (`set_tcp_nodelay`), keeps nothing on disk, and runs as root when
/// started by root (mosquitto would otherwise drop to the `mosquitto` user, which cannot read
/// a temporary directory). `kill()` is a crash (SIGKILL); `stop()` shuts it down cleanly.
public final class MosquittoBroker: Sendable {
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
        /// `set_tcp_nodelay true`: without it, Nagle's algorithm and the peer's delayed ACK hold
        /// small messages back for up to 40 ms on loopback.
        public var tcpNoDelay: Bool

        public init(users: [String: String] = [:], aclRules: String? = nil, tls: TestCertificates? = nil,
                    requireClientCertificate: Bool = false, extraConfiguration: [String] = [],
                    tcpNoDelay: Bool = true) {
            self.users = users
            self.aclRules = aclRules
            self.tls = tls
            self.requireClientCertificate = requireClientCertificate
            self.extraConfiguration = extraConfiguration
            self.tcpNoDelay = tcpNoDelay
        }
    }

    /// The installed `mosquitto` (Debian's /usr/sbin, then /usr/bin and /usr/local/sbin), or nil.
    public static let executable: String? = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The port, fixed for the broker's life (restarts reuse it).
    public let port: Int
    /// The temporary directory holding mosquitto.conf, the password and ACL files and mosquitto.log.
    public let directory: URL
    public let options: Options
    private let process = Locked<Process?>(nil)

    deinit {
        // A test that threw before `stop()` must not leave a broker behind.
        if let process = process.value, process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
    }

    /// The running broker's process id (nil when it is not running), for its CPU time.
    public var pid: Int32? {
        process.value.flatMap { $0.isRunning ? $0.processIdentifier : nil }
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
    /// A port found free can be taken before mosquitto binds it (by another process's broker, or
    /// as the local port of a client's connection: both come from the kernel's ephemeral range),
    /// so a broker that cannot bind its port is started again on another one, up to 5 times.
    public static func start(_ options: Options = Options()) async throws -> MosquittoBroker {
        var attempt = 1
        while true {
            let broker = try MosquittoBroker(options: options)
            do {
                try await broker.launch()
                return broker
            } catch is PortTaken where attempt < 5 {
                await broker.stop()
                attempt += 1
            } catch {
                await broker.stop()
                throw error
            }
        }
    }

    /// mosquitto could not bind its port: another process holds it.
    public struct PortTaken: Error, CustomStringConvertible {
        public var description: String
    }

    private var configurationFile: URL { directory.appendingPathComponent("mosquitto.conf") }
    public var logFile: URL { directory.appendingPathComponent("mosquitto.log") }

    private func writeConfiguration() throws {
        var lines = [
            "listener \(port) 127.0.0.1",
            "allow_anonymous \(options.users.isEmpty ? "true" : "false")",
            "persistence false",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
        ]
        if getuid() == 0 { lines.append("user root") }
        if options.tcpNoDelay { lines.append("set_tcp_nodelay true") }
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
        guard let executable = Self.executable else {
            throw TestSupportError("mosquitto is not installed (apt-get install mosquitto)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", configurationFile.path]
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        // This launch's part of the log (a restart appends to it).
        let logStart = (try? FileManager.default.attributesOfItem(atPath: logFile.path)[.size] as? Int) ?? 0
        try process.runWithUnblockedSignals()
        try? log.close()  // the child has its own descriptor
        self.process.withLock { $0 = process }
        RunningBrokers.shared.add(process.processIdentifier)
        // Generous, and checked once more at the end: on a busy machine (CPU-bound tests on every
        // core) this task may not run again before the deadline although the broker is up.
        // Up only once this broker says it is running: something else accepting connections on
        // the port (another process's broker that took it first) is not it.
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if process.isRunning, launchLog(from: logStart).contains(" running"), loopbackPortAcceptsConnections(port) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning, launchLog(from: logStart).contains(" running"), loopbackPortAcceptsConnections(port) { return }
        let logText = launchLog(from: logStart)
        await kill()
        if logText.contains("Address already in use") {
            throw PortTaken(description: "mosquitto could not bind 127.0.0.1:\(port): \(logText)")
        }
        throw TestSupportError("mosquitto did not accept connections on 127.0.0.1:\(port) within 15 s: \(logText)")
    }

    /// The log from byte `offset` on (what this launch wrote).
    private func launchLog(from offset: Int) -> String {
        guard let handle = try? FileHandle(forReadingFrom: logFile) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// SIGKILLs the broker (if running), as a crash would end it, and waits until it is gone and
    /// the port is closed.
    public func kill() async {
        guard let process = takeProcess() else { return }
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
        await reap(process)
    }

    /// Shuts the broker down cleanly (SIGTERM, and SIGCONT should it be frozen) and waits until it
    /// is gone; SIGKILLs it if it is still running after `gracePeriod`. True when SIGTERM did it.
    @discardableResult
    public func terminate(gracePeriod: Duration = .seconds(2)) async -> Bool {
        guard let process = takeProcess() else { return true }
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGTERM)
            Foundation.kill(process.processIdentifier, SIGCONT)
        }
        let deadline = ContinuousClock.now + gracePeriod
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let clean = !process.isRunning
        if !clean {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
        await reap(process)
        return clean
    }

    private func takeProcess() -> Process? {
        process.withLock { process in
            defer { process = nil }
            return process
        }
    }

    /// Waits (5 s at most) until a signalled broker is gone, and forgets it.
    private func reap(_ process: Process) async {
        RunningBrokers.shared.remove(process.processIdentifier)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// SIGSTOPs the broker: connections stay open but nothing is answered (a hung broker).
    public func freeze() {
        if let process = process.value, process.isRunning {
            Foundation.kill(process.processIdentifier, SIGSTOP)
        }
    }

    /// SIGCONTs a frozen broker.
    public func thaw() {
        if let process = process.value, process.isRunning {
            Foundation.kill(process.processIdentifier, SIGCONT)
        }
    }

    /// SIGKILLs the broker and starts it again on the same port.
    public func restart() async throws {
        await kill()
        try await launch()
    }

    /// Shuts the broker down (`terminate()`: SIGTERM, SIGKILL after two seconds) and removes its
    /// temporary directory (certificates elsewhere stay).
    public func stop() async {
        await terminate()
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
private final class RunningBrokers: Sendable {
    static let shared: RunningBrokers = {
        let registry = RunningBrokers()
        atexit { RunningBrokers.shared.killAll() }
        return registry
    }()

    private let pids = Locked<Set<Int32>>([])

    func add(_ pid: Int32) { pids.withLock { _ = $0.insert(pid) } }
    func remove(_ pid: Int32) { pids.withLock { _ = $0.remove(pid) } }

    func killAll() {
        for pid in pids.value { Foundation.kill(pid, SIGKILL) }
    }
}
