import Foundation
import Tariffs

/// What one charging session cost, priced record by record at the prices as they stand.
///
/// `savings` compares with a plain charger: the same energy charged at once from the session's
/// start at the highest average power any of its records showed (capped at the most the car
/// and charger take, when known: a record stretched by a late or early reading overstates it).
public struct SessionCost: Sendable {
    /// A part of one record's energy inside one rate slice.
    public struct Part: Sendable, Hashable {
        public var recordReferenceId: String
        public var priced: PricedEnergy
        /// Solar energy, priced at the export price (``SolarPrice``); else energy from the grid.
        public var solar: Bool = false
    }

    public var sessionReferenceId: String
    /// The device of the session's first record.
    public var deviceId: String
    /// The direction costed (records of the other direction are left out).
    public var direction: EnergyDirection
    /// Start of the first record.
    public var start: Date
    /// End of the last record.
    public var end: Date
    /// Number of records costed.
    public var recordCount: Int
    /// Every record cut at every price change, in time order: with solar prices, each record's
    /// grid energy (at its tariff's prices) and its solar energy (`solar`, at the export price).
    public var parts: [Part]
    /// Totals over `parts`: all the energy, grid and solar, and its cost.
    public var total: CostSummary
    /// The solar part of `total` (the records' `solar_wh`), priced at the export price.
    public var solar = CostSummary()

    /// The solar share of the energy, percent (0 without energy).
    public var solarSharePercentage: Double {
        total.energyWh > 0 ? solar.energyWh / total.energyWh * 100 : 0
    }
    /// Energy and cost per tariff type and price level.
    public var breakdown: TariffBreakdown
    /// The highest average power of any record, in watts, capped at `maximumPowerW` when given:
    /// the plain charger's power in the baseline.
    public var peakPowerW: Double
    /// The same energy charged at once at `peakPowerW` from the plug-in (or `start`), import only.
    public var baseline: CostSummary?

    /// What charging at once would have cost more (negative: it would have been cheaper);
    /// `nil` when there is no baseline or some energy had no price.
    public var savings: Double? {
        guard let baseline, baseline.isComplete, total.isComplete else { return nil }
        return baseline.cost - total.cost
    }

    /// `savings` as a percentage of the baseline's cost.
    public var savingsPercentage: Double? {
        guard let savings, let baseline, baseline.cost != 0 else { return nil }
        return savings / abs(baseline.cost) * 100
    }

    /// Costs the records of `direction` in `records` (one session), each with the timeline of
    /// its `tariffRate`. `nil` when none of the records has that direction. The baseline starts
    /// at `openedAt` (plug-in) when known: a plain charger would have started then, not when a
    /// smart plan first drew energy. `maximumPowerW` (the car's and charger's limit) caps the
    /// baseline's power. With `solarTimeline` (import only), each record's solar energy
    /// (`solarWh`) is priced on it and the rest on its tariff; without, all of it on its tariff.
    public init?(
        sessionReferenceId: String, direction: EnergyDirection, records: [MeterRecord],
        timelines: [EnergyDirection: RateTimeline], openedAt: Date? = nil, maximumPowerW: Double? = nil,
        solarTimeline: RateTimeline? = nil
    ) {
        let chosen = records.filter { $0.direction == direction }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        guard let first = chosen.first else { return nil }
        self.sessionReferenceId = sessionReferenceId
        self.direction = direction
        deviceId = first.deviceId
        start = first.start
        end = chosen.map(\.end).max()!
        recordCount = chosen.count
        var parts: [Part] = []
        var total = CostSummary()
        var breakdown = TariffBreakdown()
        var peak = 0.0
        var solar = CostSummary()
        let solarTimeline = direction == .import ? solarTimeline : nil
        for record in chosen {
            peak = max(peak, record.averagePowerW)
            let solarWh = solarTimeline == nil ? 0 : record.solarEnergyWh
            if solarWh < record.energyWh || record.energyWh <= 0 {
                EnergyPricing.forEachPart(start: record.start, end: record.end, energyWh: record.energyWh - solarWh,
                                          timeline: timelines[record.tariffRate]) { part in
                    parts.append(Part(recordReferenceId: record.recordReferenceId, priced: part))
                    total.add(part)
                    breakdown.add(part)
                }
            }
            if solarWh > 0 {
                EnergyPricing.forEachPart(start: record.start, end: record.end, energyWh: solarWh, timeline: solarTimeline) { part in
                    parts.append(Part(recordReferenceId: record.recordReferenceId, priced: part, solar: true))
                    total.add(part)
                    solar.add(part)
                }
            }
        }
        self.parts = parts
        self.solar = solar
        self.total = total
        self.breakdown = breakdown
        if let maximumPowerW, maximumPowerW > 0 { peak = min(peak, maximumPowerW) }
        peakPowerW = peak
        let baselineStart = min(openedAt ?? start, start)
        if direction == .import, let window = Self.baselineWindow(start: baselineStart, energyWh: total.energyWh, peakPowerW: peak) {
            var baseline = CostSummary()
            EnergyPricing.forEachPart(start: window.from, end: window.to, energyWh: total.energyWh,
                                      timeline: timelines[direction]) { baseline.add($0) }
            self.baseline = baseline
        } else {
            baseline = nil
        }
    }

    /// The interval over which charging at once at `peakPowerW` delivers `energyWh`.
    static func baselineWindow(start: Date, energyWh: Double, peakPowerW: Double) -> (from: Date, to: Date)? {
        guard peakPowerW > 0, energyWh > 0 else { return nil }
        return (start, start.addingTimeInterval(energyWh / peakPowerW * 3600))
    }

    /// The window of prices needed to cost `records` and their baseline.
    public static func priceWindow(for records: [MeterRecord], openedAt: Date? = nil, maximumPowerW: Double? = nil) -> (from: Date, to: Date)? {
        guard let first = records.map(\.start).min(), let to = records.map(\.end).max() else { return nil }
        let from = min(openedAt ?? first, first)
        let energy = records.reduce(0) { $0 + $1.energyWh }
        var peak = records.map(\.averagePowerW).max() ?? 0
        if let maximumPowerW, maximumPowerW > 0 { peak = min(peak, maximumPowerW) }
        let baselineEnd = baselineWindow(start: from, energyWh: energy, peakPowerW: peak)?.to ?? to
        return (from, max(to, baselineEnd, from.addingTimeInterval(1)))
    }
}
