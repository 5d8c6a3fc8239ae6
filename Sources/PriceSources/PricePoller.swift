import Foundation
import Tariffs

/// Keeps a price history up to date from a day-ahead source, on the `PollingPolicy`
/// schedule: fetches today and tomorrow (and back-fills up to a week after an outage),
/// merges what arrives into the history, hands every changed history to `onPrices`, and
/// reports status changes (once each) to `onStatus`. Time comes from an injected clock and
/// sleep, so tests run a day in milliseconds.
public actor PricePoller {
    public typealias Clock = @Sendable () -> Date
    public typealias Sleeper = @Sendable (_ until: Date) async throws -> Void

    public let source: any DayAheadPriceSource
    public let policy: PollingPolicy
    /// The prices known so far.
    public private(set) var history: SpotPriceSeries
    /// The status last reported.
    public private(set) var status: PriceSourceStatus?
    private var misses = 0
    private let now: Clock
    private let sleep: Sleeper
    private let onPrices: @Sendable (SpotPriceSeries) async -> Void
    private let onStatus: @Sendable (PriceSourceStatus) async -> Void

    /// How far back a fetch reaches when the history ends long ago.
    public static let backfill: TimeInterval = 7 * 86_400

    public init(
        source: any DayAheadPriceSource, policy: PollingPolicy = PollingPolicy(), history: SpotPriceSeries,
        now: @escaping Clock = { Date() },
        sleep: @escaping Sleeper = { until in
            let seconds = until.timeIntervalSinceNow
            if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
        },
        onPrices: @escaping @Sendable (SpotPriceSeries) async -> Void,
        onStatus: @escaping @Sendable (PriceSourceStatus) async -> Void
    ) {
        self.source = source
        self.policy = policy
        self.history = history
        self.now = now
        self.sleep = sleep
        self.onPrices = onPrices
        self.onStatus = onStatus
    }

    /// One attempt; returns when the next one is due.
    @discardableResult
    public func poll() async -> Date {
        let start = now()
        let today = policy.calendar.startOfDay(policy.calendar.localDate(of: start))
        let from = max(min(history.lastEnd ?? today, today), today.addingTimeInterval(-Self.backfill))
        let to = policy.expectedEnd(at: start).addingTimeInterval(86_400) // ask a day further; empty if unpublished
        do {
            let rows = try await source.prices(from: from, to: to)
            let merged = history.merging(rows)
            let changed = merged != history
            history = merged
            if changed { await onPrices(merged) }
            if policy.isComplete(knownUntil: history.lastEnd, at: start), let end = history.lastEnd {
                misses = 0
                await report(.upToDate(knownUntil: end))
            } else {
                misses += 1
                await report(.waiting(knownUntil: history.lastEnd))
            }
        } catch {
            // A fetch cut short by shutting down is no failure of the source.
            if Task.isCancelled { return policy.nextAttempt(after: start, knownUntil: history.lastEnd, misses: misses) }
            misses += 1
            await report(.failing(error))
        }
        return policy.nextAttempt(after: start, knownUntil: history.lastEnd, misses: misses)
    }

    /// Polls until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            let next = await poll()
            do {
                try await sleep(next)
            } catch {
                return
            }
        }
    }

    private func report(_ new: PriceSourceStatus) async {
        guard new != status else { return }
        status = new
        await onStatus(new)
    }
}
