import Foundation
import Testing
@testable import PriceSources
import Tariffs

@Suite struct PollingPolicyTests {
    private let policy = PollingPolicy()
    private func at(_ text: String) -> Date { SourceFixtures.at(text) }

    @Test func beforePublicationWithTodayKnownWaitsForThePublication() {
        // 10:00 Berlin (CEST) on 2026-05-20; today's prices known until local midnight.
        let next = policy.nextAttempt(after: at("2026-05-20T08:00:00Z"), knownUntil: at("2026-05-20T22:00:00Z"), misses: 0)
        #expect(next == at("2026-05-20T11:05:00Z"))
    }

    @Test func afterPublicationWithoutTomorrowRetriesWithBackoff() {
        let now = at("2026-05-20T11:10:00Z")
        let delays = (1...8).map { policy.nextAttempt(after: now, knownUntil: at("2026-05-20T22:00:00Z"), misses: $0).timeIntervalSince(now) }
        #expect(delays == [300, 600, 1200, 2400, 3600, 3600, 3600, 3600])
    }

    @Test func withTomorrowKnownSleepsUntilTomorrowsPublication() {
        let next = policy.nextAttempt(after: at("2026-05-20T11:10:00Z"), knownUntil: at("2026-05-21T22:00:00Z"), misses: 3)
        #expect(next == at("2026-05-21T11:05:00Z"))
    }

    @Test func publicationIsInCentralEuropeanTimeAcrossTheDSTChange() {
        // Saturday 2026-03-28 is CET (+01:00); Sunday 2026-03-29 is CEST (+02:00).
        let saturdayNoon = at("2026-03-28T11:00:00Z")
        #expect(policy.expectedEnd(at: saturdayNoon) == at("2026-03-28T23:00:00Z"))
        #expect(policy.nextAttempt(after: saturdayNoon, knownUntil: at("2026-03-28T23:00:00Z"), misses: 0) == at("2026-03-28T12:05:00Z"))
        let saturdayAfternoon = at("2026-03-28T12:30:00Z")
        #expect(policy.expectedEnd(at: saturdayAfternoon) == at("2026-03-29T22:00:00Z"))
        #expect(policy.nextAttempt(after: saturdayAfternoon, knownUntil: at("2026-03-29T22:00:00Z"), misses: 0) == at("2026-03-29T11:05:00Z"))
        #expect(policy.nextAttempt(after: saturdayAfternoon, knownUntil: at("2026-03-28T23:00:00Z"), misses: 1) == at("2026-03-28T12:35:00Z"))
    }

    @Test func nothingKnownMeansTryNow() {
        let now = at("2026-05-20T08:00:00Z")
        #expect(policy.nextAttempt(after: now, knownUntil: nil, misses: 0) == now.addingTimeInterval(300))
    }
}
