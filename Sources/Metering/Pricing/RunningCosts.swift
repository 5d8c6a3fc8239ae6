import Foundation
import Tariffs

/// One device's session, day and month costs kept up to date as records arrive: each refresh
/// reads and prices only the records stored since the one before, where
/// ``Ledger/session(_:)``, ``Ledger/sessionCost(_:direction:tariffs:maximumPowerW:)`` and
/// ``Ledger/periodCost(_:containing:deviceId:direction:tariffs:)`` read the whole session, day
/// and month every time (the bridge asks every second for each charging car; a night's session at
/// one record a second is some 30,000 records: `make bench`'s `costs.refresh`).
///
/// The figures equal those (to rounding): the records are priced in the same order with the
/// same prices. They are based on the records being stored in time order, as the bridge
/// stores them; everything is read and priced again when the prices change (a new
/// `pricesVersion`), at the start of a month, and every `recomputeInterval`, so a record
/// stored out of order (an import into the bridge's ledger) counts within that interval.
public struct RunningCosts: Sendable {
    public let deviceId: String
    /// The car's and charger's limit, capping the savings baseline's power.
    public let maximumPowerW: Double?
    /// How long running figures are trusted before everything is read again (an hour by
    /// default: reading a night's session whole takes some 0.2 s, a thousand cars' every ten
    /// minutes would be a third of a core).
    public let recomputeInterval: TimeInterval
    /// What the records' solar energy is priced at (as ``Ledger/sessionCost(_:direction:tariffs:maximumPowerW:solarPrice:)``).
    public let solarPrice: SolarPrice

    /// The costs to publish.
    public struct Figures: Sendable {
        /// The session as ``Ledger/session(_:)`` gives it (its energy, records, end, closing),
        /// kept up to date with the records read; `nil` without a session.
        public var info: SessionInfo?
        /// The session's imported energy and its cost; `nil` without a session or import records.
        public var session: CostSummary?
        /// The solar part of `session` (energy and its cost at the export price); `nil` as `session`.
        public var solar: CostSummary?
        /// What charging at once would have cost more (as ``SessionCost/savings``).
        public var savings: Double?
        public var day: CostSummary
        public var month: CostSummary
    }

    private struct Session: Sendable {
        var info: SessionInfo
        /// The last record read, by (start, end).
        var last: (start: Date, end: Date)?
        /// The latest end of a record read.
        var recordsEnd: Date?
        var firstImportStart: Date?
        var total = CostSummary()
        var solar = CostSummary()
        var peakPowerW = 0.0
    }

    private struct Period: Sendable {
        var month: (from: Date, to: Date)
        /// The days of the month with energy, in order.
        var days: [CostBucket]
        /// Energy up to here is in `days`.
        var through: Date
    }

    private var pricesVersion: Int?
    private var computedAt: Date?
    private var session: Session?
    private var period: Period?

    public init(deviceId: String, maximumPowerW: Double?, recomputeInterval: TimeInterval = 3600, solarPrice: SolarPrice = SolarPrice()) {
        self.deviceId = deviceId
        self.maximumPowerW = maximumPowerW
        self.recomputeInterval = recomputeInterval
        self.solarPrice = solarPrice
    }

    /// Brings the figures of session `sessionId` (`nil`: day and month only) up to `now`.
    /// - Throws: `LedgerError.unknownSession` when the ledger knows nothing of the session.
    public mutating func refresh(
        ledger: Ledger, sessionId: String?, now: Date, tariffs: TariffSet, pricesVersion: Int
    ) throws -> Figures {
        if pricesVersion != self.pricesVersion || computedAt.map({ now.timeIntervalSince($0) >= recomputeInterval }) ?? true {
            self.pricesVersion = pricesVersion
            computedAt = now
            session = nil
            period = nil
        }
        var figures = Figures(day: CostSummary(), month: CostSummary())
        if let sessionId {
            if var current = session, current.info.sessionReferenceId == sessionId {
                current.info.closedAt = try ledger.sessionClosedAt(sessionId)
                session = current
            } else {
                // From the ledger's opening and counter; the records' figures are counted as read.
                var info = try ledger.session(sessionId)
                info.recordCount = 0
                info.importEnergyWh = 0
                info.exportEnergyWh = 0
                info.importSolarWh = 0
                info.end = info.start
                session = Session(info: info)
            }
            try advanceSession(ledger: ledger, tariffs: tariffs)
            if let session {
                figures.info = session.info
                if session.firstImportStart != nil {
                    figures.session = session.total
                    figures.solar = session.solar
                    figures.savings = savings(of: session, tariffs: tariffs)
                }
            }
        } else {
            session = nil
        }
        try advancePeriod(ledger: ledger, now: now, tariffs: tariffs)
        if let period {
            for day in period.days {
                figures.month.add(day.summary)
                if day.start <= now, now < day.end { figures.day = day.summary }
            }
        }
        return figures
    }

