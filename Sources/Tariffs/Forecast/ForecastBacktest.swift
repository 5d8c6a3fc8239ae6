import Foundation

/// A walk-forward test of `PriceForecaster` on a price history: for every local day (the
/// origin) the model is fitted on the days before it and forecasts it and the six after. The
/// origin is the first day whose prices are not yet published: the auction of day D (around
/// 12:45-13:00 CET) publishes D+1, so from then to the next auction the prices are known to the
/// end of D+1, and day 1 is D+2 (as `PriceForecaster` counts days past the last known price);
/// nothing of the origin's day or later is used. Each forecast is compared with the prices that came, quarter-hour by quarter-hour,
/// beside four simple rules (`Baseline`) that see the same past, per day ahead and per
/// season of the forecast day.
public struct ForecastBacktest: Sendable {
    /// The simple rules the forecast is measured against. Each forecasts the target day's
    /// quarter-hour from days known at the origin only.
    public enum Baseline: String, CaseIterable, Sendable, Hashable {
        /// The same local quarter-hour one week before the target day.
        case seasonalNaive = "seasonal_naive"
        /// The mean of the same quarter-hour on the same weekday over the last four weeks
        /// (the target day minus 7, 14, 21 and 28 days; fewer where the history is shorter).
        case weekdayMean = "weekday_mean_4w"
        /// The median of those four (the mean of the middle two).
        case weekdayMedian = "weekday_median_4w"
        /// The last known day repeated: the same quarter-hour on the day before the origin.
        case yesterday

        /// The column heading of the backtest table.
        public var label: String {
            switch self {
            case .seasonalNaive: return "seasonal naive"
            case .weekdayMean: return "4-week mean"
            case .weekdayMedian: return "4-week median"
            case .yesterday: return "yesterday"
            }
        }
    }

    /// The meteorological season of a forecast day (its local month).
    public enum Season: String, CaseIterable, Sendable, Hashable {
        case winter = "DJF", spring = "MAM", summer = "JJA", autumn = "SON"

        public init(month: Int) {
            switch month {
            case 3...5: self = .spring
            case 6...8: self = .summer
            case 9...11: self = .autumn
            default: self = .winter
            }
        }
    }

    /// The errors of one horizon (1 = the first day after the origin).
    public struct HorizonError: Sendable, Hashable {
        public var day: Int
        /// Mean absolute error of the model, in the prices' unit.
        public var forecastMAE: Double
        /// Mean absolute error of each baseline, in `Baseline.allCases` order.
        public var baselineMAEs: [Double]
        /// Quarter-hours compared.
        public var count: Int
        /// The share (0-1) of the quarter-hours with a band whose price fell inside the
        /// forecast's band (nominally 80 %; `ForecastBacktest.bandNominalCoverage`).
        public var bandCoverage: Double
        /// The band's mean width, in the prices' unit.
        public var bandWidth: Double
        /// Quarter-hours that had a band (those with `bandMinimumDays` of past errors).
        public var bandCount: Int

        public init(day: Int, forecastMAE: Double, baselineMAEs: [Double], count: Int, bandCoverage: Double = 0, bandWidth: Double = 0, bandCount: Int = 0) {
            self.day = day
            self.forecastMAE = forecastMAE
            self.baselineMAEs = baselineMAEs
            self.count = count
            self.bandCoverage = bandCoverage
            self.bandWidth = bandWidth
            self.bandCount = bandCount
        }

        /// Mean absolute error of one baseline.
        public func mae(_ baseline: Baseline) -> Double { baselineMAEs[Baseline.allCases.firstIndex(of: baseline)!] }

        /// Mean absolute error of the seasonal-naive forecast.
        public var seasonalNaiveMAE: Double { mae(.seasonalNaive) }

        /// How much lower the model's error is, in percent of the seasonal-naive one.
        public var improvementPercent: Double { improvementPercent(over: .seasonalNaive) }

        /// How much lower the model's error is, in percent of `baseline`'s.
        public func improvementPercent(over baseline: Baseline) -> Double {
            let reference = mae(baseline)
            return reference > 0 ? (1 - forecastMAE / reference) * 100 : 0
        }
    }

