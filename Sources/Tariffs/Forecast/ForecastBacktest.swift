import Foundation

/// A walk-forward test of `PriceForecaster` on a price history: at the start of every local
/// day (the origin) the model is fitted on what was known then and forecasts the next seven
/// days; each forecast is compared with the prices that came, quarter-hour by quarter-hour,
/// beside the seasonal-naive forecast (the same local quarter-hour one week earlier).
public struct ForecastBacktest: Sendable {
    /// The errors of one horizon (1 = the first day after the origin).
    public struct HorizonError: Sendable, Hashable {
        public var day: Int
        /// Mean absolute error of the model, in the prices' unit.
        public var forecastMAE: Double
        /// Mean absolute error of the seasonal-naive forecast.
        public var seasonalNaiveMAE: Double
        /// Quarter-hours compared.
        public var count: Int

        /// How much lower the model's error is, in percent of the seasonal-naive one.
        public var improvementPercent: Double {
            seasonalNaiveMAE > 0 ? (1 - forecastMAE / seasonalNaiveMAE) * 100 : 0
        }
    }

    /// The outcome: per-horizon errors and the span of origins tested.
    public struct Report: Sendable, Hashable {
        public var horizons: [HorizonError]
        public var origins: Int
        public var firstOrigin: CivilDate?
        public var lastOrigin: CivilDate?

        /// Mean over all horizons.
        public var forecastMAE: Double { weightedMean(\.forecastMAE) }
        public var seasonalNaiveMAE: Double { weightedMean(\.seasonalNaiveMAE) }
        public var improvementPercent: Double {
            seasonalNaiveMAE > 0 ? (1 - forecastMAE / seasonalNaiveMAE) * 100 : 0
        }

        private func weightedMean(_ key: KeyPath<HorizonError, Double>) -> Double {
            let total = horizons.reduce(0) { $0 + $1.count }
            return total == 0 ? 0 : horizons.reduce(0.0) { $0 + $1[keyPath: key] * Double($1.count) } / Double(total)
        }
    }

    public var forecaster: PriceForecaster

    public init(forecaster: PriceForecaster) {
        self.forecaster = forecaster
    }

    /// Runs the walk-forward over `series`, with origins in `[from, to]` (local dates;
    /// default: every day that has a week of history before it and seven known days after).
    public func run(_ series: SpotPriceSeries, from: CivilDate? = nil, to: CivilDate? = nil) -> Report {
        let horizons = PriceForecaster.horizonDays
        guard let grid = DailyPriceGrid(series: series, calendar: forecaster.calendar) else {
            return Report(horizons: (1...horizons).map { HorizonError(day: $0, forecastMAE: 0, seasonalNaiveMAE: 0, count: 0) }, origins: 0)
        }
        let model = ForecastModel(grid: grid, holidays: forecaster.holidays, trainingDays: forecaster.trainingDays)
        let firstOrigin = max(ForecastModel.firstOrigin + 1, from.map(grid.day(of:)) ?? 0)
        let lastOrigin = min(grid.dayCount - horizons, to.map(grid.day(of:)) ?? Int.max)
        let matrixLength = ForecastModel.matrixLength
        let vectorLength = ForecastModel.vectorLength
        var errors: [HorizonError] = []
        var origins = 0
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
            var forecastError = 0.0
            var naiveError = 0.0
            var count = 0
            origins = 0
            if firstOrigin <= lastOrigin {
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
                    let predicted = model.predict(origin: origin, horizon: horizon, weights: weights)
                    for slot in 0..<DailyPriceGrid.slots {
                        let actual = grid.rawValue(day: target, slot: slot)
                        let naive = grid.rawValue(day: target - 7, slot: slot)
                        guard !actual.isNaN, !naive.isNaN else { continue }
                        forecastError += abs(predicted[slot] - actual)
                        naiveError += abs(naive - actual)
                        count += 1
                    }
                }
            }
            errors.append(HorizonError(
                day: horizon,
                forecastMAE: count > 0 ? forecastError / Double(count) : 0,
                seasonalNaiveMAE: count > 0 ? naiveError / Double(count) : 0,
                count: count
            ))
        }
        return Report(
            horizons: errors, origins: origins,
            firstOrigin: origins > 0 ? grid.date(ofDay: firstOrigin) : nil,
            lastOrigin: origins > 0 ? grid.date(ofDay: lastOrigin) : nil
        )
    }
}
