import Foundation
import Locking

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
///
/// With `maxStepSeconds` (for tests on a loaded machine) the clock counts at most that much real
/// time between two readings of it: when nothing in the process read it for longer (the whole
/// process starved of CPU, every task waiting), it goes on from where it was instead of jumping.
/// At 120x a second's stall would otherwise be two minutes in which neither the emulated devices
/// nor the bridge ran, and the bridge would rightly take every report for stale. A reader must
/// come often (a test's polling loop every 20 ms, a device's 5-s report), or time is lost.
public struct AcceleratedClock: BridgeClock {
    public let start: Date
    public let factor: Double
    private let origin: ContinuousClock.Instant
    /// With `maxStepSeconds`: that, and the last reading, real and counted (real seconds since `origin`).
    private let capped: (maxStepSeconds: Double, last: Locked<(real: ContinuousClock.Instant, seconds: Double)>)?

    public init(start: Date, factor: Double, maxStepSeconds: Double? = nil) {
        self.start = start
        self.factor = factor
        let origin = ContinuousClock.now
        self.origin = origin
        capped = maxStepSeconds.map { ($0, Locked((origin, 0))) }
    }

    public func now() -> Date {
        let real = ContinuousClock.now
        guard let capped else { return start.addingTimeInterval(Self.seconds(real - origin) * factor) }
        let seconds = capped.last.withLock { last in
            last.seconds += min(capped.maxStepSeconds, max(0, Self.seconds(real - last.real)))
            last.real = real
            return last.seconds
        }
        return start.addingTimeInterval(seconds * factor)
    }

    /// The real time this clock has lost to stalls so far, s (0 without `maxStepSeconds`).
    public var stalledSeconds: Double {
        guard let capped else { return 0 }
        return capped.last.withLock { Self.seconds($0.real - origin) - $0.seconds }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Sleeps `seconds` of accelerated time, but at least 10 ms of real time, so that a
    /// periodic task never spins (a 0.5 s tick at 1000x would otherwise come every 0.5 ms).
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .microseconds(max(10_000, Int64(max(0, seconds) / factor * 1_000_000))))
    }
}
