import Foundation
import TestSupport

/// Runs the built `chargebridge` binary for the CLI tests (see `ChargeBridgeBinary`), plus the
/// paths these tests need.
enum CLIRunner {
    typealias Result = ChargeBridgeBinary.Result

    static let packageRoot = ChargeBridgeBinary.packageRoot

    /// Runs `chargebridge arguments...`, feeding `stdin` if given, and waits for it to exit.
    static func run(_ arguments: [String], stdin: String? = nil, currentDirectory: URL? = nil) throws -> Result {
        try ChargeBridgeBinary.run(arguments, stdin: stdin.map { Data($0.utf8) }, currentDirectory: currentDirectory)
    }

    /// ``run(_:stdin:currentDirectory:)`` from async code, without blocking one of the threads
    /// every task shares (``ChargeBridgeBinary/runDetached(_:stdin:currentDirectory:environment:)``).
    static func runDetached(_ arguments: [String], stdin: String? = nil, currentDirectory: URL? = nil) async throws -> Result {
        try await ChargeBridgeBinary.runDetached(arguments, stdin: stdin.map { Data($0.utf8) }, currentDirectory: currentDirectory)
    }

    /// A fresh temporary folder.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cb-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
