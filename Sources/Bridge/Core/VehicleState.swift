import Foundation
import Planning
import Tariffs

/// One vehicle as the bridge sees it: plug, battery, the driver's wishes, the open session,
/// its meter, the current plan and the last command sent. A value; ``BridgeCore`` drives it.
struct VehicleState: Sendable {
    let config: VehicleConfig

    var plugged = false
    var socPercent: Double?
    var powerW: Double?
    var mode: ChargingMode = .smart
    var boost = false
    var readyByOverride: ReadyBy?
    var targetSocOverride: Double?
    /// Wishes were set (by the driver, or restored from the retained state): a later state
    /// message (our own echo) must not overwrite them. The broker hands out the retained state
    /// on subscribe, before any state the bridge publishes itself.
    var wishesKnown = false

    var session: OpenSession?
    /// The id of the vehicle's latest session, so that a new one never reuses it.
    var lastSessionId: String?
    var meter: EnergyMeter
    /// The plan in force, if the vehicle is charging smart.
    var plan: DevicePlan?
    /// Why there is no plan although the vehicle wants energy (no prices, say).
    var planProblem: String?
    /// A shortfall was logged for the current plan (logged again only after it cleared).
    var shortfallReported = false
    /// The last schedule payload published (to publish only changes).
    var publishedSchedule: String?
    var publishedState: String?
    /// What `publishedState` was written from, and until when its time-dependent parts (the
    /// departure, the next slot) hold: a tick with the same inputs before then writes nothing.
    var stateInputs: StateInputs?
    var stateValidUntil: Date = .distantPast
    /// The last command sent; `nil` after a reconnect, so the wanted one is sent again.
    var commanded: ChargerCommand?
    /// The power the charger was last told to draw, W (kept across a reconnect: a running
    /// charger keeps its place in the site guard's division).
    var toldW: Double = 0
    /// Whether this run of the bridge has told the charger a power (`toldW` is then what the
    /// charger draws at most once it obeys; before that, after a restart, only its own reading says).
    var toldThisRun = false
    /// When the bridge last started the charger, stopped it (after a start) and reduced its
    /// power: the site guard's holds against switching too often (docs/site.md).
    var switchedOnAt: Date?
    var switchedOffAt: Date?
    var reducedAt: Date?
    /// Its switching on the solar surplus (`solar`, and `smart` outside its plan's slots).
    var solar = SolarFollower()
    /// A charger that switches phases: the phases it was last told (nil: not yet in this run),
    /// when, and the phases the guard must keep it on now (nil: it may choose; set before each
    /// division, docs/site.md, "Phase switching").
    var phasesTold: Int?
    var phasesSwitchedAt: Date?
    var phaseLock: Int?
    /// A solar mode without a grid meter was logged (logged again after another mode).
    var solarWithoutMeterLogged = false
    var lastCostRefresh: Date?
    var costsStale = false
    /// Topics whose bad payloads were already logged (logged once until a good one arrives).
    var loggedBadTopics: Set<String> = []
    /// The unknown plug value last logged (nil after a known state): logged once per run of it.
    var plugUnknown: String?
    /// The charger's command errors already logged (`command_result`), cleared by a success.
    var resultErrorsLogged: Set<String> = []

    /// Everything the retained state is written from, but the clock.
    struct StateInputs: Sendable, Equatable {
        var plugged: Bool
        var mode: ChargingMode
        var boost: Bool
        var targetSoc: Double
        var readyByOverride: ReadyBy?
        var commanded: ChargerCommand?
        var socPercent: Double?
        var energyNeededWh: Double
        var plan: DevicePlan?
        var planProblem: String?
        var sessionId: String?
        var phases: Int?
    }

    var stateInputsNow: StateInputs {
        StateInputs(plugged: plugged, mode: mode, boost: boost, targetSoc: targetSoc, readyByOverride: readyByOverride,
                    commanded: commanded, socPercent: socPercent, energyNeededWh: energyNeededWh, plan: plan,
                    planProblem: planProblem, sessionId: session?.id, phases: phasesTold)
    }