    /// The errors of one season, per day ahead.
    public struct SeasonErrors: Sendable, Hashable {
        public var season: Season
        public var horizons: [HorizonError]
        /// Days 1-7 together (weighted by quarter-hours compared).
        public var total: HorizonError { HorizonError.pooled(horizons) }
    }

    /// The outcome: per-horizon errors over all days and per season, and the span of origins tested.
    public struct Report: Sendable, Hashable {
        public var horizons: [HorizonError]
        public var seasons: [SeasonErrors]
        public var origins: Int
        public var firstOrigin: CivilDate?
        public var lastOrigin: CivilDate?

        /// Days 1-7 together.
        public var total: HorizonError { HorizonError.pooled(horizons) }
        /// Mean over all horizons.
        public var forecastMAE: Double { total.forecastMAE }
        public var seasonalNaiveMAE: Double { total.seasonalNaiveMAE }
        public var improvementPercent: Double { total.improvementPercent }

        /// The errors of one season.
        public func errors(_ season: Season) -> SeasonErrors {
            seasons.first { $0.season == season }!
        }
    }

    public var forecaster: PriceForecaster

    public init(forecaster: PriceForecaster) {
        self.forecaster = forecaster
    }

    /// The band around a forecast: quantiles of the model's own signed errors (actual minus
    /// forecast) at the same horizon over the last `bandDays` days whose prices were known at
    /// the origin, meant to hold `bandNominalCoverage` of the prices. The quantiles start at
    /// 10 % and 90 % and adapt as the forecasts are checked (adaptive conformal inference):
    /// the share `alpha` left outside moves by `bandAdaptation` times (0.2 minus the share of
    /// the last checked forecast's prices that fell outside), and the band is the `alpha / 2`
    /// to `1 - alpha / 2` quantiles. Errors drift (the last four weeks' understate the next
    /// week's), and this keeps the share inside near 80 % without a fitted constant.
    public static let bandNominalCoverage = 0.8
    public static let bandAdaptation = 0.05
    public static let bandDays = 28
    /// No band before this many days of past errors.
    public static let bandMinimumDays = 7

    /// Sums of absolute errors, turned into a `HorizonError` at the end.
    struct ErrorSums {
        var forecast = 0.0
        var baselines = [Double](repeating: 0, count: Baseline.allCases.count)
        var count = 0
        var inside = 0
        var width = 0.0
        var banded = 0

        func error(day: Int) -> HorizonError {
            let n = Double(max(count, 1))
            let b = Double(max(banded, 1))
            return HorizonError(day: day, forecastMAE: forecast / n, baselineMAEs: baselines.map { $0 / n }, count: count,
                                bandCoverage: Double(inside) / b, bandWidth: width / b, bandCount: banded)
        }
    }

    /// The `fraction` quantile of sorted `values` (linear between neighbours).
    static func quantile(_ values: [Double], _ fraction: Double) -> Double {
        let position = fraction * Double(values.count - 1)
        let below = Int(position)
        let above = min(below + 1, values.count - 1)
        return values[below] + (values[above] - values[below]) * (position - Double(below))
    }

    /// The four baselines' forecasts (`Baseline.allCases` order) of quarter-hour `slot` of day
    /// `target` made at `origin` (days before `origin` known); `nil` where the seasonal-naive
    /// price was not published (those quarter-hours are not compared).
    static func baselines(grid: DailyPriceGrid, origin: Int, target: Int, slot: Int, weeks: inout [Double]) -> [Double]? {
        let naive = grid.rawValue(day: target - 7, slot: slot)
        guard !naive.isNaN else { return nil }
        weeks.removeAll(keepingCapacity: true)
        for week in 1...4 where target - 7 * week >= 0 { weeks.append(grid.value(day: target - 7 * week, slot: slot)) }
        let mean = weeks.reduce(0, +) / Double(weeks.count)
        let median = ForecastModel.median(&weeks)
        return [naive, mean, median, grid.value(day: origin - 1, slot: slot)]
    }

