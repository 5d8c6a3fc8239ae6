import Foundation

/// Forecasts day-ahead spot prices for up to seven days past the last known one, learned
/// from the series itself (see `ForecastModel` for the features). Pure and deterministic:
/// the same history always gives the same forecast.
public struct PriceForecaster: Sendable, Hashable {
    /// How many local days past the last known price are forecast.
    public static let horizonDays = 7

    /// Local wall-clock arithmetic: days and quarter-hours are the tariff's.
    public var calendar: ZoneCalendar
    /// Days treated as Sundays.
    public var holidays: MarketHolidays
    /// How many days of past forecasts the weights are fitted on.
    public var trainingDays: Int

    /// The default of `trainingDays`.
    public static let defaultTrainingDays = 365

    public init(calendar: ZoneCalendar, holidays: MarketHolidays = MarketHolidays(), trainingDays: Int = defaultTrainingDays) {
        self.calendar = calendar
        self.holidays = holidays
        self.trainingDays = trainingDays
    }

    /// The confidence of a price forecast `horizon` local days ahead (1 = the first day
    /// past the last known price): 0.9 on day 1, falling by 0.1 a day to 0.3 on day 7.
    public static func confidence(horizon: Int) -> Double {
        Double(10 - min(max(horizon, 1), 9)) / 10
    }

    /// Quarter-hour forecast rows from the end of `series` for up to `horizonDays` local
    /// days (never more than seven days of time), in the series' unit. Empty when the
    /// history is shorter than a week.
    public func forecast(_ series: SpotPriceSeries) -> [ForecastPrice] {
        guard let lastEnd = series.lastEnd else { return [] }
        // A year of training plus the features' year and three weeks is all the model looks at.
        let lookback = Double(trainingDays + ForecastModel.featureLookbackDays + 2 * Self.horizonDays + 2) * 86_400
        guard let grid = DailyPriceGrid(series: series, calendar: calendar, from: lastEnd.addingTimeInterval(-lookback)) else { return [] }
        let model = ForecastModel(grid: grid, holidays: holidays, trainingDays: trainingDays)
        // The origin is the local day of the first instant without a price.
        let origin = grid.day(of: calendar.localDate(of: lastEnd))
        guard origin >= ForecastModel.firstOrigin else { return [] }
        let limit = lastEnd.addingTimeInterval(Double(Self.horizonDays) * 86_400)
        var rows: [ForecastPrice] = []
        for horizon in 1...Self.horizonDays {
            let target = origin + horizon - 1
            let prices = model.predict(origin: origin, horizon: horizon, weights: model.fittedWeights(origin: origin, horizon: horizon))
            let date = grid.date(ofDay: target)
            let dayEnd = calendar.startOfDay(date.adding(days: 1))
            var instant = max(calendar.startOfDay(date), lastEnd)
            while instant < dayEnd, instant < limit {
                let end = min(instant.addingTimeInterval(900), dayEnd, limit)
                let slot = calendar.localDateAndMinute(of: instant).minuteOfDay / 15
                rows.append(ForecastPrice(start: instant, end: end, price: prices[slot], confidence: Self.confidence(horizon: horizon)))
                instant = end
            }
        }
        return rows
    }
}