    struct OpenSession: Sendable, Equatable {
        var id: String
        var startedAt: Date
        /// Energy flushed to the ledger so far, Wh.
        var energyWh: Double
    }

    init(config: VehicleConfig, metering: BridgeConfig.MeteringOptions) {
        self.config = config
        meter = EnergyMeter(usesCounter: config.topics.energy != nil, staleAfter: metering.powerStaleAfterSeconds)
    }

    var targetSoc: Double { targetSocOverride ?? config.targetSoc }

    /// After a phase command the charger is started only this long later, s: the switch is
    /// made with the contactor open.
    static let phaseSettleSeconds: TimeInterval = 10

    /// The charger as the guard may use it now: held on the phases it was told while it may not
    /// switch (within `phase_switch_interval_s` of the last switch, or within
    /// ``SiteGuard/minimumOnSeconds`` of a start), else with all its powers.
    var charger: Charger { phaseLock.map { config.charger.on(phases: $0) } ?? config.charger }

    /// The phases the guard must keep the charger on at `now` (see ``charger``).
    func phaseLock(at now: Date) -> Int? {
        guard config.charger.switchesToOnePhase, let told = phasesTold else { return nil }
        if let at = phasesSwitchedAt, now.timeIntervalSince(at) < config.phaseSwitchIntervalSeconds { return told }
        if toldW > 0, let on = switchedOnAt, now.timeIntervalSince(on) < SiteGuard.minimumOnSeconds { return told }
        return nil
    }

    /// Whether the charger may be started at `now`: two minutes after a stop, and
    /// ``phaseSettleSeconds`` after a phase command.
    func mayStart(at now: Date) -> Bool {
        if let off = switchedOffAt, now.timeIntervalSince(off) < SiteGuard.minimumOffSeconds { return false }
        if let at = phasesSwitchedAt, now.timeIntervalSince(at) < Self.phaseSettleSeconds { return false }
        return true
    }

    /// The departure this plan aims at: the override instant, or the next local occurrence of
    /// the ready-by time of day after `now`.
    func departure(after now: Date, calendar: ZoneCalendar) -> Date {
        switch readyByOverride {
        case let .instant(instant) where instant > now:
            return instant
        case let .timeOfDay(time)?:
            return Self.next(time, after: now, calendar: calendar)
        default:
            return Self.next(config.readyBy, after: now, calendar: calendar)
        }
    }

    static func next(_ time: TimeOfDay, after now: Date, calendar: ZoneCalendar) -> Date {
        let today = calendar.localDate(of: now)
        let candidate = calendar.instant(of: today, minuteOfDay: time.minutes)
        return candidate > now ? candidate : calendar.instant(of: today.adding(days: 1), minuteOfDay: time.minutes)
    }

    /// Energy from the grid to reach the target, Wh; without a SoC reading, as if the battery
    /// were empty less what this session already took (the car stops itself when full).
    var energyNeededWh: Double {
        let batteryWh: Double
        if let soc = socPercent {
            batteryWh = max(0, (targetSoc - soc) / 100 * config.capacityWh)
        } else {
            batteryWh = max(0, targetSoc / 100 * config.capacityWh - (session?.energyWh ?? 0) * config.efficiency)
        }
        return batteryWh / config.efficiency
    }

    /// Energy to reach `min_soc`, charged at once whatever the price, Wh.
    var minimumEnergyWh: Double {
        guard let soc = socPercent else { return 0 }
        return max(0, (config.minSoc - soc) / 100 * config.capacityWh) / config.efficiency
    }

    /// Whether the battery has reached the target (only known with a SoC reading).
    var targetReached: Bool {
        guard let soc = socPercent else { return false }
        return soc >= targetSoc - 1e-9
    }

    /// Charges now at full power rather than following a plan.
    var chargesImmediately: Bool {
        plugged && (boost || mode == .fast) && !targetReached
    }

