import Foundation

/// The built `chargebridge` binary (`.build/debug/chargebridge`, or `CHARGEBRIDGE_BIN`), run the
/// way a user runs it: for the CLI tests and for the bridge restart tests.
public enum ChargeBridgeBinary {
    /// What one run printed and how it ended.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The package root (three levels above this file).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static var url: URL {
        if let override = ProcessInfo.processInfo.environment["CHARGEBRIDGE_BIN"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.appendingPathComponent(".build/debug/chargebridge")
    }

    /// Runs `chargebridge arguments...`, feeding `stdin` if given, and waits for it to exit.
    /// Both pipes are read to the end before waiting, so a large output never blocks the child.
    /// `environment` adds to (or overrides) the test process's environment.
    public static func run(_ arguments: [String], stdin: Data? = nil, currentDirectory: URL? = nil,
                           environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// ``run(_:stdin:currentDirectory:environment:)`` for async code: the waiting happens on a
    /// thread of its own. Swift's concurrency runs every task on one thread per core (two here);
    /// a test that blocked one of them for a minute-long `demo` left the suites running beside it
    /// half the threads, and their accelerated clocks saw the bridge stall for a second (real).
    public static func runDetached(_ arguments: [String], stdin: Data? = nil, currentDirectory: URL? = nil,
                                   environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Swift.Result {
                    try run(arguments, stdin: stdin, currentDirectory: currentDirectory, environment: environment)
                })
            }
            thread.start()
        }
    }

    /// Starts `chargebridge arguments...` in the background, its output appended to `log` (or
    /// discarded); the caller ends it (SIGKILL, or SIGTERM for a clean stop).
    public static func start(_ arguments: [String], log: String? = nil, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        var output = FileHandle.nullDevice
        if let log {
            if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
            if let handle = FileHandle(forWritingAtPath: log) {
                handle.seekToEndOfFile()
                output = handle
            }
        }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
