import Foundation

/// The real `chargebridge run --config` binary as a child process, next to this executable.
public final class BridgeProcess: @unchecked Sendable {
    /// `chargebridge`, in the folder of the running campaign executable (the same build).
    public static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("chargebridge")
    }

    private let process: Process

    /// The child's process id (for `/proc/<pid>/status` and `/proc/<pid>/stat`).
    public var pid: Int32 { process.processIdentifier }

    /// Starts the bridge; its output goes to `configPath + ".log"` (appended).
    public init(configPath: String, logLevel: String = "warning") throws {
        process = Process()
        process.executableURL = Self.binary
        process.arguments = ["run", "--config", configPath, "--log-level", logLevel]
        let logPath = configPath + ".log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
    }

    /// SIGKILL, then waits until the process is gone.
    public func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// SIGTERM (a clean stop), SIGKILL after `grace`. Returns the exit status (nil if killed).
    public func stop(grace: Duration = .seconds(5)) async -> Int32? {
        Foundation.kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            await kill()
            return nil
        }
        return process.terminationStatus
    }
}
