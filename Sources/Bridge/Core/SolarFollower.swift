import Foundation

/// One vehicle's switching on the solar surplus (docs/site.md, "Solar"): a car that follows the
/// surplus starts when the surplus available to it has covered its charger's minimum for the
/// enable delay, and stops when it has not for the disable delay (holding its minimum while
/// that delay runs). Clouds passing for less than the disable delay do not stop it; a gap of
/// sun shorter than the enable delay does not start it. A value; the core feeds it the
/// coverage at every division.
struct SolarFollower: Sendable, Equatable {
    /// Whether the car is let in to charge from the surplus.
    private(set) var on = false
    /// Since when the surplus has covered the minimum without a break (while off).
    private(set) var coveredSince: Date?
    /// Since when the surplus has failed to cover the minimum without a break (while on).
    private(set) var shortSince: Date?

    /// Takes whether the surplus available to the car covers its charger's minimum at `now`;
    /// returns whether the car is let in (it charges at least its minimum while it is).
    /// `running`: the charger draws already (a smart car at the end of its plan's slot, a
    /// bridge restarted mid-charge): covered, it goes on without waiting for the enable delay,
    /// which is there for starts.
    mutating func update(covered: Bool, running: Bool = false, at now: Date, enableDelay: TimeInterval, disableDelay: TimeInterval) -> Bool {
        if !on, running, covered {
            on = true
            coveredSince = nil
            shortSince = nil
        } else if on {
            if covered {
                shortSince = nil
            } else {
                let since = shortSince ?? now
                shortSince = since
                if now.timeIntervalSince(since) >= disableDelay - 1e-9 { reset() }
            }
        } else if covered {
            let since = coveredSince ?? now
            coveredSince = since
            if now.timeIntervalSince(since) >= enableDelay - 1e-9 {
                on = true
                coveredSince = nil
                shortSince = nil
            }
        } else {
            coveredSince = nil
        }
        return on
    }

    /// Back to off with no history (unplugged, another mode, the target reached).
    mutating func reset() {
        self = SolarFollower()
    }
}