    /// Runs the walk-forward over `series`, with origins in `[from, to]` (local dates;
    /// default: every day that has a week of history before it and seven known days after).
    public func run(_ series: SpotPriceSeries, from: CivilDate? = nil, to: CivilDate? = nil) -> Report {
        let horizons = PriceForecaster.horizonDays
        let seasons = Season.allCases
        var sums = [ErrorSums](repeating: ErrorSums(), count: horizons)
        var seasonSums = [[ErrorSums]](repeating: [ErrorSums](repeating: ErrorSums(), count: horizons), count: seasons.count)
        func report(origins: Int, first: CivilDate?, last: CivilDate?) -> Report {
            Report(
                horizons: sums.enumerated().map { $1.error(day: $0 + 1) },
                seasons: seasons.enumerated().map { index, season in
                    SeasonErrors(season: season, horizons: seasonSums[index].enumerated().map { $1.error(day: $0 + 1) })
                },
                origins: origins, firstOrigin: first, lastOrigin: last
            )
        }
        guard let grid = DailyPriceGrid(series: series, calendar: forecaster.calendar) else {
            return report(origins: 0, first: nil, last: nil)
        }
        let model = ForecastModel(grid: grid, holidays: forecaster.holidays, trainingDays: forecaster.trainingDays)
        let firstOrigin = max(ForecastModel.firstOrigin + 1, from.map(grid.day(of:)) ?? 0)
        let lastOrigin = min(grid.dayCount - horizons, to.map(grid.day(of:)) ?? Int.max)
        let matrixLength = ForecastModel.matrixLength
        let vectorLength = ForecastModel.vectorLength
        var origins = 0
        var weeks: [Double] = []
        weeks.reserveCapacity(4)
        for horizon in 1...horizons {
            // Prefix sums of every past forecast's normal equations make each fit O(k²).
            let earliest = max(ForecastModel.firstOrigin, firstOrigin - forecaster.trainingDays - horizon)
            let latest = max(earliest, lastOrigin - horizon)
            var prefixA = [[Double]](repeating: [Double](repeating: 0, count: matrixLength), count: latest - earliest + 2)
            var prefixB = [[Double]](repeating: [Double](repeating: 0, count: vectorLength), count: latest - earliest + 2)
            var prefixCount = [Int](repeating: 0, count: latest - earliest + 2)
            for origin in earliest...latest {
                let index = origin - earliest + 1
                prefixA[index] = prefixA[index - 1]
                prefixB[index] = prefixB[index - 1]
                prefixCount[index] = prefixCount[index - 1]
                if let equations = model.normalEquations(origin: origin, horizon: horizon) {
                    for i in 0..<matrixLength { prefixA[index][i] += equations.a[i] }
                    for i in 0..<vectorLength { prefixB[index][i] += equations.b[i] }
                    prefixCount[index] += 1
                }
            }
            origins = 0
            guard firstOrigin <= lastOrigin else { continue }
            // The signed errors of every forecast of this horizon (each hour's first quarter-hour).
            var pastErrors = [[Double]](repeating: [], count: lastOrigin - firstOrigin + 1)
            var pool: [Double] = []
            // The share of each origin's prices outside its band (nil: no band), and the current level.
            var outside = [Double?](repeating: nil, count: lastOrigin - firstOrigin + 1)
            var alpha = 1 - Self.bandNominalCoverage
            for origin in firstOrigin...lastOrigin {
                origins += 1
                // Past forecasts whose target day was known at `origin`.
                let upper = min(origin - horizon, latest) - earliest + 1
                let lower = max(origin - forecaster.trainingDays, earliest) - earliest
                let weights: [Double]
                if upper > lower {
                    let a = zip(prefixA[upper], prefixA[lower]).map { $0 - $1 }
                    let b = zip(prefixB[upper], prefixB[lower]).map { $0 - $1 }
                    weights = ForecastModel.weights(a: a, b: b, count: prefixCount[upper] - prefixCount[lower])
                } else {
                    weights = ForecastModel.fallbackAllBlocks
                }
                let target = origin + horizon - 1
                let season = seasons.firstIndex(of: Season(month: grid.date(ofDay: target).month))!
                let predicted = model.predict(origin: origin, horizon: horizon, weights: weights)
                // The band: past forecasts of this horizon whose day was known at `origin`.
                pool.removeAll(keepingCapacity: true)
                let newest = origin - horizon - firstOrigin
                var days = 0
                for past in stride(from: newest, to: max(-1, newest - Self.bandDays), by: -1) where !pastErrors[past].isEmpty {
                    pool += pastErrors[past]
                    days += 1
                }
                // The forecast made `horizon` days ago has just been checked.
                if newest >= 0, let missed = outside[newest] {
                    alpha = min(max(alpha + Self.bandAdaptation * (1 - Self.bandNominalCoverage - missed), 0), 1)
                }
                var band: (lower: Double, upper: Double)?
                if days >= Self.bandMinimumDays {
                    pool.sort()
                    band = (Self.quantile(pool, alpha / 2), Self.quantile(pool, 1 - alpha / 2))
                }
                var bandedToday = 0
                var outsideToday = 0
                var errorsToday: [Double] = []
                for slot in 0..<DailyPriceGrid.slots {
                    let actual = grid.rawValue(day: target, slot: slot)
                    guard !actual.isNaN else { continue }
                    if slot % 4 == 0 { errorsToday.append(actual - predicted[slot]) }
                    guard let baselines = Self.baselines(grid: grid, origin: origin, target: target, slot: slot, weeks: &weeks) else { continue }
                    if let band {
                        let inside = actual >= predicted[slot] + band.lower && actual <= predicted[slot] + band.upper
                        bandedToday += 1
                        outsideToday += inside ? 0 : 1
                        seasonSums[season][horizon - 1].inside += inside ? 1 : 0
                        seasonSums[season][horizon - 1].width += band.upper - band.lower
                        seasonSums[season][horizon - 1].banded += 1
                        sums[horizon - 1].inside += inside ? 1 : 0
                        sums[horizon - 1].width += band.upper - band.lower
                        sums[horizon - 1].banded += 1
                    }
                    let error = abs(predicted[slot] - actual)
                    sums[horizon - 1].forecast += error
                    seasonSums[season][horizon - 1].forecast += error
                    for (index, baseline) in baselines.enumerated() {
                        let error = abs(baseline - actual)
                        sums[horizon - 1].baselines[index] += error
                        seasonSums[season][horizon - 1].baselines[index] += error
                    }
                    sums[horizon - 1].count += 1
                    seasonSums[season][horizon - 1].count += 1
                }
                pastErrors[origin - firstOrigin] = errorsToday
                if bandedToday > 0 { outside[origin - firstOrigin] = Double(outsideToday) / Double(bandedToday) }
            }
        }
        return report(
            origins: origins,
            first: origins > 0 ? grid.date(ofDay: firstOrigin) : nil,
            last: origins > 0 ? grid.date(ofDay: lastOrigin) : nil
        )
    }
}

