import Foundation
import Planning
import Tariffs

/// The solar backtest: a car at home, plugged in session after session, planned by a strategy
/// and executed against what the roof and the house really did (``SiteSeries``), priced as the
/// bridge prices a session (docs/costs.md, "Solar energy"): in every step the part of the car's
/// draw the real surplus covered costs the export price (the feed-in the home gave up), the rest
/// the import price of that moment.
///
/// Execution, step by step (``SiteSeries/stepSeconds``): the car draws its plan's powers in the
/// step, each for its part of it, and the step's surplus covers each up to it; with
/// ``Strategy/topUp`` it also takes the surplus as the bridge does for a smart car below its
/// target (docs/site.md, "Solar"): the highest power its charger can draw at or under the
/// surplus when that is more than the plan's (outside the plan's slots only when the surplus
/// covers the charger's minimum), and when that put it ahead of its plan it is planned again
/// for what is left at the next quarter-hour. The solar modes' start and stop delays and
/// the chargers' holds are left out. A session ends when its energy is in or the car leaves.
public struct SolarBacktest: Sendable {
    /// One plug-in: `energyWh` wanted between `plugIn` and `departure`.
    public struct Session: Sendable, Hashable {
        public var plugIn: Date
        public var departure: Date
        public var energyWh: Double

        public init(plugIn: Date, departure: Date, energyWh: Double) {
            self.plugIn = plugIn
            self.departure = departure
            self.energyWh = energyWh
        }
    }

    /// How a car is charged.
    public struct Strategy: Sendable, Hashable {
        public enum Schedule: String, Sendable, Hashable {
            /// The cheapest plan with the PV forecast: energy up to the forecast surplus at the
            /// export price, beyond it at the import price.
            case solarForecast
            /// The cheapest plan on the import prices alone (the sun only by chance).
            case importPrices
            /// Full power from the plug-in until the energy is in.
            case atOnce
        }

        public var schedule: Schedule
        /// Whether the car also takes the live surplus while below its target.
        public var topUp: Bool
        /// The name in figures (`solar.backtest.cost.<name>`).
        public var name: String
        /// A what-if, not what a charger can do: each quarter-hour's planned energy drawn evenly
        /// over the quarter-hour (at any power, below the charger's minimum too) instead of as
        /// the plan lays it out.
        public var spreadOverQuarterHours = false

        public init(schedule: Schedule, topUp: Bool, name: String, spreadOverQuarterHours: Bool = false) {
            self.schedule = schedule
            self.topUp = topUp
            self.name = name
            self.spreadOverQuarterHours = spreadOverQuarterHours
        }

        /// (a) Planned with the PV forecast, with the live surplus on top.
        public static let forecast = Strategy(schedule: .solarForecast, topUp: true, name: "forecast")
        /// ``forecast`` with each quarter-hour's planned energy drawn evenly over it (a what-if).
        public static let forecastSpread = Strategy(schedule: .solarForecast, topUp: true, name: "forecast_spread",
                                                    spreadOverQuarterHours: true)
        /// (a) without the live surplus: the forecast plan alone.
        public static let forecastPlanOnly = Strategy(schedule: .solarForecast, topUp: false, name: "forecast_plan_only")
        /// Smart as on main before the forecast: the price plan with the live surplus on top.
        public static let smartLive = Strategy(schedule: .importPrices, topUp: true, name: "smart_live")
        /// (b) Smart without solar: the price plan alone.
        public static let smartNoSolar = Strategy(schedule: .importPrices, topUp: false, name: "smart_no_solar")
        /// (c) At once at full power from the plug-in.
        public static let atOnce = Strategy(schedule: .atOnce, topUp: false, name: "at_once")
    }

    /// What one session came to.
    public struct SessionOutcome: Sendable, Hashable {
        public var session: Session
        public var energyWh: Double
        /// The part of `energyWh` the real surplus covered.
        public var solarWh: Double
        /// Solar energy at the export price plus the rest at the import prices.
        public var cost: Double
        /// Energy wanted but not in by the departure.
        public var shortfallWh: Double { max(0, session.energyWh - energyWh) }
        /// How often the car was planned (the first plan and re-plans).
        public var plans: Int
        /// The solar energy the first plan expected (its slots' `solarWh`; 0 without a forecast).
        public var plannedSolarWh: Double
    }

    /// What a strategy came to over all sessions.
    public struct Outcome: Sendable, Hashable {
        public var strategy: Strategy
        public var sessions: [SessionOutcome]

