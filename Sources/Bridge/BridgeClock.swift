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

    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .microseconds(Int64(max(0, seconds) / factor * 1_000_000)))
    }
}
