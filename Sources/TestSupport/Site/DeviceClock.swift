import Foundation

/// The emulated devices' time: the wall clock, or the bridge's accelerated one (pass its `now`
/// and `sleep`), so that a test or the demo runs an evening of a site in seconds.
public struct DeviceClock: Sendable {
    /// The current instant.
    public let now: @Sendable () -> Date
    /// Waits this many seconds of this clock's time.
    public let sleep: @Sendable (_ seconds: Double) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (_ seconds: Double) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// Real time.
    public static let wall = DeviceClock(now: { Date() }, sleep: { seconds in
        try await Task.sleep(for: .milliseconds(Int64(max(0, seconds) * 1000)))
    })
}
