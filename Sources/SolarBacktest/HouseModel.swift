import Foundation

/// The house's load in the backtest: a usual day (about 300 W at night, a morning and an
/// evening peak, lunch, a home office in between; 12.5 kWh) plus seeded appliances that are
/// not in the usual day: a washing machine (2 kW for an hour, on half the days, started between
/// 09:00 and 17:00) and a dishwasher (1.8 kW for 45 minutes, on 70 % of the days, started
/// between 19:00 and 22:00). The planner sees only the usual day, as the bridge's house profile
/// would.
public struct HouseModel: Sendable, Hashable {
    /// The usual load at each full local hour, W; linear in between.
    public var hourlyW: [Double]
    public var seed: UInt64

    public static let usualDay: [Double] = [
        300, 300, 300, 300, 300, 300, 450, 900, 700, 400, 350, 400,
        900, 600, 350, 350, 400, 600, 1_000, 1_100, 800, 600, 450, 350,
    ]

    public init(hourlyW: [Double] = HouseModel.usualDay, seed: UInt64 = 7) {
        precondition(hourlyW.count == 24, "one load per hour of the day")
        self.hourlyW = hourlyW
        self.seed = seed
    }

    /// The usual load at `minuteOfDay` (local), W.
    public func usualW(minuteOfDay: Double) -> Double {
        let hour = minuteOfDay / 60
        let index = Int(hour) % 24
        let fraction = hour - Double(Int(hour))
        return hourlyW[index] * (1 - fraction) + hourlyW[(index + 1) % 24] * fraction
    }

    /// One appliance run: from `startMinute` (local, of its day) for `minutes`, `watts` more.
    public struct Appliance: Sendable, Hashable {
        public var startMinute: Double
        public var minutes: Double
        public var watts: Double
    }

    /// The appliances of each of `count` days.
    public func appliances(days count: Int) -> [[Appliance]] {
        var random = Xorshift(seed: seed)
        return (0..<count).map { _ in
            var runs: [Appliance] = []
            if random.unit() < 0.5 {
                runs.append(Appliance(startMinute: (9 + 8 * random.unit()) * 60, minutes: 60, watts: 2_000))
            }
            if random.unit() < 0.7 {
                runs.append(Appliance(startMinute: (19 + 3 * random.unit()) * 60, minutes: 45, watts: 1_800))
            }
            return runs
        }
    }
}
