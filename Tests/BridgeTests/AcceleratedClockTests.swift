import Foundation
import Testing
@testable import Bridge

/// ``AcceleratedClock``: `factor` times real time, and with `maxStepSeconds` a clock that pauses
/// while nothing reads it for longer than that (a stalled process) instead of jumping on.
@Suite struct AcceleratedClockTests {
    static let start = Date(timeIntervalSince1970: 1_779_292_800)

    @Test func runsFactorTimesFasterThanRealTime() {
        let clock = AcceleratedClock(start: Self.start, factor: 100)
        let first = clock.now().timeIntervalSince(Self.start)
        Thread.sleep(forTimeInterval: 0.2)
        let second = clock.now().timeIntervalSince(Self.start)
        // 0.2 s real: 20 s of the clock, and more on a slow machine (a thread woken late).
        #expect(second - first >= 20 && second - first < 100, "\(second - first) s")
        #expect(clock.stalledSeconds == 0)
    }

    @Test func readOftenTheCappedClockKeepsTime() {
        let clock = AcceleratedClock(start: Self.start, factor: 100, maxStepSeconds: 0.1)
        let began = ContinuousClock.now
        let first = clock.now()
        while ContinuousClock.now - began < .milliseconds(300) {
            Thread.sleep(forTimeInterval: 0.01)
            _ = clock.now()
        }
        let elapsed = ContinuousClock.now - began
        let real = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let counted = clock.now().timeIntervalSince(first) / 100
        // Read every 10 ms: nothing is lost (but a step longer than 0.1 s, should the machine stall).
        #expect(abs(counted - real) < 0.01 + clock.stalledSeconds, "\(counted) s counted in \(real) s")
        #expect(counted > 0.2)
    }

    @Test func aStallPausesTheCappedClock() {
        let capped = AcceleratedClock(start: Self.start, factor: 120, maxStepSeconds: 0.05)
        let plain = AcceleratedClock(start: Self.start, factor: 120)
        let cappedBefore = capped.now(), plainBefore = plain.now()
        Thread.sleep(forTimeInterval: 0.5) // nothing reads either clock: a stalled process
        let cappedStep = capped.now().timeIntervalSince(cappedBefore)
        let plainStep = plain.now().timeIntervalSince(plainBefore)
        // The plain clock jumps a minute on; the capped one at most 0.05 s x 120 = 6 s.
        #expect(plainStep >= 60, "\(plainStep) s")
        #expect(cappedStep > 0 && cappedStep <= 6 + 1e-9, "\(cappedStep) s")
        #expect(capped.stalledSeconds >= 0.45)
        // Afterwards it runs on at the full rate, from where it paused, never backwards.
        let resumed = capped.now()
        Thread.sleep(forTimeInterval: 0.03)
        let later = capped.now()
        #expect(later.timeIntervalSince(resumed) >= 0.03 * 120 && later > resumed)
    }
}
