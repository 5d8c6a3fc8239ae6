import Foundation

/// Meters one vehicle's energy: from the charger's cumulative counter when it has one, else by
/// integrating power readings (a reading older than the staleness limit counts as zero, never
/// as phantom energy). Energy accrues only while a session is open; `pendingWh` is what has
/// not yet been flushed to the ledger, metered since `pendingFrom`.
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

    init(usesCounter: Bool, staleAfter: TimeInterval) {
        self.usesCounter = usesCounter
        self.staleAfter = staleAfter
    }

    /// Starts metering into a session at `now` (or continues one restored from the ledger).
    mutating func begin(at now: Date, counterWh: Double? = nil) {
        metering = true
        pendingWh = 0
        pendingFrom = now
        integratedUntil = now
        if let counterWh { lastCounterWh = counterWh }
    }

    /// Stops metering (after the final flush).
    mutating func end() {
        metering = false
        pendingWh = 0
        pendingFrom = nil
    }

    /// A counter reading. Returns a note when the counter went backwards (a reset).
    mutating func counter(_ valueWh: Double, at now: Date) -> String? {
        defer {
            lastCounterWh = valueWh
            lastCounterAt = now
        }
        guard let last = lastCounterWh else { return nil }
        var delta = valueWh - last
        var note: String?
        if delta < 0 {
            // The charger's counter restarted from zero: what it shows now was charged since.
            delta = valueWh
            note = "energy counter went back from \(last) to \(valueWh) Wh; treating it as a reset"
        }
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

    /// Integrates the last power reading up to `now` (not past its staleness limit).
    mutating func advance(to now: Date) {
        guard metering, !usesCounter, let power = lastPowerW, let at = lastPowerAt, let from = integratedUntil else {
            integratedUntil = now
            return
        }
        let validUntil = min(now, at.addingTimeInterval(staleAfter))
        let seconds = validUntil.timeIntervalSince(max(from, at))
        if seconds > 0 { pendingWh += power * seconds / 3600 }
        integratedUntil = max(from, now)
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
    mutating func take(at now: Date) -> (start: Date, end: Date, energyWh: Double)? {
        guard metering, let from = pendingFrom else { return nil }
        if usesCounter {
            let reading = lastCounterAt ?? from
            guard pendingWh > 1e-9 else {
                // Nothing new: the next stretch starts at the last reading, not at now.
                if reading > from { pendingFrom = min(now, reading) }
                return nil
            }
            let end = reading > from ? min(now, reading) : now
            guard end > from else { return nil }
            defer {
                pendingWh = 0
                pendingFrom = end
            }
            return (from, end, pendingWh)
        }
        guard now > from else { return nil }
        defer {
            pendingWh = 0
            pendingFrom = now
        }
        guard pendingWh > 1e-9 else { return nil }
        return (from, now, pendingWh)
    }

}
