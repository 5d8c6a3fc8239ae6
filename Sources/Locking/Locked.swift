import Foundation

/// A value behind an `NSLock`, for state shared between threads and tasks (an MQTT network
/// thread and its callers, a process termination handler and the code waiting on it).
///
/// Bodies must be short and must never block or call back into code that takes the same lock.
/// `Value` need not be `Sendable`: the lock is what makes sharing it safe, so a caller must not
/// let a non-`Sendable` value escape a body.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    /// A copy of the value as it is now.
    public var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    /// Runs `body` with the value, holding the lock; what `body` changes is kept.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }
}
