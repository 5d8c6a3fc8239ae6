import Foundation

/// The real `chargebridge run --config` binary as a child process, next to this executable.
final class BridgeProcess: @unchecked Sendable {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("chargebridge")
    }

    private let process: Process

    /// Starts the bridge; its output goes to `configPath + ".log"` (appended).
    init(configPath: String) throws {
        process = Process()
        process.executableURL = Self.binary
        process.arguments = ["run", "--config", configPath, "--log-level", "warning"]
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
    func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// SIGTERM (a clean stop), SIGKILL after `grace`. Returns the exit status (nil if killed).
    func stop(grace: Duration = .seconds(5)) async -> Int32? {
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