    private mutating func advanceSession(ledger: Ledger, tariffs: TariffSet) throws {
        guard var session else { return }
        let id = session.info.sessionReferenceId
        let fresh = try session.last.map { try ledger.records(session: id, after: $0.start, $0.end) } ?? ledger.records(session: id)
        guard let last = fresh.last else { return }
        session.last = (last.start, last.end)
        session.info.recordCount += fresh.count
        session.recordsEnd = max(session.recordsEnd ?? .distantPast, fresh.map { $0.end }.max()!)
        session.info.end = session.recordsEnd!
        if let counted = fresh.filter({ $0.counterWh != nil }).max(by: { $0.end < $1.end }) {
            session.info.lastCounterWh = counted.counterWh
        }
        for record in fresh where record.direction == .export {
            session.info.exportEnergyWh += record.energyWh
        }
        let imports = fresh.filter { $0.direction == .import }
        if let from = imports.map({ $0.start }).min(), let to = imports.map({ $0.end }).max() {
            let timelines = Ledger.timelines(Set(imports.map { $0.tariffRate }), from: from, to: to, tariffs: tariffs)
            let solarTimeline = imports.contains { $0.solarEnergyWh > 0 } ? solarPrice.timeline(from: from, to: to, tariffs: tariffs) : nil
            session.firstImportStart = min(session.firstImportStart ?? from, from)
            for record in imports {
                session.info.importEnergyWh += record.energyWh
                session.peakPowerW = max(session.peakPowerW, record.averagePowerW)
                // As ``SessionCost``: the solar energy at the export price, the rest at the tariff.
                let solarWh = record.solarEnergyWh
                session.info.importSolarWh += solarWh
                if solarWh < record.energyWh || record.energyWh <= 0 {
                    EnergyPricing.forEachPart(start: record.start, end: record.end, energyWh: record.energyWh - solarWh,
                                              timeline: timelines[record.tariffRate]) { session.total.add($0) }
                }
                if solarWh > 0 {
                    EnergyPricing.forEachPart(start: record.start, end: record.end, energyWh: solarWh, timeline: solarTimeline) { part in
                        session.total.add(part)
                        session.solar.add(part)
                    }
                }
            }
        }
        self.session = session
    }

    /// As ``SessionCost``: the same energy charged at once from the plug-in at the session's
    /// highest record power (capped at the vehicle's maximum).
    private func savings(of session: Session, tariffs: TariffSet) -> Double? {
        guard let firstStart = session.firstImportStart, session.total.isComplete else { return nil }
        var peak = session.peakPowerW
        if let maximumPowerW, maximumPowerW > 0 { peak = min(peak, maximumPowerW) }
        let start = min(session.info.openedAt ?? firstStart, firstStart)
        guard let window = SessionCost.baselineWindow(start: start, energyWh: session.total.energyWh, peakPowerW: peak) else { return nil }
        let timeline = Ledger.timelines([.import], from: window.from, to: window.to, tariffs: tariffs)[.import]
        var baseline = CostSummary()
        EnergyPricing.forEachPart(start: window.from, end: window.to, energyWh: session.total.energyWh, timeline: timeline) { baseline.add($0) }
        guard baseline.isComplete else { return nil }
        return baseline.cost - session.total.cost
    }

    private mutating func advancePeriod(ledger: Ledger, now: Date, tariffs: TariffSet) throws {
        let calendar = (tariffs.tariff(for: .import) ?? tariffs.primary).calendar
        // The month is worked out again only when `now` leaves it (time zone rules are slow).
        if period.map({ !($0.month.from <= now && now < $0.month.to) }) ?? true {
            let month = CostPeriod.month.interval(containing: now, calendar: calendar)
            period = Period(month: month, days: [], through: month.from)
        }
        guard var period, period.through < period.month.to else { return }
        let month = period.month
        let intervals = try ledger.energyIntervals(from: period.through, to: month.to, direction: .import, deviceId: deviceId)
        guard let from = intervals.map({ $0.start }).min(), let to = intervals.map({ $0.end }).max() else { return }
        let timelines = Ledger.timelines(Set(intervals.map { $0.tariffRate }), from: max(period.through, from), to: min(month.to, to), tariffs: tariffs)
        // As the session: the solar energy at the export price, so the day is the sum of its sessions.
        let solarTimeline = intervals.contains { $0.solarWh > 0 }
            ? solarPrice.timeline(from: max(period.through, from), to: min(month.to, to), tariffs: tariffs) : nil
        let boundaries = CostPeriod.day.boundaries(from: period.through, to: month.to, calendar: calendar)
        for bucket in CostAggregator.aggregate(intervals, boundaries: boundaries, timelines: timelines, solarTimeline: solarTimeline)
        where bucket.summary != CostSummary() {
            // Each bucket lies in one local day (the boundaries are `through` and the midnights).
            if let index = period.days.lastIndex(where: { $0.start <= bucket.start }), bucket.start < period.days[index].end {
                period.days[index].summary.add(bucket.summary)
            } else {
                let day = CostPeriod.day.interval(containing: bucket.start, calendar: calendar)
                let position = period.days.firstIndex { $0.start > day.from } ?? period.days.endIndex
                period.days.insert(CostBucket(start: day.from, end: day.to, summary: bucket.summary), at: position)
            }
        }
        period.through = max(period.through, min(to, month.to))
        self.period = period
    }
}
