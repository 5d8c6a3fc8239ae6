import Foundation

/// What the forecast is worth to a charge: weekend sessions longer than the known prices,
/// planned three ways and paid at the prices that came.
///
/// Each session is plugged on a Friday at 18:00 and needed on the Monday at 07:00 (local),
/// `energyKWh` at `powerKW`. At 18:00 on Friday the prices are known to the end of Saturday;
/// each day-ahead auction publishes the next day at about 12:45, so the plan is re-made at
/// 13:00 on Saturday (Sunday known) and on Sunday (Monday known, everything known). Between
/// re-plans the car charges in the quarter-hours the plan chose there. Plans fill the cheapest
/// quarter-hours (earlier ones on a tie) until the energy is met:
///
/// - perfect foresight: once, on the prices that came;
/// - forecast: on the known prices and the forecast beyond them, re-made at each publication;
/// - known prices only: on the known quarter-hours alone (the planner without a forecast),
///   re-made at each publication; whatever the known quarter-hours cannot hold waits for the
///   next re-plan. With 30 known hours at the plug-in it charges on Friday night and Saturday.
public struct ForecastSessions: Sendable {
    /// One weekend.
    public struct Session: Sendable, Hashable {
        /// The local Friday of the plug-in.
        public var friday: CivilDate
        /// The cost of each plan, in the prices' unit times MWh (EUR for EUR/MWh).
        public var perfectCost: Double
        public var forecastCost: Double
        public var knownOnlyCost: Double
    }

    /// All sessions and their totals.
    public struct Report: Sendable, Hashable {
        public var sessions: [Session]
        public var perfectCost: Double { sessions.reduce(0) { $0 + $1.perfectCost } }
        public var forecastCost: Double { sessions.reduce(0) { $0 + $1.forecastCost } }
        public var knownOnlyCost: Double { sessions.reduce(0) { $0 + $1.knownOnlyCost } }

        /// The extra cost of the forecast's plans over perfect foresight, in percent of perfect foresight.
        public var forecastExtraPercent: Double { perfectCost != 0 ? (forecastCost / perfectCost - 1) * 100 : 0 }
        /// The same for planning on known prices only.
        public var knownOnlyExtraPercent: Double { perfectCost != 0 ? (knownOnlyCost / perfectCost - 1) * 100 : 0 }
        /// The mean extra cost per session over perfect foresight.
        public var forecastExtraPerSession: Double { sessions.isEmpty ? 0 : (forecastCost - perfectCost) / Double(sessions.count) }
        public var knownOnlyExtraPerSession: Double { sessions.isEmpty ? 0 : (knownOnlyCost - perfectCost) / Double(sessions.count) }
    }

    public var forecaster: PriceForecaster
    public var energyKWh: Double
    public var powerKW: Double

    public init(forecaster: PriceForecaster, energyKWh: Double = 50, powerKW: Double = 3.7) {
        self.forecaster = forecaster
        self.energyKWh = energyKWh
        self.powerKW = powerKW
    }

    /// Every Friday of `series` (within `[from, to]`, local dates) with a week of history
    /// before it and prices known to the Monday.
    public func run(_ series: SpotPriceSeries, from: CivilDate? = nil, to: CivilDate? = nil) -> Report {
        guard let grid = DailyPriceGrid(series: series, calendar: forecaster.calendar) else { return Report(sessions: []) }
        let model = ForecastModel(grid: grid, holidays: forecaster.holidays, trainingDays: forecaster.trainingDays)
        let slots = DailyPriceGrid.slots
        let first = max(ForecastModel.firstOrigin, from.map(grid.day(of:)) ?? 0)
        let last = min(grid.dayCount - 4, to.map(grid.day(of:)) ?? Int.max)
        var sessions: [Session] = []
        guard first <= last else { return Report(sessions: []) }
        for friday in first...last where grid.date(ofDay: friday).weekday == .friday {
            let start = friday * slots + 72
            let end = (friday + 3) * slots + 28
            // Re-plans: the plug-in (Sunday unknown), Saturday and Sunday 13:00.
            let replans = [(start, friday + 2), ((friday + 1) * slots + 52, friday + 3), ((friday + 2) * slots + 52, friday + 4)]
            let perfect = plan(grid: grid, cells: start..<end, prices: { grid.rawValue(day: $0 / slots, slot: $0 % slots) })
            var forecasts: [Int: [Double]] = [:]
            var costs: [Double] = []
            for usesForecast in [true, false] {
                var remaining = energyKWh
                var cost = 0.0
                for (index, (now, unknown)) in replans.enumerated() {
                    let next = index + 1 < replans.count ? replans[index + 1].0 : end
                    let chosen = plan(grid: grid, cells: now..<end, energy: remaining) { cell in
                        let day = cell / slots
                        if day < unknown { return grid.rawValue(day: day, slot: cell % slots) }
                        guard usesForecast else { return nil }
                        let key = unknown * 8 + day - unknown + 1
                        if forecasts[key] == nil {
                            let horizon = day - unknown + 1
                            forecasts[key] = model.predict(origin: unknown, horizon: horizon, weights: model.fittedWeights(origin: unknown, horizon: horizon))
                        }
                        return forecasts[key]![cell % slots]
                    }
                    for (cell, energy) in chosen where cell < next {
                        cost += grid.rawValue(day: cell / slots, slot: cell % slots) * energy / 1000
                        remaining -= energy
                    }
                }
                costs.append(cost)
            }
            sessions.append(Session(friday: grid.date(ofDay: friday), perfectCost: perfect.reduce(0) { $0 + grid.rawValue(day: $1.cell / slots, slot: $1.cell % slots) * $1.energy / 1000 },
                                    forecastCost: costs[0], knownOnlyCost: costs[1]))
        }
        return Report(sessions: sessions)
    }

    /// The cheapest quarter-hours of `cells` by `prices` (earlier first on a tie; a quarter-hour
    /// without a price, or whose price did not come, is not used) filled until `energy` (kWh,
    /// default the whole session's) is met: each cell and the energy it takes.
    func plan(grid: DailyPriceGrid, cells: Range<Int>, energy: Double? = nil, prices: (Int) -> Double?) -> [(cell: Int, energy: Double)] {
        let slots = DailyPriceGrid.slots
        var candidates: [(cell: Int, price: Double)] = []
        for cell in cells where !grid.rawValue(day: cell / slots, slot: cell % slots).isNaN {
            if let price = prices(cell), !price.isNaN { candidates.append((cell, price)) }
        }
        candidates.sort { $0.price != $1.price ? $0.price < $1.price : $0.cell < $1.cell }
        var remaining = energy ?? energyKWh
        let perCell = powerKW / 4
        var chosen: [(cell: Int, energy: Double)] = []
        for candidate in candidates where remaining > 1e-9 {
            let take = min(perCell, remaining)
            chosen.append((candidate.cell, take))
            remaining -= take
        }
        return chosen
    }
}
