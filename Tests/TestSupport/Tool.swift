import Foundation

/// Runs a command-line tool to completion (openssl, mosquitto_passwd) and throws with its
/// output when it fails.
@discardableResult
func runTool(_ path: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        throw TestSupportError("\(path) could not start: \(error)")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw TestSupportError("\(path) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(text)")
    }
    return text
}
