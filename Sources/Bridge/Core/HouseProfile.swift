import Foundation
import Metering

/// The house's usual load per quarter-hour of the day, learned from the grid meter over the
/// last 7 days (docs/site.md, "The house's usual load"): each finished quarter-hour's average
/// house load (the value ``HouseLoad`` computes at each reading) is kept, and the usual load of
/// a quarter of the day is the 80th percentile (nearest rank) of that quarter's averages over
/// the days known. With a PV topic the core feeds the house's own consumption (grid import + PV
/// - chargers), without one what the grid meter shows (grid - chargers, the PV netted in).
/// Pure: the core feeds readings, the ledger keeps the averages across restarts.
struct HouseProfile: Sendable {
    /// One finished quarter-hour: its start and the house's average load in it, W.
    typealias Quarter = HouseLoadQuarter

    /// How long finished quarters are kept, s.
    static let keepSeconds: TimeInterval = 7 * 86_400
    /// The share of the days at or below the usual load (nearest rank).
    static let percentile = 0.8
    /// The house load before the meter's first reading, W, where no history says otherwise:
    /// `location.solar.house_base_w` with `location.solar`, else 0. Without a PV topic the
    /// learned load is the grid's, PV netted in, so plans on a PV forecast never count the
    /// house below it (docs/site.md, "Plans that count on the sun").
    let defaultW: Double

    /// The time zone whose quarters of the day are learned (the tariff's: the household's clock).
    let timeZone: TimeZone
    /// Finished quarters of the last 7 days, oldest first.
    private(set) var quarters: [Quarter] = []
    /// The usual load per quarter of the day (96), recomputed when a quarter finishes; nil
    /// where there is no history.
    private var usualW: [Double?] = Array(repeating: nil, count: 96)
    /// The quarter under way: its start, and the sum and count of its readings.
    private var current: (start: Date, sumW: Double, count: Int)?

    init(timeZone: TimeZone, defaultW: Double = 0) {
        self.timeZone = timeZone
        self.defaultW = defaultW
    }

    /// The start of the quarter-hour `instant` lies in (quarter-hours are whole in every time zone).
    static func quarterStart(_ instant: Date) -> Date {
        Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / 900).rounded(.down) * 900)
    }

    /// The quarter of the local day (0-95) `instant` lies in.
    func quarterOfDay(_ instant: Date) -> Int {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        let seconds = local - (local / 86_400).rounded(.down) * 86_400
        return min(95, max(0, Int(seconds / 900)))
    }

    /// A house load at `now`. Returns the quarter it finished, if the reading starts a new one
    /// (to be stored).
    mutating func reading(houseW: Double, at now: Date) -> Quarter? {
        let start = Self.quarterStart(now)
        var finished: Quarter?
        if let current, current.start != start {
            if current.count > 0 {
                let quarter = Quarter(start: current.start, averageW: current.sumW / Double(current.count), readings: current.count)
                add(quarter, now: now)
                finished = quarter
            }
            self.current = nil
        }
        if current == nil { current = (start, 0, 0) }
        current!.sumW += houseW
        current!.count += 1
        return finished
    }

    /// Quarters read back from the ledger (a restart keeps what was learned).
    mutating func restore(_ stored: [Quarter], now: Date) {
        var byStart: [Date: Quarter] = [:]
        for quarter in quarters + stored { byStart[quarter.start] = quarter }
        quarters = byStart.values.sorted { $0.start < $1.start }
        prune(now: now)
        recompute()
    }

    /// The usual load at `instant`, W; nil without history for its quarter of the day.
    func usualW(at instant: Date) -> Double? {
        usualW[quarterOfDay(instant)]
    }

    private mutating func add(_ quarter: Quarter, now: Date) {
        quarters.removeAll { $0.start == quarter.start }
        quarters.append(quarter)
        prune(now: now)
        recompute()
    }

    private mutating func prune(now: Date) {
        let horizon = now.addingTimeInterval(-Self.keepSeconds)
        if let keep = quarters.firstIndex(where: { $0.start >= horizon }) {
            if keep > 0 { quarters.removeFirst(keep) }
        } else {
            quarters.removeAll()
        }
    }

    private mutating func recompute() {
        var byQuarter = [[Double]](repeating: [], count: 96)
        for quarter in quarters { byQuarter[quarterOfDay(quarter.start)].append(quarter.averageW) }
        usualW = byQuarter.map { values in
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let rank = Int((Self.percentile * Double(sorted.count)).rounded(.up))
            return sorted[max(0, min(sorted.count, rank) - 1)]
        }
    }
}
