import Foundation

/// Runs a command-line tool to completion (openssl, mosquitto_passwd) and throws with its
/// output when it fails. Blocks the calling thread: prefer `runToolAsync` from async code.
@discardableResult
func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let (process, output) = try launchTool(path, arguments)
    process.waitUntilExit()
    return try toolResult(process, path, arguments, output)
}

/// Like `runTool`, but waits without blocking a thread of Swift's cooperative pool.
@discardableResult
func runToolAsync(_ path: String, _ arguments: [String]) async throws -> String {
    let (process, output) = try launchTool(path, arguments)
    while process.isRunning {
        try await Task.sleep(for: .milliseconds(5))
    }
    return try toolResult(process, path, arguments, output)
}

private func launchTool(_ path: String, _ arguments: [String]) throws -> (Process, URL) {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    defer { try? handle.close() }  // the child has its own descriptor
    do {
        try process.run()
    } catch {
        throw TestSupportError("\(path) could not start: \(error)")
    }
    return (process, output)
}

private func toolResult(_ process: Process, _ path: String, _ arguments: [String], _ output: URL) throws -> String {
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: output)
    guard process.terminationStatus == 0 else {
        throw TestSupportError("\(path) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(text)")
    }
    return text
}
