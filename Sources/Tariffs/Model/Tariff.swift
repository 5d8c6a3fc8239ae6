import Foundation

/// One direction's tariff (import or export): fixed time-of-use layers, a flat price or a
/// dynamic day-ahead price, in the tariff's own time zone. Immutable once loaded; rates
/// are pure functions of it.
public struct Tariff: Sendable, Equatable {
    /// The zone all wall-clock rules are in.
    public let timeZone: TimeZone
    /// ISO 4217 code, e.g. `EUR`.
    public let currency: String
    /// Whether the prices are paid for energy taken (import) or earned for energy sent (export).
    public let direction: EnergyDirection
    /// Charging is allowed only in off-peak hours (the planner treats it as a price cap).
    public let offPeakChargingOnly: Bool
    /// Local wall-clock arithmetic in `timeZone`.
    public let calendar: ZoneCalendar

    /// Fixed prices per layer (the `dynamic` layer's price comes from `dynamic`).
    let fixedPrices: [TariffType: Double]
    /// Weekly layer rules; empty when one layer applies all the time (`alwaysType`).
    let intervals: [WeeklyRule<TariffType>]
    /// Rules for the dates in `holidays`; `nil` to apply the normal ones.
    let holidayIntervals: [WeeklyRule<TariffType>]?
    let holidays: Set<CivilDate>
    let alwaysType: TariffType?
    /// The spot-price formula, when a layer is `dynamic`.
    public let dynamic: DynamicPricing?

    init(
        timeZone: TimeZone, currency: String, direction: EnergyDirection, offPeakChargingOnly: Bool,
        fixedPrices: [TariffType: Double], intervals: [WeeklyRule<TariffType>],
        holidayIntervals: [WeeklyRule<TariffType>]?, holidays: Set<CivilDate>,
        alwaysType: TariffType?, dynamic: DynamicPricing?
    ) {
        self.timeZone = timeZone
        self.currency = currency
        self.direction = direction
        self.offPeakChargingOnly = offPeakChargingOnly
        self.calendar = ZoneCalendar(timeZone: timeZone)
        self.fixedPrices = fixedPrices
        self.intervals = intervals
        self.holidayIntervals = holidayIntervals
        self.holidays = holidays
        self.alwaysType = alwaysType
        self.dynamic = dynamic
    }

    /// The same tariff with other spot prices (for instance freshly fetched ones); the
    /// forecast is learned again from them when it is switched on. `nil` for a tariff
    /// without a dynamic layer.
    public func replacingSpotPrices(_ spot: SpotPriceSeries) -> Tariff? {
        guard let dynamic else { return nil }
        return Tariff(
            timeZone: timeZone, currency: currency, direction: direction, offPeakChargingOnly: offPeakChargingOnly,
            fixedPrices: fixedPrices, intervals: intervals, holidayIntervals: holidayIntervals, holidays: holidays,
            alwaysType: alwaysType, dynamic: dynamic.replacingSpot(spot, calendar: calendar)
        )
    }

    /// The layers this tariff defines, cheapest-named first.
    public var types: [TariffType] {
        var all = Set(fixedPrices.keys)
        if dynamic != nil { all.insert(.dynamic) }
        return all.sorted()
    }

    /// The fixed price of a layer per kWh, `nil` for `dynamic` or an undefined layer.
    public func fixedPrice(of type: TariffType) -> Double? {
        fixedPrices[type]
    }

    /// With `offPeakChargingOnly`, the dearest off-peak (or super-off-peak) fixed price:
    /// the planner never charges above it. `nil` otherwise.
    public var offPeakChargingCap: Double? {
        guard offPeakChargingOnly else { return nil }
        return [TariffType.offPeak, .superOffPeak].compactMap { fixedPrices[$0] }.max()
    }

    /// The prices over `[from, to)`: sorted slices split at every price change (and merged
    /// where the price, layer and confidence stay the same), plus the stretches where no
    /// price is known. Correct across DST: rules are evaluated in local wall-clock time.
    public func rates(from: Date, to: Date) -> RateTimeline {
        guard from < to else { return RateTimeline(from: from, to: to, slices: [], gaps: []) }
        var builder = TimelineBuilder(from: from, to: to)
        for segment in layerSegments(from: from, to: to) {
            if segment.type == .dynamic, let dynamic {
                appendDynamic(dynamic, from: segment.start, to: segment.end, into: &builder)
            } else if let price = fixedPrices[segment.type] {
                builder.append(RateSlice(start: segment.start, end: segment.end, pricePerKWh: price, type: segment.type))
            } else {
                builder.appendGap(from: segment.start, to: segment.end)
            }
        }
        return builder.timeline
    }