        public var cost: Double { sessions.reduce(0) { $0 + $1.cost } }
        public var energyWh: Double { sessions.reduce(0) { $0 + $1.energyWh } }
        public var solarWh: Double { sessions.reduce(0) { $0 + $1.solarWh } }
        public var shortfallWh: Double { sessions.reduce(0) { $0 + $1.shortfallWh } }
        /// The solar energy the sessions' first plans expected.
        public var plannedSolarWh: Double { sessions.reduce(0) { $0 + $1.plannedSolarWh } }
        /// The solar energy's share of the energy, percent.
        public var solarSharePercent: Double { energyWh > 0 ? solarWh / energyWh * 100 : 0 }
        /// The cost per kWh charged.
        public var averagePricePerKWh: Double { energyWh > 0 ? cost / energyWh * 1000 : 0 }
    }

    public var site: SiteSeries
    /// The import prices, sorted, covering every session.
    public var prices: [RateSlice]
    /// What a kWh fed in earns.
    public var exportPricePerKWh: Double
    /// The connection's limit, W: the plans keep the car and the house's expected load under it.
    public var connectionW: Double
    /// The car's own limit, W.
    public var maxPowerW: Double
    /// What its charger can draw (nil: any power up to `maxPowerW`).
    public var charger: Charger?
    public var sessions: [Session]
    /// Whether the forecast plans see the real surplus (each quarter-hour's average) instead of
    /// the forecast.
    public var perfectForecast = false

    public init(site: SiteSeries, prices: [RateSlice], exportPricePerKWh: Double, connectionW: Double,
                maxPowerW: Double, charger: Charger?, sessions: [Session]) {
        self.site = site
        self.prices = prices
        self.exportPricePerKWh = exportPricePerKWh
        self.connectionW = connectionW
        self.maxPowerW = maxPowerW
        self.charger = charger
        self.sessions = sessions
    }

    /// Runs `strategy` over every session.
    public func run(_ strategy: Strategy) throws -> Outcome {
        let stepPrices = try importPricePerStep()
        var outcomes: [SessionOutcome] = []
        for session in sessions {
            outcomes.append(try execute(session, strategy, stepPrices: stepPrices))
        }
        return Outcome(strategy: strategy, sessions: outcomes)
    }

    /// The most the car draws (its charger's highest power at or under its own limit), W.
    var fullPowerW: Double { charger?.highestPower(atMost: min(maxPowerW, charger?.maxPowerW ?? maxPowerW)) ?? maxPowerW }

    /// The highest power the car can draw at or under `limitW` (0 when its minimum does not fit).
    func drawable(atMost limitW: Double) -> Double {
        let limit = min(limitW, fullPowerW)
        return charger?.highestPower(atMost: limit) ?? max(0, limit)
    }