extension ForecastBacktest.HorizonError {
    /// Several horizons' errors as one (weighted by quarter-hours compared; `day` 0).
    static func pooled(_ errors: [Self]) -> Self {
        let total = errors.reduce(0) { $0 + $1.count }
        guard total > 0 else {
            return Self(day: 0, forecastMAE: 0, baselineMAEs: [Double](repeating: 0, count: ForecastBacktest.Baseline.allCases.count), count: 0)
        }
        let weight = { (error: Self) in Double(error.count) / Double(total) }
        let banded = errors.reduce(0) { $0 + $1.bandCount }
        let bandWeight = { (error: Self) in banded > 0 ? Double(error.bandCount) / Double(banded) : 0 }
        return Self(
            day: 0,
            forecastMAE: errors.reduce(0) { $0 + $1.forecastMAE * weight($1) },
            baselineMAEs: ForecastBacktest.Baseline.allCases.indices.map { index in errors.reduce(0) { $0 + $1.baselineMAEs[index] * weight($1) } },
            count: total,
            bandCoverage: errors.reduce(0) { $0 + $1.bandCoverage * bandWeight($1) },
            bandWidth: errors.reduce(0) { $0 + $1.bandWidth * bandWeight($1) },
            bandCount: banded
        )
    }
}

extension ForecastBacktest.HorizonError {
    /// How much lower the model's error is than the best baseline's, in percent of it
    /// (negative when some baseline did better).
    public var improvementOverBestBaselinePercent: Double {
        let best = baselineMAEs.min() ?? 0
        return best > 0 ? (1 - forecastMAE / best) * 100 : 0
    }
}
