import Foundation

/// What the home draws besides the chargers, from the grid meter (docs/site.md): the grid
/// reading less what the chargers measured then. A reading older than the staleness limit is
/// not trusted: then the house counts at its highest of the hour up to the last reading.
struct HouseLoad: Sendable {
    /// A reading older than this is not trusted, s (`metering.power_stale_after_s`).
    let staleAfter: TimeInterval
    /// How far back the highest house load is looked for, s.
    static let peakWindowSeconds: TimeInterval = 3600

    /// The last grid reading, W (import positive), and when it came.
    private(set) var gridW: Double?
    private(set) var readAt: Date?
    /// The house load at the last reading, W.
    private(set) var latestW: Double?
    /// The house loads of the last hour that may still be its highest: falling loads, oldest
    /// first (a later, higher one makes the ones before it irrelevant).
    private var peaks: [(at: Date, houseW: Double)] = []

    init(staleAfter: TimeInterval) {
        self.staleAfter = staleAfter
    }

    /// A grid reading at `now`, with what the chargers were measured drawing then.
    mutating func reading(gridW: Double, chargersW: Double, at now: Date) {
        let house = gridW - chargersW
        self.gridW = gridW
        readAt = now
        latestW = house
        while let last = peaks.last, last.houseW <= house { peaks.removeLast() }
        peaks.append((now, house))
        let horizon = now.addingTimeInterval(-Self.peakWindowSeconds)
        if let keep = peaks.firstIndex(where: { $0.at >= horizon }), keep > 0 { peaks.removeFirst(keep) }
    }

    /// Whether the last reading is recent enough to be trusted at `now`.
    func isFresh(at now: Date) -> Bool {
        guard let readAt else { return false }
        return now.timeIntervalSince(readAt) <= staleAfter
    }

    /// The solar surplus at `now`, W: what the home would export with no car charging at the
    /// last reading, `max(0, -(grid - chargers))`; 0 when the reading is stale (a silent meter
    /// does not count on panels that may have stopped) or there is none.
    func surplusW(at now: Date) -> Double {
        guard let latestW, isFresh(at: now) else { return 0 }
        return Swift.max(0, -latestW)
    }

    /// The house load the guard counts with at `now`, W: the latest when fresh (below 0 while
    /// solar exports), else the highest of the hour up to the last reading, never below 0 (a
    /// silent meter does not count on panels that may have stopped); nil when the meter has
    /// not spoken yet.
    func houseW(at now: Date) -> Double? {
        guard let latestW else { return nil }
        if isFresh(at: now) { return latestW }
        return Swift.max(0, peaks.first?.houseW ?? latestW)
    }
}
