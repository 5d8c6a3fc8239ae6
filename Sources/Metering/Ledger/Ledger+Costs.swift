import Foundation
import Tariffs

/// Costs from the ledger's records and the prices as they stand: nothing costed is stored, so
/// a corrected price gives a corrected cost the next time it is asked.
extension Ledger {
    /// The cost of session `id` for `direction`, every record cut at every price change;
    /// `maximumPowerW` (the car's and charger's limit) caps the savings baseline's power. The
    /// records' solar energy is priced at `solarPrice` (docs/costs.md), the rest at the tariff.
    /// - Throws: `LedgerError.unknownSession` when the ledger has no record of that session or
    ///   none of that direction.
    public func sessionCost(_ id: String, direction: EnergyDirection = .import, tariffs: TariffSet, maximumPowerW: Double? = nil,
                            solarPrice: SolarPrice = SolarPrice()) throws -> SessionCost {
        let all = try records(session: id)
        let records = all.filter { $0.direction == direction }
        let openedAt = try? session(id).openedAt
        guard let window = SessionCost.priceWindow(for: records, openedAt: openedAt ?? nil, maximumPowerW: maximumPowerW) else {
            throw all.isEmpty ? LedgerError.unknownSession(id: id, path: path)
                : LedgerError.noRecords(session: id, direction: direction.rawValue, path: path)
        }
        var needed = Set(records.map(\.tariffRate))
        needed.insert(direction)
        let timelines = Self.timelines(needed, from: window.from, to: window.to, tariffs: tariffs)
        return SessionCost(sessionReferenceId: id, direction: direction, records: records, timelines: timelines,
                           openedAt: openedAt ?? nil, maximumPowerW: maximumPowerW,
                           solarTimeline: solarPrice.timeline(from: window.from, to: window.to, tariffs: tariffs))!
    }

    /// The cost of `direction`'s energy in `[from, to)`, summed per local `period` in the time
    /// zone of `direction`'s tariff (or the import tariff's); all devices or one.
    /// The first and last periods are cut at `from` and `to`. The records' solar energy is priced
    /// at `solarPrice`, the rest at the tariff, as ``sessionCost(_:direction:tariffs:maximumPowerW:solarPrice:)``
    /// does: a day's cost is the sum of its sessions'.
    public func intervalCost(
        from: Date, to: Date, period: CostPeriod, direction: EnergyDirection = .import,
        deviceId: String? = nil, tariffs: TariffSet, solarPrice: SolarPrice = SolarPrice()
    ) throws -> [CostBucket] {
        let calendar = (tariffs.tariff(for: direction) ?? tariffs.primary).calendar
        let boundaries = period.boundaries(from: from, to: to, calendar: calendar)
        guard boundaries.count >= 2 else { return [] }
        let intervals = try energyIntervals(from: from, to: to, direction: direction, deviceId: deviceId)
        // Prices are needed only where there is energy: a month's prices for the minutes a car has
        // charged so far cost the bridge most of its time at a thousand cars (`make load`).
        let priced = (intervals.map(\.start).min().map { max(from, $0) } ?? from, intervals.map(\.end).max().map { min(to, $0) } ?? from)
        let timelines = Self.timelines(Set(intervals.map(\.tariffRate)), from: priced.0, to: max(priced.0, priced.1), tariffs: tariffs)
        let solarTimeline = intervals.contains { $0.solarWh > 0 }
            ? solarPrice.timeline(from: priced.0, to: max(priced.0, priced.1), tariffs: tariffs) : nil
        return CostAggregator.aggregate(intervals, boundaries: boundaries, timelines: timelines, solarTimeline: solarTimeline)
    }

    /// The cost of `deviceId`'s `direction` energy in the local day (or month, year) holding
    /// `instant`, for the bridge's `cost/today` and `cost/month`.
    public func periodCost(
        _ period: CostPeriod, containing instant: Date, deviceId: String?, direction: EnergyDirection = .import,
        tariffs: TariffSet, solarPrice: SolarPrice = SolarPrice()
    ) throws -> CostSummary {
        let calendar = (tariffs.tariff(for: direction) ?? tariffs.primary).calendar
        let window = period.interval(containing: instant, calendar: calendar)
        var total = CostSummary()
        for bucket in try intervalCost(from: window.from, to: window.to, period: period, direction: direction,
                                       deviceId: deviceId, tariffs: tariffs, solarPrice: solarPrice) {
            total.add(bucket.summary)
        }
        return total
    }

    static func timelines(
        _ rates: Set<EnergyDirection>, from: Date, to: Date, tariffs: TariffSet
    ) -> [EnergyDirection: RateTimeline] {
        var result: [EnergyDirection: RateTimeline] = [:]
        for rate in rates {
            if let tariff = tariffs.tariff(for: rate) {
                result[rate] = tariff.rates(from: from, to: to)
            }
        }
        return result
    }
}