    // MARK: Layers in wall-clock time

    struct Segment {
        var start: Date
        var end: Date
        var type: TariffType
    }

    /// The layer in force over `[from, to)`, as contiguous segments.
    func layerSegments(from: Date, to: Date) -> [Segment] {
        if let alwaysType {
            return [Segment(start: from, end: to, type: alwaysType)]
        }
        var segments: [Segment] = []
        forEachLocalRule(of: intervals, holidays: holidayIntervals, from: from, to: to) { start, end, type in
            segments.append(Segment(start: start, end: end, type: type))
        }
        return segments
    }

    /// Calls `body` with each rule occurrence clipped to `[from, to)`, in time order.
    func forEachLocalRule<V>(
        of rules: [WeeklyRule<V>], holidays holidayRules: [WeeklyRule<V>]?, from: Date, to: Date,
        _ body: (Date, Date, V) -> Void
    ) {
        var day = calendar.localDate(of: from).adding(days: -1)
        let lastDay = calendar.localDate(of: to)
        while day <= lastDay {
            defer { day = day.adding(days: 1) }
            let month = Month(number: day.month)
            let isHoliday = holidayRules != nil && holidays.contains(day)
            let todays = (isHoliday ? holidayRules! : rules)
                .filter { (isHoliday || $0.days.contains(day.weekday)) && ($0.months?.contains(month) ?? true) }
                .sorted { $0.start < $1.start }
            for rule in todays {
                let start = max(calendar.instant(of: day, minuteOfDay: rule.start.minutes), from)
                let end = min(calendar.instant(of: day, minuteOfDay: rule.end.minutes), to)
                if start < end {
                    body(start, end, rule.value)
                }
            }
        }
    }

    // MARK: Dynamic prices

    private func appendDynamic(_ dynamic: DynamicPricing, from: Date, to: Date, into builder: inout TimelineBuilder) {
        var zones: [(start: Date, end: Date, charges: Double)] = []
        if !dynamic.chargesZones.isEmpty {
            forEachLocalRule(of: dynamic.chargesZones, holidays: nil, from: from, to: to) { zones.append(($0, $1, $2)) }
        }
        var zoneIndex = 0
        var cursor = from
        // One priced stretch, split at the charges zones that cut it.
        func appendPrice(start: Date, end: Date, spot: Double, confidence: Double) {
            if start > cursor {
                builder.appendGap(from: cursor, to: start)
                cursor = start
            }
            let pieceLimit = min(end, to)
            while cursor < pieceLimit {
                while zoneIndex < zones.count, zones[zoneIndex].end <= cursor { zoneIndex += 1 }
                var pieceEnd = pieceLimit
                var charges = dynamic.charges
                if zoneIndex < zones.count {
                    let zone = zones[zoneIndex]
                    if zone.start <= cursor {
                        charges = zone.charges
                        pieceEnd = min(pieceEnd, zone.end)
                    } else {
                        pieceEnd = min(pieceEnd, zone.start)
                    }
                }
                builder.append(RateSlice(
                    start: cursor, end: pieceEnd,
                    pricePerKWh: dynamic.price(spot: spot, charges: charges), type: .dynamic, confidence: confidence
                ))
                cursor = pieceEnd
            }
        }
        let rows = dynamic.spot.rows
        var rowIndex = dynamic.spot.firstIndex(endingAfter: from)
        while rowIndex < rows.count, rows[rowIndex].start < to {
            appendPrice(start: rows[rowIndex].start, end: rows[rowIndex].end, spot: rows[rowIndex].price, confidence: 1)
            rowIndex += 1
        }
        // Past the last known price, the forecast (which starts where the prices end).
        if cursor < to, let lastEnd = dynamic.spot.lastEnd, lastEnd < to, case let forecast = dynamic.forecast,
           let first = forecast.first, first.start < to {
            var low = forecast.partitioningIndex { $0.end > cursor }
            while low < forecast.count, forecast[low].start < to {
                appendPrice(start: forecast[low].start, end: forecast[low].end, spot: forecast[low].price, confidence: forecast[low].confidence)
                low += 1
            }
        }
        builder.appendGap(from: cursor, to: to)
    }
}
