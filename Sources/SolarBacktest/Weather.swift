import Foundation

/// The sky of one day in the backtest: how much of the clear-sky production reaches the panels,
/// block by block, and what a day-ahead forecast said about it.
public struct DayWeather: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Mostly clear, a cloud now and then.
        case sunny
        /// Clouds passing: clear and shaded stretches of tens of minutes.
        case mixed
        /// Grey all day: diffuse light only, no sharp changes.
        case overcast
    }

    public var kind: Kind
    /// The share of the clear-sky power that gets through, per block of ``blockSeconds`` from
    /// the day's start (a shaded block lets 25 % through).
    public var blocks: [Double]
    /// The day's clearness: `blocks` averaged weighted by the clear-sky power (the share of the
    /// clear-sky energy that got through).
    public var clearness: Double
    /// The day's clearness as forecast the day before: the real clearness (its clear-sky
    /// weighted average of `blocks`) plus a normal error, within 0.05...1.
    public var forecastClearness: Double

    /// The length of a block, seconds.
    public static let blockSeconds = 600.0
    /// What a passing cloud lets through.
    public static let shadeFactor = 0.25

    /// The share getting through at `secondsIntoDay`.
    public func factor(secondsIntoDay: Double) -> Double {
        let index = min(blocks.count - 1, max(0, Int(secondsIntoDay / Self.blockSeconds)))
        return blocks[index]
    }
}

/// A seeded sequence of days' weather: the kind of each day follows the one before (a sunny
/// spell lasts), each kind has its clearness range, clouds pass in stretches lasting 30 minutes
/// on average, and the forecast's clearness is off by a normal error of `forecastErrorSigma`.
public struct WeatherModel: Sendable, Hashable {
    public var seed: UInt64
    /// The standard deviation of the forecast's error on the day's clearness.
    public var forecastErrorSigma: Double

    public init(seed: UInt64 = 16, forecastErrorSigma: Double = 0.15) {
        self.seed = seed
        self.forecastErrorSigma = forecastErrorSigma
    }

    /// `count` days; `clearSkyW(day, secondsIntoDay)` weighs each day's clearness for the forecast.
    public func days(_ count: Int, clearSkyW: (Int, Double) -> Double) -> [DayWeather] {
        var random = Xorshift(seed: seed)
        let blocksPerDay = Int(86_400 / DayWeather.blockSeconds)
        var kind = DayWeather.Kind.sunny
        var days: [DayWeather] = []
        for day in 0..<count {
            // The kind: stays with probability 0.55, else one of the three at 45 / 35 / 20 %.
            if day > 0, random.unit() >= 0.55 {
                let draw = random.unit()
                kind = draw < 0.45 ? .sunny : draw < 0.80 ? .mixed : .overcast
            }
            var blocks: [Double] = []
            switch kind {
            case .overcast:
                let level = 0.10 + 0.25 * random.unit()
                blocks = (0..<blocksPerDay).map { _ in level * (0.85 + 0.3 * random.unit()) }
            case .sunny, .mixed:
                // Target clearness k: shaded blocks with stationary share c = (1 - k) / (1 - shade),
                // a shade lasting 3 blocks on average.
                let k = kind == .sunny ? 0.85 + 0.15 * random.unit() : 0.45 + 0.35 * random.unit()
                let cloudy = min(0.95, (1 - k) / (1 - DayWeather.shadeFactor))
                let clearing = 1.0 / 3
                let clouding = min(1, cloudy / max(1e-9, 1 - cloudy) * clearing)
                var shaded = random.unit() < cloudy
                for _ in 0..<blocksPerDay {
                    blocks.append(shaded ? DayWeather.shadeFactor : 1)
                    shaded = shaded ? random.unit() >= clearing : random.unit() < clouding
                }
            }
            var weighted = 0.0
            var clear = 0.0
            for (index, factor) in blocks.enumerated() {
                let power = clearSkyW(day, (Double(index) + 0.5) * DayWeather.blockSeconds)
                weighted += power * factor
                clear += power
            }
            let clearness = clear > 0 ? weighted / clear : 0
            let forecast = min(1, max(0.05, clearness + forecastErrorSigma * random.normal()))
            days.append(DayWeather(kind: kind, blocks: blocks, clearness: clearness, forecastClearness: forecast))
        }
        return days
    }
}

/// Marsaglia's xorshift64* generator (Vigna, "An experimental exploration of Marsaglia's
/// xorshift generators, scrambled", 2016): the backtest's weather and house repeat exactly for
/// a seed.
struct Xorshift: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x2545_F491_4F6C_DD1D : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Double {
        let u = max(unit(), 1e-12)
        return sqrt(-2 * log(u)) * cos(2 * Double.pi * unit())
    }
}