    /// May charge from the solar surplus beyond its plan: a smart car below its target with
    /// energy still to charge (the core asks only outside the plan's slots, with `location.solar`).
    var takesSurplusBeyondPlan: Bool {
        plugged && mode == .smart && !boost && plan != nil && !targetReached && energyNeededWh > 0.5
    }

    /// Takes part in smart planning.
    var wantsPlan: Bool {
        plugged && mode == .smart && !boost
    }

    /// What this vehicle asks of the site guard at `now` (docs/site.md), or nil when it should
    /// not charge (or only from the solar surplus, which the core divides after the others:
    /// `solar`, and a smart car outside its slots). Boost and fast want full power; so does a
    /// smart car that cannot plan (no prices) and, at a lower priority, one below `min_soc`, and
    /// a `min_solar` car its charger's minimum; a smart car's plan at most its
    /// slot's power (a switch charger: its full power in a slot). A smart car whose plan stops
    /// it within ``SiteGuard/minimumOnSeconds`` of its start keeps its power until then, room
    /// permitting.
    func demand(at now: Date, priceStretchEnd: Date?) -> SiteGuard.Demand? {
        guard plugged, mode != .off else { return nil }
        let charger = self.charger
        let mayStart = mayStart(at: now)
        func demand(_ priority: SiteGuard.Priority, _ ceilingW: Double) -> SiteGuard.Demand {
            SiteGuard.Demand(priority: priority, charger: charger, ceilingW: ceilingW, currentW: toldW, mayStart: mayStart)
        }
        if boost || mode == .fast {
            return targetReached ? nil : demand(boost ? .boost : .fast, config.maxPowerW)
        }
        // The solar modes: the surplus is divided after everything else (SiteGuard.divideSurplus);
        // here only `min_solar`'s minimum, which the grid supplies when the sun does not.
        if mode == .solar { return nil }
        if mode == .minSolar {
            return targetReached ? nil : demand(.minimumSoc, charger.minPowerW)
        }
        let wanted = wantedCommand(at: now, priceStretchEnd: priceStretchEnd)
        guard plan != nil else {
            if case .start = wanted { return demand(.fast, config.maxPowerW) }
            return nil
        }
        if minimumEnergyWh > 0.5 { return demand(.minimumSoc, config.maxPowerW) }
        if case let .start(powerW) = wanted {
            return demand(.plan, charger.kind == .switch ? charger.maxPowerW : powerW)
        }
        if toldW > 0, let on = switchedOnAt, now.timeIntervalSince(on) < SiteGuard.minimumOnSeconds, !targetReached {
            return demand(.plan, toldW)
        }
        return nil
    }

    /// What the charger should do at `now`. `priceStretchEnd` is where the price in force now
    /// changes: once charging, the vehicle keeps charging through energy the plan puts later in
    /// the same stretch (same price, same cost), so re-planning never toggles the charger within it.
    /// Not through energy the plan expects from the sun in a later quarter-hour (cheaper then
    /// than now); within this quarter-hour, yes: the planner counts the surplus as energy per
    /// quarter-hour, so it costs the same now as later in it.
    func wantedCommand(at now: Date, priceStretchEnd: Date? = nil) -> ChargerCommand {
        guard plugged, mode != .off else { return .stop }
        if boost || mode == .fast {
            return targetReached ? .stop : .start(powerW: config.maxPowerW)
        }
        if let plan {
            if let slot = plan.slots.first(where: { $0.start <= now && now < $0.end }) {
                return .start(powerW: slot.powerW)
            }
            if case .start? = commanded, let stretchEnd = priceStretchEnd,
               let slot = plan.slots.first(where: { slot in
                   slot.end > now && slot.start < stretchEnd
                       && (slot.solarWh <= 1e-6 || slot.start < HouseProfile.quarterStart(now).addingTimeInterval(900))
               }) {
                return .start(powerW: slot.powerW)
            }
            return .stop
        }
        // Smart without a plan: no prices to decide on, so behave like a plain charger.
        if planProblem != nil, !targetReached, energyNeededWh > 0 {
            return .start(powerW: config.maxPowerW)
        }
        return .stop
    }
}
