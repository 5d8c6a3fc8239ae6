import Foundation

/// A mosquitto started for the demo on a free 127.0.0.1 port, in a temporary folder, stopped
/// (SIGKILL) when the demo ends.
final class LocalBroker: @unchecked Sendable {
    let port: Int
    private let folder: URL
    private let process = Process()

    var url: String { "mqtt://127.0.0.1:\(port)" }

    init() throws {
        let executable = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let executable else {
            throw CLIError("mosquitto is not installed (apt-get install mosquitto, or run make demo, which installs it); or pass --broker URL")
        }
        port = try Self.freePort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("chargebridge-demo-broker-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines = ["listener \(port) 127.0.0.1", "allow_anonymous true", "persistence false"]
        if getuid() == 0 { lines.append("user root") }
        let configuration = folder.appendingPathComponent("mosquitto.conf")
        try (lines.joined(separator: "\n") + "\n").write(to: configuration, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", configuration.path]
        let log = folder.appendingPathComponent("mosquitto.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
    }

    /// Starts mosquitto and waits until it accepts connections (5 s at most).
    func start() async throws {
        try process.run()
        for _ in 0..<500 {
            if Self.accepts(port) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        stop()
        throw CLIError("mosquitto did not start on 127.0.0.1:\(port); see \(folder.path)/mosquitto.log")
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, ok else { throw CLIError("no free port on 127.0.0.1 for the demo broker") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
