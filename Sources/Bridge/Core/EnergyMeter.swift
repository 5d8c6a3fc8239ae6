import Foundation

/// Meters one vehicle's energy: from the charger's cumulative counter when it has one, else by
/// integrating power readings (a reading older than the staleness limit counts as zero, never
/// as phantom energy). Energy accrues only while a session is open; `pendingWh` is what has
/// not yet been flushed to the ledger, metered since `pendingFrom`.
///
/// Solar (docs/site.md, "Solar energy of a session"): beside the energy, the meter integrates
/// the part of the car's power that the surplus covers, `solarFraction` of each power reading
/// (the core sets the fraction from the grid meter; it holds until `solarValidUntil`, when the
/// grid reading goes stale). Integrated power gives `solarWh` directly; a counter's energy gets
/// the same share of it that the surplus covered of the integrated power readings over the
/// stretch (no power readings: no solar).
struct EnergyMeter: Sendable, Equatable {
    let usesCounter: Bool
    let staleAfter: TimeInterval

    /// Energy metered but not flushed, Wh.
    private(set) var pendingWh: Double = 0
    /// Start of the unflushed stretch.
    private(set) var pendingFrom: Date?
    /// The counter's last value, Wh (tracked even between sessions, as the baseline).
    private(set) var lastCounterWh: Double?
    /// When the counter last reported: counter energy belongs to the time between readings.
    private(set) var lastCounterAt: Date?
    private(set) var lastPowerW: Double?
    private(set) var lastPowerAt: Date?
    /// Power has been integrated up to here.
    private var integratedUntil: Date?
    private var metering = false
    /// The share of the car's power that the surplus covers now, 0...1 (0 without a grid meter).
    private(set) var solarFraction: Double = 0
    /// The fraction holds until here (the grid reading it came from goes stale then).
    private var solarValidUntil: Date = .distantPast
    /// Power readings integrated over the unflushed stretch, Wh, and the surplus's part of them.
    private var pendingPowerWh: Double = 0
    private var pendingSolarWh: Double = 0

    init(usesCounter: Bool, staleAfter: TimeInterval) {
        self.usesCounter = usesCounter
        self.staleAfter = staleAfter
    }

    /// Starts metering into a session at `now` (or continues one restored from the ledger).
    mutating func begin(at now: Date, counterWh: Double? = nil) {
        metering = true
        solarFraction = 0
        pendingWh = 0
        pendingPowerWh = 0
        pendingSolarWh = 0
        pendingFrom = now
        integratedUntil = now
        if let counterWh { lastCounterWh = counterWh }
    }

    /// Stops metering (after the final flush).
    mutating func end() {
        metering = false
        pendingWh = 0
        pendingPowerWh = 0
        pendingSolarWh = 0
        pendingFrom = nil
    }

    /// From `now` on, `fraction` (0...1) of the car's power is solar, until `validUntil`: what
    /// came before is integrated with the fraction before.
    mutating func solar(fraction: Double, validUntil: Date, at now: Date) {
        advance(to: now)
        solarFraction = Swift.min(1, Swift.max(0, fraction))
        solarValidUntil = validUntil
    }

    /// A counter reading. Returns a note when the counter went back to under half of what it
    /// showed (a reset: what it shows now was charged since). A smaller step back is a reading
    /// that arrived late (a device's re-sent or older message): nothing was charged, and the
    /// counter stays at the higher value, so the next reading counts from there.
    mutating func counter(_ valueWh: Double, at now: Date) -> String? {
        guard let last = lastCounterWh else {
            (lastCounterWh, lastCounterAt) = (valueWh, now)
            return nil
        }
        var delta = valueWh - last
        var note: String?
        if delta < 0 {
            guard valueWh < last / 2 else { return nil }
            delta = valueWh
            note = "energy counter went back from \(last) to \(valueWh) Wh; treating it as a reset"
        }
        (lastCounterWh, lastCounterAt) = (valueWh, now)
        if metering, usesCounter { pendingWh += delta }
        return note
    }

    /// A power reading, W: the previous reading is integrated up to `now` first.
    mutating func power(_ valueW: Double, at now: Date) {
        advance(to: now)
        lastPowerW = valueW
        lastPowerAt = now
        integratedUntil = now
    }

    /// Integrates the last power reading up to `now` (not past its staleness limit), and its
    /// solar part up to where the solar fraction holds.
    mutating func advance(to now: Date) {
        guard metering, let power = lastPowerW, let at = lastPowerAt, let from = integratedUntil else {
            integratedUntil = now
            return
        }
        let validUntil = min(now, at.addingTimeInterval(staleAfter))
        let begin = max(from, at)
        let seconds = validUntil.timeIntervalSince(begin)
        if seconds > 0 {
            let energy = power * seconds / 3600
            if !usesCounter { pendingWh += energy }
            pendingPowerWh += energy
            if solarFraction > 0 {
                let solarSeconds = min(validUntil, solarValidUntil).timeIntervalSince(begin)
                if solarSeconds > 0 { pendingSolarWh += power * solarFraction * solarSeconds / 3600 }
            }
        }
        integratedUntil = max(from, now)
    }

    /// The solar part of `energyWh` taken from the stretch now ending: integrated power's own
    /// solar energy; for a counter, the counter's energy times the share the surplus covered of
    /// the integrated power readings. Never more than `energyWh`.
    private func solarWh(of energyWh: Double) -> Double {
        guard pendingSolarWh > 0 else { return 0 }
        if !usesCounter { return min(energyWh, pendingSolarWh) }
        guard pendingPowerWh > 1e-9 else { return 0 }
        return energyWh * min(1, pendingSolarWh / pendingPowerWh)
    }

    /// Whether the last power reading is still fresh at `now`.
    func powerIsFresh(at now: Date) -> Bool {
        guard let at = lastPowerAt else { return false }
        return now.timeIntervalSince(at) <= staleAfter
    }

    /// Takes what is pending as `[pendingFrom, end)` and starts a new stretch at `end`, where
    /// `end` is `now` for integrated power and the last counter reading for a counter (its
    /// energy flowed between readings, so a record's average power is the real one).
    /// `nil` when nothing was metered.
    mutating func take(at now: Date) -> (start: Date, end: Date, energyWh: Double, solarWh: Double)? {
        guard metering, let from = pendingFrom else { return nil }
        if usesCounter {
            let reading = lastCounterAt ?? from
            guard pendingWh > 1e-9 else {
                // Nothing new: the next stretch starts at the last reading, not at now.
                if reading > from {
                    pendingFrom = min(now, reading)
                    pendingPowerWh = 0
                    pendingSolarWh = 0
                }
                return nil
            }
            let end = reading > from ? min(now, reading) : now
            guard end > from else { return nil }
            defer {
                pendingWh = 0
                pendingPowerWh = 0
                pendingSolarWh = 0
                pendingFrom = end
            }
            return (from, end, pendingWh, solarWh(of: pendingWh))
        }
        guard now > from else { return nil }
        defer {
            pendingWh = 0
            pendingPowerWh = 0
            pendingSolarWh = 0
            pendingFrom = now
        }
        guard pendingWh > 1e-9 else { return nil }
        return (from, now, pendingWh, solarWh(of: pendingWh))
    }

}