    private func execute(_ session: Session, _ strategy: Strategy, stepPrices: [Double]) throws -> SessionOutcome {
        let dt = site.stepSeconds
        let first = site.index(of: session.plugIn)
        let last = min(site.count, site.index(of: session.departure))
        guard first >= 0, last <= site.count else {
            throw BacktestError("the site series does not cover the session from \(Timestamp.format(session.plugIn))")
        }
        var delivered = 0.0
        var solar = 0.0
        var cost = 0.0
        var plans = 1
        var plan = try self.plan(strategy.schedule, from: session.plugIn, to: session.departure, energyWh: session.energyWh)
        let plannedSolar = plan.solarWh
        // Energy in when the plan was made, and the plan's energy so far.
        var deliveredAtPlan = 0.0
        var plannedSoFar = 0.0
        for index in first..<last where session.energyWh - delivered > 1e-6 {
            let from = site.time(index)
            let to = from.addingTimeInterval(dt)
            if strategy.topUp, strategy.schedule != .atOnce, index > first,
               from.timeIntervalSince1970.truncatingRemainder(dividingBy: 900) == 0,
               delivered - (deliveredAtPlan + plannedSoFar) > 50 {
                plan = try self.plan(strategy.schedule, from: from, to: session.departure, energyWh: session.energyWh - delivered)
                plans += 1
                deliveredAtPlan = delivered
                plannedSoFar = 0
            }
            // The plan's powers in the step, each for its seconds (the rest at 0).
            var parts = plan.parts(from: from, to: to)
            if strategy.spreadOverQuarterHours {
                let quarter = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / 900).rounded(.down) * 900)
                parts = [(plan.energyWh(from: quarter, to: quarter.addingTimeInterval(900)) * 3600 / 900, dt)]
            }
            plannedSoFar += parts.reduce(0) { $0 + $1.powerW * $1.seconds / 3600 }
            let surplus = site.surplusW(index)
            if strategy.topUp, surplus > 0 {
                let top = drawable(atMost: surplus)
                parts = parts.map { (max($0.powerW, top), $0.seconds) }
            }
            let drawnWh = parts.reduce(0) { $0 + $1.powerW * $1.seconds / 3600 }
            let coveredWh = parts.reduce(0) { $0 + min($1.powerW, surplus) * $1.seconds / 3600 }
            let energy = min(drawnWh, session.energyWh - delivered)
            // Stopped early when the energy is in: the solar part in proportion.
            let solarPart = drawnWh > 0 ? coveredWh * energy / drawnWh : 0
            delivered += energy
            solar += solarPart
            cost += (solarPart * exportPricePerKWh + (energy - solarPart) * stepPrices[index]) / 1000
        }
        return SessionOutcome(session: session, energyWh: delivered, solarWh: solar, cost: cost, plans: plans,
                              plannedSolarWh: plannedSolar)
    }

    /// The car's schedule over `[from, to)` for `energyWh` by `schedule`.
    func plan(_ schedule: Strategy.Schedule, from: Date, to: Date, energyWh: Double) throws -> Schedule {
        switch schedule {
        case .atOnce:
            let hours = energyWh / fullPowerW
            let end = min(to, from.addingTimeInterval(hours * 3600))
            return Schedule(slots: [ChargingSlot(start: from, end: end, powerW: fullPowerW,
                                                 energyWh: fullPowerW * end.timeIntervalSince(from) / 3600, cost: 0)])
        case .importPrices, .solarForecast:
            var request = ChargeRequest(sitePowerW: connectionW, devices: [DeviceRequest(
                deviceId: "car", start: from, end: to, maxPowerW: maxPowerW, energyWh: energyWh, charger: charger)])
            request.siteLimits = site.siteLimits(connectionW: connectionW, from: from, to: to)
            if schedule == .solarForecast {
                try addSolarForecast(to: &request, from: from, to: to)
            }
            let made: Plan
            do {
                made = try Planner.plan(request, slices: prices)
            } catch {
                throw BacktestError("the plan from \(Timestamp.format(from)): \(error)")
            }
            return Schedule(slots: made.devices[0].slots)
        }
    }

    /// The import price of every step of the site series (the price in force at its start).
    func importPricePerStep() throws -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(site.count)
        var cursor = 0
        for index in 0..<site.count {
            let instant = site.time(index)
            while cursor < prices.count, prices[cursor].end <= instant { cursor += 1 }
            if cursor < prices.count, prices[cursor].start <= instant {
                result.append(prices[cursor].pricePerKWh)
            } else {
                // Outside every session the price is never asked for; inside one it must exist.
                result.append(.nan)
            }
        }
        for session in sessions {
            let range = max(0, site.index(of: session.plugIn))..<min(site.count, site.index(of: session.departure))
            if let missing = range.first(where: { result[$0].isNaN }) {
                throw BacktestError("no import price at \(Timestamp.format(site.time(missing)))")
            }
        }
        return result
    }

    /// A car's schedule: slots at one power each, sorted.
    struct Schedule {
        var slots: [ChargingSlot]

        /// The energy the planner expects from the surplus.
        var solarWh: Double { slots.reduce(0) { $0 + $1.solarWh } }

        /// The powers the schedule draws over `[from, to)`, each with its seconds there, and 0 W
        /// for the rest of it.
        func parts(from: Date, to: Date) -> [(powerW: Double, seconds: Double)] {
            var result: [(powerW: Double, seconds: Double)] = []
            var covered = 0.0
            for piece in slots where piece.end > from && piece.start < to {
                let overlap = min(piece.end, to).timeIntervalSince(max(piece.start, from))
                result.append((piece.powerW, overlap))
                covered += overlap
            }
            let rest = to.timeIntervalSince(from) - covered
            if rest > 1e-9 { result.append((0, rest)) }
            return result
        }

        /// The energy the schedule puts in over `[from, to)`, Wh.
        func energyWh(from: Date, to: Date) -> Double {
            var total = 0.0
            for piece in slots where piece.end > from && piece.start < to {
                let overlap = min(piece.end, to).timeIntervalSince(max(piece.start, from))
                total += piece.powerW * overlap / 3600
            }
            return total
        }
    }
}

/// Why a backtest cannot run: one sentence.
public struct BacktestError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
