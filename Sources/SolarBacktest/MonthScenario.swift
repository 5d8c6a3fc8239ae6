import Foundation
import Planning
import Tariffs

/// The backtest's month: a home at 50° N with 8 kWp on the roof, the house of ``HouseModel``,
/// seeded weather (``WeatherModel``), and a car that plugs in every evening at 18:00 and needs
/// its energy by 18:00 the next day (a car at home through the day: a home office, a second
/// car), on an 11 kW wallbox (6-16 A on three phases) under a 25 A x 3 connection.
public struct MonthScenario: Sendable {
    public var timeZone: TimeZone
    /// The first evening (local date, midnight).
    public var firstDay: DateComponents
    /// How many evenings the car plugs in.
    public var days: Int
    public var pv: PVSystem
    public var weather: WeatherModel
    public var house: HouseModel
    /// Plug-in and departure, minutes after local midnight (departure on the next day).
    public var plugInMinute: Int = 18 * 60
    public var departureMinute: Int = 18 * 60
    /// What each session needs, Wh: seeded, uniform in this range.
    public var energyRangeWh: ClosedRange<Double> = 12_000...30_000
    public var maxPowerW: Double = 11_040
    public var charger: Charger = .current(phases: 3, minCurrentA: 6, maxCurrentA: 16)
    /// 25 A on three phases at 230 V.
    public var connectionW: Double = 17_250
    /// What a kWh fed in earns (about the German feed-in tariff for a small roof in 2026).
    public var exportPricePerKWh: Double = 0.08
    public var stepSeconds: Double = 60

    public init(timeZone: TimeZone = TimeZone(identifier: "Europe/Berlin")!,
                firstDay: DateComponents = DateComponents(year: 2026, month: 5, day: 1), days: Int = 30,
                pv: PVSystem = PVSystem(), weather: WeatherModel = WeatherModel(), house: HouseModel = HouseModel()) {
        self.timeZone = timeZone
        self.firstDay = firstDay
        self.days = days
        self.pv = pv
        self.weather = weather
        self.house = house
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Local midnight of day `offset` after the first.
    public func midnight(_ offset: Int) -> Date {
        calendar.date(byAdding: .day, value: offset, to: calendar.date(from: firstDay)!)!
    }

    /// Where the site series starts and ends: the first day's midnight to the last departure.
    public var span: (start: Date, end: Date) {
        (midnight(0), midnight(days).addingTimeInterval(Double(departureMinute) * 60))
    }

    /// Every day's weather, from the first day's midnight on (`days + 1` days: the last session
    /// ends on the day after the last evening).
    public func weatherDays() -> [DayWeather] {
        weather.days(days + 1) { day, seconds in pv.clearSkyW(at: midnight(day).addingTimeInterval(seconds)) }
    }

    /// The site, real and forecast, over ``span``.
    public func siteSeries() -> SiteSeries {
        let weatherDays = weatherDays()
        let appliances = house.appliances(days: days + 2)
        let start = span.start
        let clearness = weatherDays.map(\.forecastClearness)
        let midnights = (0...(days + 2)).map(midnight)
        // The local day of `date` and the seconds since its midnight (a day is 23 to 25 hours).
        func position(_ date: Date) -> (day: Int, seconds: Double) {
            var day = min(midnights.count - 2, max(0, Int(date.timeIntervalSince(start) / 86_400)))
            while day > 0, midnights[day] > date { day -= 1 }
            while day + 1 < midnights.count - 1, midnights[day + 1] <= date { day += 1 }
            return (day, date.timeIntervalSince(midnights[day]))
        }
        return SiteSeries(
            start: span.start, end: span.end, stepSeconds: stepSeconds,
            pvW: { date in
                let (day, seconds) = position(date)
                return pv.clearSkyW(at: date) * weatherDays[min(day, weatherDays.count - 1)].factor(secondsIntoDay: seconds)
            },
            houseW: { date in
                let (day, seconds) = position(date)
                let minute = seconds / 60
                var watts = house.usualW(minuteOfDay: minute)
                for run in appliances[min(day, appliances.count - 1)] where minute >= run.startMinute && minute < run.startMinute + run.minutes {
                    watts += run.watts
                }
                return watts
            },
            forecastPVW: { date in
                let (day, _) = position(date)
                return pv.clearSkyW(at: date) * clearness[min(day, clearness.count - 1)]
            },
            forecastHouseW: { date in house.usualW(minuteOfDay: position(date).seconds / 60) })
    }

    /// The sessions: each evening at ``plugInMinute`` to the next day's ``departureMinute``.
    public func sessions() -> [SolarBacktest.Session] {
        var random = Xorshift(seed: weather.seed &+ 1)
        return (0..<days).map { day in
            let energy = energyRangeWh.lowerBound + (energyRangeWh.upperBound - energyRangeWh.lowerBound) * random.unit()
            return SolarBacktest.Session(
                plugIn: midnight(day).addingTimeInterval(Double(plugInMinute) * 60),
                departure: midnight(day + 1).addingTimeInterval(Double(departureMinute) * 60),
                energyWh: (energy / 100).rounded() * 100)
        }
    }

    /// The backtest on `prices` (import, covering ``span``).
    public func backtest(prices: [RateSlice]) -> SolarBacktest {
        SolarBacktest(site: siteSeries(), prices: prices, exportPricePerKWh: exportPricePerKWh, connectionW: connectionW,
                      maxPowerW: maxPowerW, charger: charger, sessions: sessions())
    }
}

extension MonthScenario {
    /// The import prices over ``span`` from `tariff`; throws where it has none.
    public func importPrices(_ tariff: Tariff) throws -> [RateSlice] {
        let timeline = tariff.rates(from: span.start, to: span.end)
        if let gap = timeline.gaps.first {
            throw BacktestError("the tariff has no price from \(Timestamp.format(gap.start)) to \(Timestamp.format(gap.end))")
        }
        return timeline.slices
    }

    /// The repository's example dynamic tariff (`Examples/tariff-dynamic.yaml`: DE-LU spot plus
    /// 0.12 charges, 0.20 on weekday evenings 17:00-20:00, 19 % VAT) on the long 15-minute price
    /// file, which covers the whole of May 2026 (the example's own file starts on 10 May).
    public static func exampleTariff(examplesFolder: URL) throws -> Tariff {
        let file = examplesFolder.appendingPathComponent("tariff-dynamic.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let shortFile = "prices/de-lu-2026-05-15min.csv"
        guard text.contains(shortFile) else {
            throw BacktestError("\(file.path) no longer reads \(shortFile)")
        }
        let swapped = text.replacingOccurrences(of: shortFile, with: "prices/de-lu-dayahead-15min.csv.gz")
        guard let tariff = try TariffSet.parse(Data(swapped.utf8), baseDirectory: examplesFolder).importTariff else {
            throw BacktestError("\(file.path) has no import tariff")
        }
        return tariff
    }
}
