import Foundation
import Metering
import Planning
import Tariffs

/// What a plan counts on per quarter-hour with `location.solar` (docs/site.md, "Plans that count
/// on the sun"): the house's expected net load, its usual consumption less the expected PV
/// production. Above 0 it takes room from the connection; below 0 it is a surplus the planner
/// prices at the export price. Pure.
enum SunPlan {
    /// `[start, end)` and the house's expected net load there, W (below 0: a surplus).
    struct Quarter: Sendable, Equatable {
        var start: Date
        var end: Date
        var netW: Double
    }

    /// How far the forecast is trusted after the sun fell short of it: until `until`, the
    /// forecast's production times `ratio` (what came of it at the time).
    struct Trust: Sendable, Equatable {
        var until: Date
        var ratio: Double
    }

    /// How long a forecast the sun fell short of counts for less, s: a persistence forecast (a
    /// sky that is cloudy now is likely to stay so for the next hour), then the forecast again.
    static let distrustSeconds: TimeInterval = 3600

    /// The quarters from `from` to `to`: the live net load (`liveNetW`, what the grid meter
    /// shows less the chargers) to the end of this quarter-hour, then per quarter-hour the
    /// usual consumption less the forecast's production (times the trust's ratio while the sun
    /// falls short of it).
    ///
    /// The current quarter-hour counts on the live surplus for what is left of it, whatever the
    /// chargers drew earlier in it: the planner prices a charger's power against the surplus's
    /// power (what a drawable power takes from it and from the grid), and what the sun made
    /// before now was drawn or fed in then.
    ///
    /// - Parameters:
    ///   - measuresPV: whether the profile learned the house's own consumption (with a PV
    ///     topic); without it the profile's load is the grid's, the PV netted in, so it counts
    ///     at least the profile's `defaultW` (`house_base_w`).
    ///   - liveConsumptionW: the house's consumption now where a quarter has no history.
    static func quarters(
        liveNetW: Double, liveConsumptionW: Double, profile: HouseProfile, measuresPV: Bool, forecast: PVForecast,
        trust: Trust?, from: Date, to: Date
    ) -> [Quarter] {
        // Each quarter-hour a piece of its own, even beside an equal one: the planner counts a
        // surplus as energy per piece, and a charger must not take a whole afternoon's surplus in
        // one hour.
        walk(from: from, to: to, liveNetW: liveNetW) { start in
            forecastNetW(quarter: start, forecast: forecast, trust: trust, liveConsumptionW: liveConsumptionW,
                         profile: profile, measuresPV: measuresPV)
        }
    }

    /// The piece from `from` to the end of its quarter-hour at `liveNetW`, then each quarter-hour
    /// to `to` at `netW(start)`.
    static func walk(from: Date, to: Date, liveNetW: Double, netW: (Date) -> Double) -> [Quarter] {
        let first = HouseProfile.quarterStart(from).addingTimeInterval(900)
        var quarters = [Quarter(start: from, end: first, netW: liveNetW)]
        var start = first
        while start < to {
            let end = start.addingTimeInterval(900)
            quarters.append(Quarter(start: start, end: end, netW: netW(start)))
            start = end
        }
        return quarters
    }

    /// The house's net load expected in the quarter-hour from `quarter`: the forecast's average
    /// PV there (times the trust's ratio while it holds) in ``forecastNetW(at:forecastPVW:liveConsumptionW:profile:measuresPV:)``.
    static func forecastNetW(
        quarter: Date, forecast: PVForecast, trust: Trust?, liveConsumptionW: Double, profile: HouseProfile, measuresPV: Bool
    ) -> Double {
        var pv = forecast.averageW(from: quarter, to: quarter.addingTimeInterval(900))
        if let trust, quarter < trust.until { pv *= trust.ratio }
        return forecastNetW(at: quarter, forecastPVW: pv, liveConsumptionW: liveConsumptionW, profile: profile, measuresPV: measuresPV)
    }

    /// The house's net load expected in the quarter-hour from `start` with `forecastPVW` of PV:
    /// its usual consumption there (`liveConsumptionW` where there is no history; without a PV
    /// topic at least the profile's `defaultW`) less the PV.
    static func forecastNetW(
        at start: Date, forecastPVW: Double, liveConsumptionW: Double, profile: HouseProfile, measuresPV: Bool
    ) -> Double {
        var consumption = profile.usualW(at: start) ?? liveConsumptionW
        if !measuresPV { consumption = max(consumption, profile.defaultW) }
        return consumption - forecastPVW
    }

    /// The location's limit for the chargers from the grid: `sitePowerW` less what the house
    /// takes beyond the PV.
    static func siteLimits(sitePowerW: Double, _ quarters: [Quarter]) -> [ChargeRequest.SiteLimit] {
        merged(quarters.map { ChargeRequest.SiteLimit(start: $0.start, end: $0.end, powerW: sitePowerW - max(0, $0.netW)) })
    }

    /// The expected surplus: what the PV makes beyond the house (in the current quarter-hour,
    /// the live surplus).
    static func surplus(_ quarters: [Quarter]) -> [ChargeRequest.SolarPiece] {
        var pieces: [ChargeRequest.SolarPiece] = []
        for quarter in quarters where quarter.netW < 0 {
            pieces.append(.init(start: quarter.start, end: quarter.end, surplusW: -quarter.netW))
        }
        return pieces
    }

    /// The net load the plan expected at `instant`, if it covers it.
    static func expectedNetW(_ quarters: [Quarter], at instant: Date) -> Double? {
        quarters.first { $0.start <= instant && instant < $0.end }?.netW
    }

    /// The export price the plan uses (one per plan, ``ChargeRequest/exportPricePerKWh``):
    /// ``SolarPrice``'s (`location.solar.export_price`, else the tariff's EXPORT prices, else
    /// 0), averaged over the surplus weighted by its energy when the export prices vary.
    static func exportPrice(fixedPerKWh: Double?, tariffs: TariffSet, surplus: [ChargeRequest.SolarPiece]) -> Double {
        let price = SolarPrice(fixedPerKWh: fixedPerKWh)
        if let fixed = price.fixedPerKWh { return fixed }
        guard let first = surplus.first, let last = surplus.last else { return 0 }
        let timeline = price.timeline(from: first.start, to: last.end, tariffs: tariffs)
        var money = 0.0
        var energy = 0.0
        for piece in surplus {
            for slice in timeline.slices where slice.end > piece.start && slice.start < piece.end {
                let seconds = min(slice.end, piece.end).timeIntervalSince(max(slice.start, piece.start))
                money += slice.pricePerKWh * piece.surplusW * seconds
                energy += piece.surplusW * seconds
            }
        }
        return energy > 0 ? money / energy : 0
    }

    /// `limits` (one after the other) with a piece equal to the one before it joined to it, past
    /// the first piece (the live one, which a re-plan compares against, stays on its own).
    static func merged(_ limits: [ChargeRequest.SiteLimit]) -> [ChargeRequest.SiteLimit] {
        var result: [ChargeRequest.SiteLimit] = []
        for limit in limits {
            if result.count > 1, let last = result.last, last.end == limit.start, last.powerW == limit.powerW {
                result[result.count - 1].end = limit.end
            } else {
                result.append(limit)
            }
        }
        return result
    }
}
