import Foundation

/// A value behind an `NSLock`: the only shared mutable state between the network thread and
/// callers. Bodies must be short and must never call into libmosquitto.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
