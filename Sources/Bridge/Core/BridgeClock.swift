import Foundation

/// The bridge's only source of time: the wall clock in production, an accelerated one in the
/// demo (a night in a minute). Nothing in the bridge reads the wall clock directly.
public protocol BridgeClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Waits `seconds` of this clock's time.
    func sleep(seconds: Double) async throws
}

/// Real time.
public struct SystemClock: BridgeClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int64(max(0, seconds) * 1000)))
    }
}

/// Time that runs `factor` times faster than real time from `start`.
public struct AcceleratedClock: BridgeClock {
    public let start: Date
    public let factor: Double
    private let origin: ContinuousClock.Instant

    public init(start: Date, factor: Double) {
        self.start = start
        self.factor = factor
        origin = ContinuousClock.now
    }

    public func now() -> Date {
        let elapsed = ContinuousClock.now - origin
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return start.addingTimeInterval(seconds * factor)
    }

    /// Sleeps `seconds` of accelerated time, but at least 10 ms of real time, so that a
    /// periodic task never spins (a 0.5 s tick at 1000x would otherwise come every 0.5 ms).
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .microseconds(max(10_000, Int64(max(0, seconds) / factor * 1_000_000))))
    }
}
