import Documents
import Foundation
import Planning
import PriceSources
import Tariffs

/// The bridge's decisions, as a pure state machine: feed it events with the time they happen,
/// execute the actions it returns. No MQTT, no SQLite, no clock of its own.
///
/// Data flows one way: message -> parsed input -> vehicle state -> (re)plan -> actions. Prices
/// come the same way: a price topic's message, a source's prices or status, the re-read tariff
/// file are events, and what is published about them is decided here.
public struct BridgeCore: Sendable {
    public let config: BridgeConfig
    private var vehicles: [VehicleState]
    /// Topic -> (vehicle index, what it carries).
    private let routes: [String: [(index: Int, input: Route)]]
    /// Every vehicle must be planned again (new prices, a reconnect, or a shared site limit).
    private var replanNeeded = false
    /// These vehicles must be planned again (their inputs changed); without a site limit each
    /// vehicle's plan is independent of the others, so only these are.
    private var replanVehicles: Set<Int> = []
    /// The price in force from `from` until `until` (where it changes), as last looked up.
    private var priceStretch: (from: Date, until: Date, price: Double)?
    private var tariff: Tariff
    /// The live prices, their sources' statuses and price topics.
    private var prices: PriceFeeds
    /// The current price last published on `<base>/price`.
    private var publishedPrice: Double?
    /// When every vehicle's meter was last flushed: all of them flush together, on the tick
    /// nearest each flush interval since (see ``step(now:touched:actions:)``).
    private var flushedAt: Date?
    /// Whether the service has told us the broker is there (and retained messages have had
    /// their moment to arrive). Before that, inputs only update state: nothing is published or
    /// commanded, so a restart never overwrites the retained wishes before reading them.
    private var online = false
    /// When the service first said the broker is there (the grid meter's first reading is
    /// waited for from then on).
    private var onlineSince: Date?
    /// The house load from the grid meter (`location.grid`); nil without one.
    private var house: HouseLoad?
    /// The house's usual load per quarter-hour, learned from the grid meter; nil without one.
    private var houseProfile: HouseProfile?
    /// What the plans in force assumed the house would take: `liveW` (the load when they were
    /// made) until `liveUntil`, then the usual load (nil: no plan made on the house yet).
    private var plannedHouse: (liveW: Double, liveUntil: Date)?
    /// When the plans were last made on the room the meter shows.
    private var roomPlannedAt: Date?
    /// Since when every division of the guard gave a planned car less than its plan (the room
    /// was smaller than the plans assumed); nil when the last one did not.
    private var planHeldSince: Date?
    /// When a charger was last started or raised, and how many grid readings came since: the
    /// first reading after it may have been taken before the charger drew more while the
    /// charger's own power reading, which arrived first, already says it does; the house load
    /// would then be understated by the raise. Until a second reading comes (or the meter goes
    /// stale), nothing else is started or raised (docs/site.md, "The grid meter").
    private var lastRaiseAt: Date?
    private var readingsSinceRaise = 0
    /// Since when every grid reading showed the house below what the plans assumed by more
    /// than the threshold (more room than planned on); nil when the last one did not.
    private var moreRoomSince: Date?
    /// How many plans the core made (tests: no re-plan storm).
    private(set) var plansMade = 0
    /// A bad grid payload was logged (logged again only after a good one).
    private var gridPayloadLogged = false
    /// The PV production at its last reading (`location.solar.pv_topic`), W, and when it came.
    private var pv: (watts: Double, at: Date)?
    /// A bad PV payload was logged (logged again only after a good one).
    private var pvPayloadLogged = false
    /// The last good PV forecast (`location.solar.forecast_topic`), pieces that ended forgotten.
    private var pvForecast = PVForecast()
    /// What the plans in force expected of the house less the PV per quarter-hour, with
    /// `location.solar` (docs/site.md, "Plans that count on the sun"); empty otherwise.
    private var plannedNet: [SunPlan.Quarter] = []
    /// How far the forecast is trusted after the sun fell short of it (nil: fully).
    private var forecastTrust: SunPlan.Trust?
    /// Since when the sun has fallen short of the forecast, without a break (nil: it has not).
    private var sunShortSince: Date?
    /// The meter was silent since start-up for longer than its staleness limit (logged once).
    private var gridSilenceLogged = false
    /// Some car's meter counts a share of its power as solar (see ``updateSolar(now:)``).
    private var solarCharging = false
    /// The room the guard last divided, W (nil: no limit, or not divided yet).
    private var dividedRoomW: Double?
    /// The last `<base>/site` payload and when it was published.
    private var publishedSite: String?
    private var sitePublishedAt: Date?

    enum Route: Sendable, Equatable {
        case input(VehicleInput)
        /// Home Assistant's birth message: announce discovery again.
        case homeAssistantStatus
        /// The bridge's own retained state topic: read once after a restart to restore wishes.
        case ownState
        /// The home's grid meter (`location.grid`).
        case grid
        /// The PV production now (`location.solar.pv_topic`).
        case pv
        /// The expected PV production (`location.solar.forecast_topic`).
        case forecast
    }

    /// - Parameter pollingPolicy: when prices count as complete (those on a price topic).
    public init(config: BridgeConfig, pollingPolicy: PollingPolicy = PollingPolicy()) {
        self.config = config
        self.tariff = config.tariff
        prices = PriceFeeds(config: config, policy: pollingPolicy)
        vehicles = config.vehicles.map { VehicleState(config: $0, metering: config.metering) }
        var routes: [String: [(Int, Route)]] = [:]
        for (index, vehicle) in config.vehicles.enumerated() {
            for (topic, input) in vehicle.topics.inputs {
                routes[topic, default: []].append((index, .input(input)))
            }
            routes[vehicle.topics.state, default: []].append((index, .ownState))
        }
        if let discovery = config.discovery {
            routes["\(discovery.prefix)/status", default: []].append((0, .homeAssistantStatus))
        }
        if let grid = config.location.grid {
            routes[grid.topic, default: []].append((0, .grid))
            house = HouseLoad(staleAfter: config.metering.powerStaleAfterSeconds)
            houseProfile = HouseProfile(timeZone: config.tariff.timeZone, defaultW: config.location.solar?.houseBaseW ?? 0)
        }
        if let pvTopic = config.location.solar?.pvTopic {
            routes[pvTopic, default: []].append((0, .pv))
        }
        if let forecastTopic = config.location.solar?.forecastTopic {
            routes[forecastTopic, default: []].append((0, .forecast))
        }
        self.routes = routes
    }

    /// Every topic the service must subscribe to: the vehicles' and Home Assistant's, then the
    /// price topics.
    public var subscriptions: [String] {
        routes.keys.sorted() + prices.subscriptions
    }

    /// `<base>/status`, retained: `online` once connected, else ``farewell``.
    public var statusTopic: String { "\(config.baseTopic)/status" }

    /// `offline` on the status topic: the connection's Last Will, and its last words on a clean stop.
    public var farewell: (topic: String, payload: String) { (statusTopic, "offline") }

    /// Handles one event at `now` and returns what to do, in order.
    public mutating func handle(_ event: BridgeEvent, now: Date) -> [BridgeAction] {
        var actions: [BridgeAction] = []
        switch event {
        case let .message(topic, payload) where prices.carriesPrices(topic):
            // Planned with at once when they change anything.
            guard prices.receive(topic: topic, payload: payload, now: now, actions: &actions) else { return actions }
            pricesChanged(actions: &actions)
        case let .message(topic, payload):
            let routed = routes[topic] ?? []
            var gridReading = false
            for route in routed {
                if route.input == .grid {
                    gridReading = receiveGrid(payload, topic: topic, now: now, actions: &actions)
                } else if route.input == .pv {
                    receivePV(payload, topic: topic, now: now, actions: &actions)
                } else if route.input == .forecast {
                    receiveForecast(payload, topic: topic, now: now, actions: &actions)
                } else {
                    receive(payload, topic: topic, route: route.input, vehicle: route.index, now: now, actions: &actions)
                }
            }
            if gridReading {
                // The room may have shrunk: the guard divides again now, not at the next tick.
                if houseMovedFromPlan(now: now) { replanNeeded = true }
                step(now: now, touched: nil, actions: &actions)
                return actions
            }
            // A power or counter reading only feeds the meter: flushing, commands and state
            // follow at the next tick (every half flush interval). Anything else is handled now,
            // for its own vehicles (and those re-planned with them); ticks handle all of them.
            if routed.allSatisfy({ $0.input == .input(.power) || $0.input == .input(.energy) || $0.input == .input(.commandResult) || $0.input == .pv }),
               !replanNeeded, replanVehicles.isEmpty,
               !roomShrank(now: now) {
                return actions
            }
            step(now: now, touched: routed.map(\.index), actions: &actions)
            return actions
        case .tick:
            break
        case .connected:
            online = true
            if onlineSince == nil { onlineSince = now }
            actions.append(.publish(topic: statusTopic, payload: "online", retain: true))
            announce(actions: &actions)
            publishedPrice = nil
            publishedSite = nil
            sitePublishedAt = nil
            priceStretch = nil
            replanNeeded = true // republish schedules: a restarted broker may have lost them
            for index in vehicles.indices {
                vehicles[index].commanded = nil
                vehicles[index].publishedSchedule = nil
                vehicles[index].publishedState = nil
                if let session = vehicles[index].session {
                    actions.append(.refreshCosts(vehicleId: vehicles[index].config.id, sessionId: session.id))
                }
            }
            // A restarted broker may have lost the retained price statuses too.
            prices.republish(actions: &actions)
        case let .pricesChanged(source, series):
            guard prices.receive(polled: series, from: source, now: now, actions: &actions) else { return actions }
            pricesChanged(actions: &actions)
        case let .tariffFileChanged(set):
            prices.rebase(set, actions: &actions)
            pricesChanged(actions: &actions)
        case let .priceSourceStatus(source, status):
            prices.report(status, of: source, now: now, actions: &actions)
            if !roomShrank(now: now) { return actions }
        case let .pricesRestored(stored):
            if prices.restore(stored, now: now, actions: &actions) { pricesChanged(actions: &actions) }
        case let .houseLoadRestored(quarters):
            houseProfile?.restore(quarters, now: now)
        case let .sessionRestored(vehicleId, restored):
            guard let index = vehicles.firstIndex(where: { $0.config.id == vehicleId }) else { break }
            vehicles[index].session = .init(id: restored.sessionId, startedAt: restored.startedAt, energyWh: restored.energyWh)
            vehicles[index].lastSessionId = restored.sessionId
            vehicles[index].plugged = true
            vehicles[index].meter.begin(at: restored.meteredUntil, counterWh: restored.counterWh)
            if flushedAt == nil { flushedAt = now }
            replanVehicles.insert(index)
            actions.append(.log(level: .notice, message: "\(vehicleId): continuing session \(restored.sessionId) with \(Int(restored.energyWh)) Wh metered"))
        }
        step(now: now, touched: nil, actions: &actions)
        return actions
    }

    // MARK: Inputs

    /// The prices the plans rest on changed: re-planned at once, and costs priced with them.
    private mutating func pricesChanged(actions: inout [BridgeAction]) {
        let effective = prices.live.effective
        actions.append(.priceCostsWith(effective))
        replanNeeded = true
        guard let importTariff = effective.importTariff else { return }
        tariff = importTariff
        priceStretch = nil
    }

    /// Home Assistant discovery: one retained config message per entity (sent by the service).
    private func announce(actions: inout [BridgeAction]) {
        guard config.discovery != nil else { return }
        actions.append(.announceDiscovery)
    }

    private mutating func receive(_ payload: [UInt8], topic: String, route: Route, vehicle index: Int, now: Date, actions: inout [BridgeAction]) {
        // The vehicle's configuration is read in place: a copy of it per reading (its topics
        // and names) was a tenth of the bridge's work on a burst of readings.
        do {
            switch route {
            case .homeAssistantStatus:
                if String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "online" {
                    announce(actions: &actions)
                }
                return
            case .ownState:
                restoreWishes(from: payload, vehicle: index)
                return
            case .grid, .pv, .forecast:
                return
            case let .input(input):
                switch input {
                case .plug:
                    let reading = try PayloadParser.plugState(payload, path: vehicles[index].config.topics.plug.path, mapping: vehicles[index].config.topics.plugMapping)
                    guard let connected = plugReading(reading, topic: topic, vehicle: index, actions: &actions) else { break }
                    setPlugged(connected, vehicle: index, now: now, actions: &actions)
                case .soc:
                    let soc = try PayloadParser.number(payload, path: vehicles[index].config.topics.soc.path, range: 0...100, what: "state of charge")
                    if vehicles[index].socPercent != soc {
                        vehicles[index].socPercent = soc
                        replanVehicles.insert(index)
                    }
                    if vehicles[index].boost, vehicles[index].targetReached {
                        vehicles[index].boost = false
                        actions.append(.log(level: .info, message: "\(vehicles[index].config.id): boost reached \(Int(vehicles[index].targetSoc)) %, back to \(vehicles[index].mode.rawValue)"))
                    }
                case .power:
                    let power = try PayloadParser.number(payload, path: vehicles[index].config.topics.power.path, range: 0...1_000_000, what: "power") * vehicles[index].config.topics.power.scale
                    vehicles[index].powerW = power
                    vehicles[index].meter.power(power, at: now)
                    if solarCharging || surplusW(now: now) > 0 { updateSolar(now: now) }
                case .energy:
                    let counter = try PayloadParser.number(payload, path: vehicles[index].config.topics.energy?.path, range: 0...1e15, what: "energy counter") * (vehicles[index].config.topics.energy?.scale ?? 1)
                    if let note = vehicles[index].meter.counter(counter, at: now) {
                        actions.append(.log(level: .notice, message: "\(vehicles[index].config.id): \(note)"))
                    }
                case .readyBy:
                    vehicles[index].readyByOverride = try PayloadParser.readyBy(payload, calendar: tariff.calendar, now: now)
                    vehicles[index].wishesKnown = true
                    replanVehicles.insert(index)
                case .targetSoc:
                    let target = try PayloadParser.number(payload, path: nil, range: 0...100, what: "target state of charge")
                    guard target >= vehicles[index].config.minSoc else {
                        throw PayloadError("target state of charge \(target) is below min_soc \(vehicles[index].config.minSoc)")
                    }
                    vehicles[index].targetSocOverride = target
                    vehicles[index].wishesKnown = true
                    replanVehicles.insert(index)
                case .mode:
                    vehicles[index].mode = try PayloadParser.mode(payload)
                    vehicles[index].wishesKnown = true
                    replanVehicles.insert(index)
                case .boost:
                    let on = try PayloadParser.boost(payload)
                    vehicles[index].boost = on && !vehicles[index].targetReached
                    vehicles[index].wishesKnown = true
                    replanVehicles.insert(index)
                case .commandResult:
                    commandResult(payload, topic: topic, vehicle: index, actions: &actions)
                }
            }
            if !vehicles[index].loggedBadTopics.isEmpty { vehicles[index].loggedBadTopics.remove(topic) }
        } catch {
            if vehicles[index].loggedBadTopics.insert(topic).inserted {
                actions.append(.log(level: .warning, message: "\(vehicles[index].config.id): ignored a payload on \(topic): \(error)"))
            }
        }
    }

    /// A plug reading (docs/bridge.md, "Plug states"): nil for unknown, logged once per run of it.
    private mutating func plugReading(_ reading: PlugMapping.Reading, topic: String, vehicle index: Int, actions: inout [BridgeAction]) -> Bool? {
        let (connected, unknown, log) = Self.plugReadingLog(reading, topic: topic, vehicleId: vehicles[index].config.id, lastUnknown: vehicles[index].plugUnknown)
        vehicles[index].plugUnknown = unknown
        if let log { actions.append(log) }
        return connected
    }

    /// The charger's answer on a `command_result` topic: an error is logged once.
    private mutating func commandResult(_ payload: [UInt8], topic: String, vehicle index: Int, actions: inout [BridgeAction]) {
        let id = vehicles[index].config.id
        if let log = Self.resultLog(payload, topic: topic, vehicleId: id, logged: &vehicles[index].resultErrorsLogged) { actions.append(log) }
    }

    private mutating func restoreWishes(from payload: [UInt8], vehicle index: Int) {
        guard !vehicles[index].wishesKnown,
              let document = try? DocumentValue.parse(String(decoding: payload, as: UTF8.self), preferJSON: true) else { return }
        vehicles[index].wishesKnown = true
        if let mode = document["mode"]?.text.flatMap(ChargingMode.init(rawValue:)) { vehicles[index].mode = mode }
        if let boost = document["boost"]?.bool { vehicles[index].boost = boost }
        if let target = document["target_soc"]?.number, (vehicles[index].config.minSoc...100).contains(target),
           target != vehicles[index].config.targetSoc {
            vehicles[index].targetSocOverride = target
        }
        if let text = document["ready_by_override"]?.text {
            if let time = TimeOfDay(text), time.minutes < 1440 {
                vehicles[index].readyByOverride = .timeOfDay(time)
            } else if let instant = Timestamp.parse(text) {
                vehicles[index].readyByOverride = .instant(instant)
            }
        }
        replanVehicles.insert(index)
    }

    private mutating func setPlugged(_ connected: Bool, vehicle index: Int, now: Date, actions: inout [BridgeAction]) {
        let id = vehicles[index].config.id
        guard connected != vehicles[index].plugged || (connected && vehicles[index].session == nil) else { return }
        vehicles[index].plugged = connected
        replanVehicles.insert(index)
        if connected {
            // Deterministic from the plug-in second; a second plug-in within the same second gets a suffix.
            var sessionId = "\(id)-\(Self.compactStamp(now))"
            if let last = vehicles[index].lastSessionId, last == sessionId || last.hasPrefix(sessionId + "-") {
                let count = Int(last.dropFirst(sessionId.count + 1)) ?? 1
                sessionId += "-\(count + 1)"
            }
            vehicles[index].lastSessionId = sessionId
            vehicles[index].session = .init(id: sessionId, startedAt: now, energyWh: 0)
            // A new car: the charger's last switching was for the one before (whose unplugging
            // opened the contactor anyway).
            vehicles[index].switchedOffAt = nil
            vehicles[index].reducedAt = nil
            // A charger that starts by itself at plug-in (OpenEVSE without an override) must hear
            // "stop" again when the plan says not now: the stop it was last told was for the empty
            // socket, and the same command is not sent twice. Forgetting it sends the wanted
            // command in full (it drew nothing the guard counts: `toldW` stays 0).
            if vehicles[index].commanded == .stop { vehicles[index].commanded = nil }
            vehicles[index].meter.begin(at: now)
            if flushedAt == nil { flushedAt = now }
            actions.append(.sessionOpened(vehicleId: id, sessionId: sessionId, at: now,
                                          counterWh: vehicles[index].meter.usesCounter ? vehicles[index].meter.lastCounterWh : nil))
            actions.append(.log(level: .info, message: "\(id): plugged in, session \(sessionId)"))
            actions.append(.refreshCosts(vehicleId: id, sessionId: sessionId))
        } else if let session = vehicles[index].session {
            vehicles[index].meter.advance(to: now)
            flush(vehicle: index, now: now, actions: &actions)
            vehicles[index].meter.end()
            vehicles[index].session = nil
            vehicles[index].plan = nil
            actions.append(.sessionClosed(vehicleId: id, sessionId: session.id, at: now))
            actions.append(.log(level: .info, message: "\(id): unplugged, session \(session.id) closed with \(Int(session.energyWh.rounded())) Wh"))
            actions.append(.refreshCosts(vehicleId: id, sessionId: session.id))
        }
    }

    // MARK: Every event: meter, plan, command, publish

    /// `touched`: the vehicles a message concerned (nil: all of them).
    private mutating func step(now: Date, touched: [Int]?, actions: inout [BridgeAction]) {
        var indices = touched ?? Array(vehicles.indices)
        // Every vehicle is flushed on the same ticks, so the energy of readings that arrive
        // together reaches the ledger together, at most one interval later. (Each vehicle on its
        // own phase, from its plug-in, flushed on odd or even ticks: the last of a second's
        // readings waited for both, 0.5-1 s.) Ticks come every half flush interval; a tick a hair
        // early must not put the flush off by half an interval (every 1.5 s instead of every
        // second). A message's own step does not flush: the next tick does.
        let flushing = touched == nil && (flushedAt.map { now.timeIntervalSince($0) >= config.metering.flushIntervalSeconds * 0.75 } ?? true)
        if flushing { flushedAt = now }
        for index in indices {
            vehicles[index].meter.advance(to: now)
            if flushing { flush(vehicle: index, now: now, actions: &actions) }
            if let plan = vehicles[index].plan, plan.request.end <= now {
                replanVehicles.insert(index) // the departure passed: plan for the next one
            }
            if vehicles[index].boost, vehicles[index].targetReached {
                vehicles[index].boost = false
                replanVehicles.insert(index)
            }
        }
        if let held = planHeldSince, now.timeIntervalSince(held) >= Self.moreRoomReplanSeconds,
           let at = roomPlannedAt, now.timeIntervalSince(at) >= Self.moreRoomReplanSeconds {
            // The guard held a planned car below its plan: plan again on the room there is.
            replanNeeded = true
        }
        if online, replanNeeded || !replanVehicles.isEmpty {
            // With a shared site limit every plan depends on the others: plan them all jointly.
            let all = replanNeeded || config.location.maxPowerW != nil
            let replanned = all ? Array(vehicles.indices) : replanVehicles.sorted()
            replanNeeded = false
            replanVehicles.removeAll()
            replan(replanned, now: now, actions: &actions)
            if touched != nil {
                indices = all ? replanned : Array(Set(indices).union(replanned)).sorted()
            }
            for index in replanned where vehicles[index].plan == nil && vehicles[index].publishedSchedule != "" {
                // No plan in force (unplugged, fast, off, nothing to charge): clear the retained schedule.
                vehicles[index].publishedSchedule = ""
                actions.append(.publish(topic: vehicles[index].config.topics.schedule, payload: "", retain: true))
            }
        }
        guard online else { return }
        let stretchEnd = publishPrice(now: now, actions: &actions)
        // With a site to guard, every vehicle's command depends on the others'.
        let changed = command(guarded ? Array(vehicles.indices) : indices, now: now, stretchEnd: stretchEnd, actions: &actions)
        if !changed.isEmpty { indices = Array(Set(indices).union(changed)).sorted() }
        for index in indices {
            publishState(vehicle: index, now: now, actions: &actions)
            if vehicles[index].costsStale, let session = vehicles[index].session,
               vehicles[index].lastCostRefresh.map({ now.timeIntervalSince($0) >= config.metering.publishIntervalSeconds }) ?? true {
                vehicles[index].costsStale = false
                vehicles[index].lastCostRefresh = now
                actions.append(.refreshCosts(vehicleId: vehicles[index].config.id, sessionId: session.id))
            }
        }
        if guarded { publishSite(now: now, actions: &actions) }
    }

    private mutating func flush(vehicle index: Int, now: Date, actions: inout [BridgeAction]) {
        guard let session = vehicles[index].session, let taken = vehicles[index].meter.take(at: now) else { return }
        let id = vehicles[index].config.id
        let record = EnergyRecord(
            recordId: "\(session.id)-\(Int64((taken.start.timeIntervalSince1970 * 1000).rounded()))",
            sessionId: session.id, vehicleId: id, locationId: config.location.id,
            start: taken.start, end: taken.end, energyWh: taken.energyWh,
            counterWh: vehicles[index].meter.usesCounter ? vehicles[index].meter.lastCounterWh : nil,
            solarWh: house == nil ? nil : taken.solarWh
        )
        vehicles[index].session?.energyWh += taken.energyWh
        vehicles[index].costsStale = true
        actions.append(.record(record))
    }

    /// Plans the plugged smart vehicles among `indices` jointly under the location's limit, less
    /// what the vehicles charging at full power take (with a limit, `indices` are all vehicles).
    private mutating func replan(_ indices: [Int], now: Date, actions: inout [BridgeAction]) {
        var members: [Int] = []
        var requests: [DeviceRequest] = []
        // What the site guard gives the vehicles charging at full power now (boost, fast).
        var immediate: [SiteGuard.Demand] = []
        for index in indices {
            let vehicle = vehicles[index]
            if vehicle.chargesImmediately {
                immediate.append(SiteGuard.Demand(priority: vehicle.boost ? .boost : .fast, charger: vehicle.config.charger,
                                                  ceilingW: vehicle.config.maxPowerW, currentW: vehicle.toldW))
            } else if vehicle.plugged, vehicle.mode == .minSolar, !vehicle.targetReached {
                // The grid supplies a min_solar car's minimum: the plans leave it that.
                immediate.append(SiteGuard.Demand(priority: .minimumSoc, charger: vehicle.config.charger,
                                                  ceilingW: vehicle.config.charger.minPowerW, currentW: vehicle.toldW))
            }
            guard vehicle.wantsPlan else {
                vehicles[index].plan = nil
                vehicles[index].planProblem = nil
                continue
            }
            let need = vehicle.energyNeededWh
            guard need > 0.5 else {
                vehicles[index].plan = nil
                vehicles[index].planProblem = nil
                continue
            }
            members.append(index)
            requests.append(DeviceRequest(
                deviceId: vehicle.config.id, start: now, end: vehicle.departure(after: now, calendar: tariff.calendar),
                maxPowerW: vehicle.config.maxPowerW, energyWh: need, minEnergyWh: min(need, vehicle.minimumEnergyWh),
                charger: vehicle.config.charger
            ))
        }
        guard !members.isEmpty else { return }
        // With a grid meter the house takes its live load to the end of this quarter-hour, then
        // its usual one (docs/site.md, "Plans on the room").
        let liveHouseW = house.map { $0.houseW(at: now) ?? houseProfile?.usualW(at: now) ?? houseProfile?.defaultW ?? 0 }
        // A quarter-hour with no history: the house as it is now (a plan that counted on an
        // empty house later would put off every flexible car to a room that may not come).
        let sitePower = config.location.maxPowerW.map { limit in
            limit - SiteGuard.divide(immediate, roomW: limit - (liveHouseW ?? 0)).reduce(0, +)
        }
        if let sitePower, sitePower <= 0 {
            // Vehicles charging at full power take the whole connection: the others wait.
            for index in members {
                vehicles[index].plan = DevicePlan(request: requests[members.firstIndex(of: index)!], slots: [], baselineCost: 0)
                vehicles[index].planProblem = nil
            }
            return
        }
        let end = requests.map(\.end).max()!
        let timeline = tariff.rates(from: now, to: end)
        var siteLimits: [ChargeRequest.SiteLimit] = []
        var surplus: [ChargeRequest.SolarPiece] = []
        var exportPrice: Double?
        var plannedOnRoom: (liveW: Double, liveUntil: Date)?
        if let solar = config.location.solar, solar.forecastTopic != nil, let liveHouseW, let profile = houseProfile {
            // Plans that count on the sun: the house less the PV expected, quarter by quarter.
            pvForecast.forget(before: now)
            if let trust = forecastTrust, trust.until <= now { forecastTrust = nil }
            let liveConsumptionW = liveHouseW + learnedPVW(now: now)
            var liveNetW = liveHouseW
            if sunShortWithinDelay(now: now) {
                // The sun is short of the forecast, but not yet for as long as a solar stop waits:
                // this quarter-hour still counts on the forecast (a report that re-plans while the
                // sun is late must not drop the quarter-hour and stop a car the sun reaches seconds later).
                liveNetW = min(liveNetW, SunPlan.forecastNetW(
                    quarter: HouseProfile.quarterStart(now), forecast: pvForecast, trust: forecastTrust,
                    liveConsumptionW: liveConsumptionW, profile: profile, measuresPV: solar.pvTopic != nil))
            }
            let quarters = SunPlan.quarters(
                liveNetW: liveNetW, liveConsumptionW: liveConsumptionW, profile: profile,
                measuresPV: solar.pvTopic != nil, forecast: pvForecast, trust: forecastTrust, from: now, to: end)
            if let sitePower { siteLimits = SunPlan.siteLimits(sitePowerW: sitePower, quarters) }
            surplus = SunPlan.surplus(quarters)
            exportPrice = SunPlan.exportPrice(fixedPerKWh: solar.exportPricePerKWh, tariffs: prices.live.effective, surplus: surplus)
            plannedNet = quarters
            plannedOnRoom = (liveNetW, quarters[0].end)
        } else if let sitePower, let liveHouseW, let profile = houseProfile {
            siteLimits = Self.siteLimits(sitePowerW: sitePower, liveHouseW: liveHouseW, profile: profile, from: now, to: end)
            plannedOnRoom = (liveHouseW, siteLimits[0].end)
        }
        if let plannedOnRoom {
            // Planned on the room the meter shows: the re-plan rules on the room count from now.
            plannedHouse = plannedOnRoom
            roomPlannedAt = now
            planHeldSince = nil
            moreRoomSince = nil
        }
        plansMade += 1
        do {
            var request = ChargeRequest(
                sitePowerW: sitePower, siteLimits: siteLimits, solarForecast: surplus, exportPricePerKWh: exportPrice, devices: requests)
            // Re-plans must not move the chargers for nothing: among equal optima the exact layout
            // keeps the one in force (ChargeRequest.layoutInForce).
            request.layoutInForce = members.map { vehicles[$0].plan?.slots ?? [] }
            let plan = try Planner.plan(request, slices: timeline.slices, tariffCapPerKWh: tariff.offPeakChargingCap)
            for (index, devicePlan) in zip(members, plan.devices) {
                vehicles[index].plan = devicePlan
                vehicles[index].planProblem = nil
                publishSchedule(vehicle: index, actions: &actions)
                if devicePlan.shortfallWh > 1, !vehicles[index].shortfallReported {
                    vehicles[index].shortfallReported = true
                    let soc = vehicles[index].socPercent == nil ? " (no state of charge yet: planned as if empty)" : ""
                    actions.append(.log(level: .warning, message: "\(vehicles[index].config.id): \(Int(devicePlan.shortfallWh.rounded())) Wh cannot be charged by \(Timestamp.format(devicePlan.request.end))\(soc)"))
                } else if devicePlan.shortfallWh <= 1 {
                    vehicles[index].shortfallReported = false
                }
            }
        } catch {
            for index in members {
                if vehicles[index].planProblem == nil {
                    actions.append(.log(level: .warning, message: "\(vehicles[index].config.id): cannot plan (\(error)); charging now instead"))
                }
                vehicles[index].plan = nil
                vehicles[index].planProblem = "\(error)"
            }
        }
    }

    /// A re-plan on the room waits at least this long after the last plan when the house left
    /// less room than the plan assumed, s (the guard protects the fuse meanwhile; a meter that
    /// jumps up and down does not re-plan at every reading).
    static let lessRoomReplanSeconds: TimeInterval = 10
    /// ... and when it left more, or the guard held a planned car below its plan, that must
    /// have lasted this long, s (a noisy meter, or the guard's rounding, is not a reason).
    static let moreRoomReplanSeconds: TimeInterval = 60
    /// The house must move this far from what the plans assumed for now to re-plan, W, or
    /// ``houseReplanShare`` of the limit when that is more.
    static let houseReplanMinimumW: Double = 500
    static let houseReplanShare = 0.05

    /// The location's limit per quarter-hour for a plan from `from` to `to`: `sitePowerW` less
    /// the live house load to the end of this quarter-hour, then less the usual load of each
    /// quarter-hour (neighbours of one limit merged).
    static func siteLimits(
        sitePowerW: Double, liveHouseW: Double, profile: HouseProfile, from: Date, to: Date
    ) -> [ChargeRequest.SiteLimit] {
        let quarters = SunPlan.walk(from: from, to: to, liveNetW: liveHouseW) { profile.usualW(at: $0) ?? liveHouseW }
        return SunPlan.merged(quarters.map { ChargeRequest.SiteLimit(start: $0.start, end: $0.end, powerW: sitePowerW - $0.netW) })
    }

    /// Whether the live house load moved from what the plans in force assumed for `now` by more
    /// than the threshold: at once (10 s after the last plan at the earliest) when it leaves less
    /// room, after it has left more room for a minute when it leaves more.
    private mutating func houseMovedFromPlan(now: Date) -> Bool {
        // With a PV forecast the plans count on the sun too: without a limit, a sun that falls
        // short of the forecast is still a reason to plan again.
        let sunny = config.location.solar?.forecastTopic != nil
        guard config.location.maxPowerW != nil || sunny, let assumed = plannedHouse, let profile = houseProfile,
              let live = house?.houseW(at: now), let at = roomPlannedAt,
              vehicles.contains(where: { $0.plan != nil }) else { return false }
        let limit = config.location.maxPowerW ?? 0
        let later = sunny ? SunPlan.expectedNetW(plannedNet, at: now) : profile.usualW(at: now)
        let expected = now < assumed.liveUntil ? assumed.liveW : later ?? assumed.liveW
        let threshold = max(Self.houseReplanMinimumW, Self.houseReplanShare * limit)
        if sunny { watchTheSun(liveNetW: live, threshold: threshold, now: now) }
        if live < expected - threshold {
            let since = moreRoomSince ?? now
            moreRoomSince = since
            return now.timeIntervalSince(since) >= Self.moreRoomReplanSeconds
        }
        moreRoomSince = nil
        guard live > expected + threshold, now.timeIntervalSince(at) >= Self.lessRoomReplanSeconds else { return false }
        // Less room while the sun is later than the forecast: the plan waits for it as long as a
        // solar stop would (``watchTheSun(liveNetW:threshold:now:)`` re-plans then; after that
        // the rule above applies again), unless the connection's limit cannot hold the chargers'
        // draw beside the house meanwhile.
        if sunny, sunShortWithinDelay(now: now) {
            guard let limit = config.location.maxPowerW else { return false }
            return max(0, live) + chargersW(now: now) > limit
        }
        return true
    }

    /// Whether the sun has fallen short of the forecast (``watchTheSun(liveNetW:threshold:now:)``),
    /// but not yet for as long as a solar stop waits (`disable_delay_s`): the plans still count on
    /// the forecast meanwhile.
    private func sunShortWithinDelay(now: Date) -> Bool {
        guard let since = sunShortSince, let solar = config.location.solar else { return false }
        return now.timeIntervalSince(since) < solar.disableDelaySeconds
    }

    /// Compares the sun with what the forecast expects now: with a `pv_topic` the PV measured
    /// against the forecast's PV (no fresh reading, no judgement), without one the house's live
    /// net load against its usual consumption less the forecast's PV; the plan's own live piece
    /// plays no part. Once the sun has fallen short by more than `threshold` without a break for
    /// as long as a solar stop waits (`location.solar.disable_delay_s`, default 180 s: a reading
    /// at the start of a sunny piece before the inverter's, a meter or an inverter that reports
    /// late, a cloud that passes are no reason to give up an hour of the forecast), the forecast
    /// counts for what came of it (``SunPlan/Trust``) for the hour from the quarter-hour of the
    /// reading (from the shortfall's start in its first quarter-hour), and the plans are made again.
    private mutating func watchTheSun(liveNetW: Double, threshold: Double, now: Date) {
        guard let solar = config.location.solar, let profile = houseProfile else { return }
        let quarter = HouseProfile.quarterStart(now)
        let forecastW = pvForecast.averageW(from: quarter, to: quarter.addingTimeInterval(900))
        let cameW: Double?
        if solar.pvTopic != nil {
            cameW = pvW(now: now)
        } else {
            let expected = SunPlan.forecastNetW(
                at: quarter, forecastPVW: forecastW, liveConsumptionW: liveNetW, profile: profile, measuresPV: false)
            cameW = forecastW - (liveNetW - expected)
        }
        guard forecastW > 0, let cameW, forecastW - cameW > threshold else {
            sunShortSince = nil
            return
        }
        let since = sunShortSince ?? now
        sunShortSince = since
        guard now.timeIntervalSince(since) >= solar.disableDelaySeconds else { return }
        let ratio = min(1, max(0, cameW / forecastW), forecastTrust?.ratio ?? 1)
        let trust = SunPlan.Trust(until: max(since, quarter).addingTimeInterval(SunPlan.distrustSeconds), ratio: ratio)
        if forecastTrust == nil || forecastTrust!.until < trust.until || forecastTrust!.ratio - ratio > 0.05 {
            forecastTrust = trust
            replanNeeded = true
        }
    }

    /// The price in force now on `<base>/price` (retained), when it changes. Returns where
    /// that price ends (within the next day), if a price is known now.
    private mutating func publishPrice(now: Date, actions: inout [BridgeAction]) -> Date? {
        let price: Double, stretchEnd: Date
        if let known = priceStretch, known.from <= now, now < known.until {
            (price, stretchEnd) = (known.price, known.until)
        } else {
            priceStretch = nil
            guard let slice = tariff.rates(from: now, to: now.addingTimeInterval(86_400)).slices.first, slice.start <= now else { return nil }
            price = (slice.pricePerKWh * 1e6).rounded() / 1e6
            stretchEnd = slice.end
            priceStretch = (now, slice.end, price)
        }
        if price != publishedPrice {
            publishedPrice = price
            actions.append(.publish(topic: "\(config.baseTopic)/price", payload: String(price), retain: true))
        }
        return stretchEnd
    }

    private mutating func publishSchedule(vehicle index: Int, actions: inout [BridgeAction]) {
        guard let plan = vehicles[index].plan else { return }
        // Publish only when the slots change, not for every re-plan that shifts the start by a
        // second; the payload is written only then.
        let fingerprint = plan.slots.map { "\(Int($0.start.timeIntervalSince1970))-\(Int($0.end.timeIntervalSince1970))-\(Int($0.powerW))-\(Int(($0.cost * 1000).rounded()))" }.joined(separator: ",")
        guard fingerprint != vehicles[index].publishedSchedule else { return }
        let response = ScheduleResponse(plan: Plan(devices: [plan]), currencyCode: tariff.currency, timeZoneIdentifier: tariff.timeZone.identifier)
        guard let item = response.data.first else { return }
        vehicles[index].publishedSchedule = fingerprint
        actions.append(.publish(topic: vehicles[index].config.topics.schedule, payload: JSONWriter(sortsKeys: true).text(item.document), retain: true))
    }

    /// Whether there is a site to guard: a connection limit or a grid meter.
    private var guarded: Bool { config.location.maxPowerW != nil || house != nil }

    /// Commands the chargers of `indices` (all of them when the site is guarded): what each
    /// vehicle wants, divided by the site guard within the room the connection leaves, every
    /// stop and reduction sent before any start or increase. Returns the vehicles whose
    /// command changed.
    private mutating func command(_ indices: [Int], now: Date, stretchEnd: Date?, actions: inout [BridgeAction]) -> [Int] {
        // Waiting for the grid meter's first reading: stops and reductions go out, nothing starts.
        let waiting = waitingForGridMeter(now: now, actions: &actions)
        for index in indices where vehicles[index].config.charger.switchesToOnePhase {
            vehicles[index].phaseLock = vehicles[index].phaseLock(at: now)
        }
        var demands: [SiteGuard.Demand] = []
        var owners: [Int] = [] // the position in `indices` of each demand
        for (position, index) in indices.enumerated() {
            guard let demand = vehicles[index].demand(at: now, priceStretchEnd: stretchEnd) else { continue }
            demands.append(demand)
            owners.append(position)
        }
        var powers = Array(repeating: 0.0, count: indices.count)
        let room = waiting ? config.location.maxPowerW : roomW(now: now)
        dividedRoomW = waiting ? nil : room
        if !demands.isEmpty {
            let divided = SiteGuard.divide(demands, roomW: room)
            for (position, power) in zip(owners, divided) { powers[position] = power }
            if house != nil {
                // A planned car given less than its plan (not for a hold): the plan promised room there is not.
                let held = zip(demands, divided).contains { demand, power in
                    demand.priority == .plan && (demand.mayStart || demand.currentW > 0)
                        && power < SiteGuard.drawableCeiling(demand) - 1e-6
                }
                planHeldSince = held ? planHeldSince ?? now : nil
            }
        }
        let undecided = followSurplus(indices, powers: &powers, demanded: owners, roomW: room, waiting: waiting, now: now, actions: &actions)
        // Holds on running chargers: a raise waits 10 s after a reduction, and a change smaller
        // than the deadband is not sent (a re-plan's jitter). A tiny reduction is held only while
        // the room still takes the held power: the fuse overrides the deadband.
        let divided = powers
        var heldReductions: [Int] = [] // positions
        let unconfirmed = raiseUnconfirmed(now: now)
        for (position, index) in indices.enumerated() {
            let power = powers[position], told = vehicles[index].toldW
            if unconfirmed, power > told {
                powers[position] = told // the meter has not shown the last raise yet
                continue
            }
            guard power > 0, told > 0 else { continue }
            let deadband = SiteGuard.deadbandW(vehicles[index].config.charger)
            if power > told {
                if let reduced = vehicles[index].reducedAt, now.timeIntervalSince(reduced) < SiteGuard.raiseDelaySeconds {
                    powers[position] = told // raised again a little later: a meter hovering at a step does not make it flap
                } else if power - told < deadband {
                    powers[position] = told
                }
            } else if power < told, told - power < deadband {
                powers[position] = told
                heldReductions.append(position)
            }
        }
        if let room, !heldReductions.isEmpty {
            var total = powers.reduce(0, +)
            for position in heldReductions where total > room + 1e-9 {
                total -= powers[position]
                powers[position] = divided[position]
                total += powers[position]
            }
        }
        var lowering: [(index: Int, messages: [(topic: String, payload: String)])] = []
        var raising: [(index: Int, messages: [(topic: String, payload: String)])] = []
        for (position, index) in indices.enumerated() {
            var power = powers[position]
            let told = vehicles[index].toldW
            if undecided.contains(index) { continue }
            if power > 0, let topics = vehicles[index].config.topics.commandPhases, vehicles[index].config.charger.switchesToOnePhase {
                let phases = vehicles[index].config.charger.phases(drawing: power)
                if let message = switchPhases(vehicle: index, to: phases, topics: topics, waiting: waiting, now: now, actions: &actions) {
                    lowering.append((index, [message]))
                }
                if phases != vehicles[index].phasesTold || vehicles[index].phasesSwitchedAt == now {
                    power = 0 // stopped first, or started after the switch has settled
                }
            }
            let wanted: ChargerCommand = power > 0 ? .start(powerW: power) : .stop
            // The same command gives the same payload: nothing to compare (most vehicles, most ticks).
            let previous = vehicles[index].commanded
            if previous == wanted { continue }
            let lowers = wanted == .stop || (previous != nil && power < told)
            if waiting, !lowers { continue }
            let topics = vehicles[index].config.topics
            let charger = vehicles[index].config.charger
            let messages = wanted.messages(after: previous, topics: topics, charger: charger)
            vehicles[index].commanded = wanted
            vehicles[index].toldW = power
            vehicles[index].toldThisRun = true
            if power > 0, told <= 0 {
                vehicles[index].switchedOnAt = now
            } else if power <= 0, told > 0 {
                vehicles[index].switchedOffAt = now
            } else if power < told {
                vehicles[index].reducedAt = now
            }
            // The charger hears a command only when its payload changes (a start at another power
            // is news only to a charger that takes a power limit).
            if lowers {
                lowering.append((index, messages))
            } else {
                raising.append((index, messages))
                if house != nil, power > told {
                    lastRaiseAt = now
                    readingsSinceRaise = 0
                }
            }
        }
        for (_, messages) in lowering + raising {
            for message in messages {
                actions.append(.publish(topic: message.topic, payload: message.payload, retain: false))
            }
        }
        return (lowering + raising).map(\.index)
    }

    /// A charger that switches phases was given a power on `phases` (docs/site.md, "Phase
    /// switching"): on the phases it was told, nothing to do. Otherwise, while it runs, the caller
    /// stops it (the switch follows when it is stopped); stopped, the phase command goes out now
    /// (returned) and the start follows ``VehicleState/phaseSettleSeconds`` later. The guard
    /// asks for other phases only when a switch is allowed (``VehicleState/phaseLock(at:)``).
    private mutating func switchPhases(vehicle index: Int, to phases: Int, topics: VehicleTopics.PhaseCommands, waiting: Bool,
                                       now: Date, actions: inout [BridgeAction]) -> (topic: String, payload: String)? {
        let vehicle = vehicles[index]
        guard phases != vehicle.phasesTold, !waiting else { return nil }
        let id = vehicle.config.id
        if vehicle.toldW > 0 {
            actions.append(.log(level: .info, message: "\(id): switching to \(phases) phase\(phases == 1 ? "" : "s"): stopping first"))
            return nil
        }
        vehicles[index].phasesTold = phases
        vehicles[index].phasesSwitchedAt = now
        vehicles[index].phaseLock = phases
        actions.append(.log(level: .info, message: "\(id): \(phases) phase\(phases == 1 ? "" : "s") from now; the charger starts in \(Int(VehicleState.phaseSettleSeconds)) s"))
        return (topics.topic, phases == 1 ? topics.onePhase : topics.threePhases)
    }

    /// The power the chargers may draw together at `now`, W: the limit less the house load
    /// (nil: no limit). A grid meter that has not spoken yet leaves no room.
    private func roomW(now: Date) -> Double? {
        guard let limit = config.location.maxPowerW else { return nil }
        guard let house else { return limit }
        return limit - (house.houseW(at: now) ?? limit)
    }

    /// Whether a start or raise has not yet been shown by a grid reading taken after it (see
    /// ``lastRaiseAt``): true until the second reading since, at most the meter's staleness limit.
    private func raiseUnconfirmed(now: Date) -> Bool {
        guard let house, let raised = lastRaiseAt else { return false }
        return readingsSinceRaise < 2 && now.timeIntervalSince(raised) < house.staleAfter
    }

    /// Whether the room is smaller at `now` than when the guard last divided it (the grid meter
    /// went stale): then the guard must divide again before anything else waits for a tick.
    private func roomShrank(now: Date) -> Bool {
        guard online, let divided = dividedRoomW, let room = roomW(now: now) else { return false }
        return room < divided - 1e-9
    }

    /// The chargers' power now as their power topics report it, W (plugged vehicles with a
    /// fresh reading; the others count as house load, which errs on the safe side).
    ///
    /// `forHouseLoad`: what may be taken off a grid reading to leave the house. A charger's
    /// reading lags what it draws: one that was just told to stop or draw less still reports
    /// its old power while the meter already sees the new one, and taking the old power off
    /// would understate the house by it (the guard then hands out room the fuse does not have;
    /// seen end to end). So each charger counts at most what it was last told, once told.
    private func chargersW(now: Date, forHouseLoad: Bool = false) -> Double {
        var total = 0.0
        for vehicle in vehicles where vehicle.plugged {
            if let at = vehicle.meter.lastPowerAt, let power = vehicle.meter.lastPowerW,
               now.timeIntervalSince(at) <= config.metering.powerStaleAfterSeconds {
                total += forHouseLoad && vehicle.toldThisRun ? min(power, vehicle.toldW) : power
            }
        }
        return total
    }

    /// Whether the chargers wait for the grid meter's first reading: after a start, starts and
    /// increases wait up to its staleness limit for it (a restart mid-charge leaves the chargers
    /// as they were rather than stopping them all for a second; stops and reductions, the
    /// driver's `off` among them, still go out); after that, no room is assumed.
    private mutating func waitingForGridMeter(now: Date, actions: inout [BridgeAction]) -> Bool {
        guard let house, house.readAt == nil, let since = onlineSince else { return false }
        if now.timeIntervalSince(since) < house.staleAfter { return true }
        if !gridSilenceLogged, let grid = config.location.grid {
            gridSilenceLogged = true
            actions.append(.log(level: .warning, message: "grid meter: no reading on \(grid.topic) for \(Int(house.staleAfter)) s; the chargers wait for one"))
        }
        return false
    }

    /// A grid meter reading. Returns whether it was one (a bad payload is logged once).
    private mutating func receiveGrid(_ payload: [UInt8], topic: String, now: Date, actions: inout [BridgeAction]) -> Bool {
        guard let grid = config.location.grid else { return false }
        do {
            let reading = try PayloadParser.number(payload, path: grid.path, range: -1e9...1e9, what: "grid power") * grid.scale
            gridPayloadLogged = false
            let chargers = chargersW(now: now, forHouseLoad: true)
            house?.reading(gridW: grid.exportPositive ? -reading : reading, chargersW: chargers, at: now)
            readingsSinceRaise += 1
            updateSolar(now: now)
            let pvW = learnedPVW(now: now)
            if let houseW = house?.latestW, let finished = houseProfile?.reading(houseW: houseW + pvW, at: now) {
                actions.append(.storeHouseQuarter(finished, now: now))
            }
            if gridSilenceLogged {
                gridSilenceLogged = false
                actions.append(.log(level: .notice, message: "grid meter: readings on \(topic) again"))
            }
            return true
        } catch {
            if !gridPayloadLogged {
                gridPayloadLogged = true
                actions.append(.log(level: .warning, message: "grid meter: ignored a payload on \(topic): \(error)"))
            }
            return false
        }
    }

    /// A PV reading (`location.solar.pv_topic`): kept for the house's true consumption (grid +
    /// PV - chargers) and `<base>/site`; the guard does not need it (the grid meter nets the PV).
    /// A bad payload is logged once.
    private mutating func receivePV(_ payload: [UInt8], topic: String, now: Date, actions: inout [BridgeAction]) {
        guard let solar = config.location.solar else { return }
        do {
            // An inverter's own draw at night may read a few watts below 0: taken as it is.
            let reading = try PayloadParser.number(payload, path: solar.pvPath, range: -1e9...1e9, what: "PV power") * solar.pvScale
            pv = (reading, now)
            pvPayloadLogged = false
        } catch {
            if !pvPayloadLogged {
                pvPayloadLogged = true
                actions.append(.log(level: .warning, message: "PV: ignored a payload on \(topic): \(error)"))
            }
        }
    }

    /// What the PV adds to the grid reading for the house's own consumption (grid import + PV -
    /// chargers) the profile learns: the PV's fresh reading with a `pv_topic` (0 when it is
    /// stale: an inverter asleep at night stops publishing), nothing without one.
    private func learnedPVW(now: Date) -> Double {
        guard config.location.solar?.pvTopic != nil else { return 0 }
        return max(0, pvW(now: now) ?? 0)
    }

    /// A PV forecast (`location.solar.forecast_topic`, docs/bridge.md): kept (the last good one;
    /// a bad payload is logged and the one before stays) and planned with at once.
    private mutating func receiveForecast(_ payload: [UInt8], topic: String, now: Date, actions: inout [BridgeAction]) {
        do {
            let pieces = try PVForecast.parse(payload)
            pvForecast.replace(with: pieces, now: now)
            forecastTrust = nil
            replanNeeded = true
            let until = pvForecast.pieces.last.map { " to \(Timestamp.format($0.end))" } ?? ""
            actions.append(.log(level: .info, message: "PV forecast: \(pvForecast.pieces.count) pieces\(until)"))
        } catch {
            let kept = pvForecast.pieces.isEmpty ? "no forecast yet" : "the last one stays"
            actions.append(.log(level: .warning, message: "PV forecast: ignored a payload on \(topic): \(error) (\(kept))"))
        }
    }

    /// The cars that follow the solar surplus (docs/site.md, "Solar"), after the guard divided
    /// the room among the others (`powers`, by position in `indices`; `demanded`: the positions
    /// that asked for power there): `solar` cars, `min_solar` cars above the minimum the guard
    /// granted them, and, with `location.solar`, smart cars outside their plan's slots. They
    /// share what would be exported with none of them charging, less what the others were
    /// given, within the room the others left; each switches on and off with its hysteresis.
    /// Returns the vehicles left as they are for now: after a start, a car that this run has
    /// not told anything and whose charger has not reported its power yet (whether it is
    /// drawing decides whether it may go on), up to `metering.power_stale_after_s`.
    private mutating func followSurplus(_ indices: [Int], powers: inout [Double], demanded owners: [Int], roomW room: Double?,
                                        waiting: Bool, now: Date, actions: inout [BridgeAction]) -> Set<Int> {
        guard let house else {
            // No grid meter: no surplus to see. `solar` charges nothing, `min_solar` its minimum.
            for index in indices where vehicles[index].plugged && vehicles[index].mode.followsSurplus && !vehicles[index].solarWithoutMeterLogged {
                vehicles[index].solarWithoutMeterLogged = true
                let vehicle = vehicles[index]
                let does = vehicle.mode == .solar ? "charges nothing" : "charges at its minimum only"
                actions.append(.log(level: .warning, message: "\(vehicle.config.id): \(vehicle.mode.rawValue) needs a grid meter (location.grid) to see the surplus; it \(does)"))
            }
            return []
        }
        let demanded = config.location.solar == nil ? [] : Set(owners)
        var undecided: Set<Int> = []
        var positions: [Int] = []
        var candidates: [SiteGuard.SurplusCandidate] = []
        for (position, index) in indices.enumerated() {
            // Read in place: most vehicles, most ticks, follow nothing (a copy of each was measurable).
            let follows: Bool
            var keepsMinimum = false
            if vehicles[index].plugged, !vehicles[index].boost, vehicles[index].mode.followsSurplus, !vehicles[index].targetReached {
                keepsMinimum = vehicles[index].mode == .minSolar
                follows = vehicles[index].mode == .solar || powers[position] > 0
            } else {
                follows = config.location.solar != nil && !demanded.contains(position) && vehicles[index].takesSurplusBeyondPlan
            }
            guard follows else {
                if vehicles[index].solar != SolarFollower() { vehicles[index].solar.reset() }
                continue
            }
            let vehicle = vehicles[index]
            let stale = config.metering.powerStaleAfterSeconds
            let measured = vehicle.meter.lastPowerAt.flatMap { now.timeIntervalSince($0) <= stale ? vehicle.meter.lastPowerW : nil }
            if !vehicle.toldThisRun, measured == nil, !keepsMinimum, let since = onlineSince, now.timeIntervalSince(since) < stale {
                undecided.insert(index)
                powers[position] = 0
                continue
            }
            let measuredW = measured ?? 0
            let mayStart = vehicle.mayStart(at: now)
            positions.append(position)
            candidates.append(SiteGuard.SurplusCandidate(
                charger: vehicle.charger, ceilingW: vehicle.config.maxPowerW, currentW: vehicle.toldW,
                running: vehicle.toldW > 0 || (!vehicle.toldThisRun && measuredW > 0), mayStart: mayStart,
                keepsMinimum: keepsMinimum, follower: vehicle.solar
            ))
        }
        guard !candidates.isEmpty || config.location.solar != nil else { return undecided }
        if waiting {
            // Before the meter's first reading nothing starts, and a car found charging (a
            // restart) keeps going: a power above 0 is not sent while waiting.
            for (position, candidate) in zip(positions, candidates) where candidate.running {
                powers[position] = Swift.max(powers[position], candidate.charger.minPowerW)
            }
            return undecided
        }
        let following = Set(positions)
        let others = indices.indices.filter { !following.contains($0) }.reduce(0.0) { $0 + powers[$1] }
        let solar = config.location.solar ?? SolarConfig()
        let divided = SiteGuard.divideSurplus(candidates, surplusW: Swift.max(0, house.surplusW(at: now) - others),
                                              roomW: room.map { $0 - others }, at: now,
                                              enableDelay: solar.enableDelaySeconds, disableDelay: solar.disableDelaySeconds)
        for (slot, position) in positions.enumerated() {
            powers[position] = divided.powers[slot]
            vehicles[indices[position]].solar = divided.followers[slot]
        }
        if config.location.solar != nil {
            let followersW = divided.powers.reduce(0, +)
            topUpPlans(indices, powers: &powers, demanded: demanded, surplusW: house.surplusW(at: now) - others - followersW,
                       roomW: room.map { $0 - others - followersW })
        }
        return undecided
    }

    /// Smart cars in a slot of their plan, below their target, take what the surplus still holds
    /// beyond the cars that follow it (docs/site.md, "Solar"): each on top of its slot's power,
    /// in equal shares, at powers its charger can draw, within the room; never less than the slot.
    private func topUpPlans(_ indices: [Int], powers: inout [Double], demanded: Set<Int>, surplusW: Double, roomW: Double?) {
        var leftW = Swift.max(0, Swift.min(surplusW, roomW ?? .infinity))
        guard leftW > 0 else { return }
        var planned = indices.indices.filter { position in
            let vehicle = vehicles[indices[position]]
            return demanded.contains(position) && powers[position] > 0 && vehicle.takesSurplusBeyondPlan
                && vehicle.minimumEnergyWh <= 0.5 && vehicle.config.charger.kind != .switch
        }
        while !planned.isEmpty, leftW > 0 {
            let position = planned.removeFirst()
            let charger = vehicles[indices[position]].charger
            let share = leftW / Double(planned.count + 1)
            var power = charger.highestPower(atMost: Swift.min(charger.maxPowerW, powers[position] + share))
            if charger.kind == .power { power = SiteGuard.wholeWatts(power, charger: charger) }
            guard power > powers[position] else { continue }
            leftW -= power - powers[position]
            powers[position] = power
        }
    }

    // MARK: Solar

    /// Tells every metering car's meter which share of its power is solar from `now` on (each
    /// meter integrates what came before with the share before): the surplus divided over the
    /// cars' draw as their power topics report it, at most each car's own draw (``SolarShare``).
    /// The share holds until the grid reading goes stale. Called at every grid reading, and at
    /// a car's power reading while there is a surplus (the draws it is divided over changed).
    private mutating func updateSolar(now: Date) {
        guard let house else { return }
        let surplus = surplusW(now: now)
        let fraction = SolarShare.fraction(surplusW: surplus, chargersW: surplus > 0 ? chargersW(now: now) : 0)
        guard fraction > 0 || solarCharging else { return }
        let validUntil = fraction > 0 ? (house.readAt ?? now).addingTimeInterval(house.staleAfter) : now
        for index in vehicles.indices where vehicles[index].session != nil {
            vehicles[index].meter.solar(fraction: fraction, validUntil: validUntil, at: now)
        }
        solarCharging = fraction > 0
    }

    /// `<base>/site` (retained, at most once a second, when it changes): the limit, the grid,
    /// the house and the chargers, the room for the chargers and the surplus (docs/site.md).
    private mutating func publishSite(now: Date, actions: inout [BridgeAction]) {
        if let at = sitePublishedAt, now.timeIntervalSince(at) < 1 { return }
        let chargers = chargersW(now: now)
        let houseNow: Double? = house == nil ? 0 : house?.houseW(at: now)
        let limit = config.location.maxPowerW
        func watts(_ value: Double?) -> DocumentValue { value.map { .number(($0).rounded()) } ?? .null }
        let payload = JSONWriter(sortsKeys: true).text(.object([
            ("limit_w", watts(limit)),
            ("grid_w", watts(house?.gridW)),
            ("house_w", watts(houseNow)),
            ("chargers_w", watts(chargers)),
            ("available_w", watts(limit.map { limit in max(0, limit - (houseNow ?? limit)) })),
            ("surplus_w", watts(surplusW(now: now))),
        ] + (config.location.solar?.pvTopic == nil ? [] : [("pv_w", watts(pvW(now: now)))])))
        guard payload != publishedSite else { return }
        publishedSite = payload
        sitePublishedAt = now
        actions.append(.publish(topic: "\(config.baseTopic)/site", payload: payload, retain: true))
    }

    private mutating func publishState(vehicle index: Int, now: Date, actions: inout [BridgeAction]) {
        // Written again only when an input changed or the clock passed the departure or a slot's
        // end (a tick goes through every vehicle; most have nothing new). Checked in place: a
        // copy of the vehicle's state for each of them was a third of a tick.
        let inputs = vehicles[index].stateInputsNow
        if vehicles[index].publishedState != nil, inputs == vehicles[index].stateInputs, now < vehicles[index].stateValidUntil { return }
        let vehicle = vehicles[index]
        var validUntil = Date.distantFuture
        var state: [(key: String, value: DocumentValue)] = []
        state.reserveCapacity(16)
        state.append(("plugged", .bool(vehicle.plugged)))
        state.append(("mode", .string(vehicle.mode.rawValue)))
        state.append(("boost", .bool(vehicle.boost)))
        state.append(("target_soc", .number(vehicle.targetSoc)))
        state.append(("ready_by", .string(Self.localTime(vehicle.readyByOverride, default: vehicle.config.readyBy))))
        state.append(("charging", .bool(vehicle.commanded.map { if case .start = $0 { true } else { false } } ?? false)))
        if let override = vehicle.readyByOverride {
            switch override {
            case let .timeOfDay(time): state.append(("ready_by_override", .string(time.description)))
            case let .instant(instant): state.append(("ready_by_override", .string(Timestamp.format(instant))))
            }
        }
        if let soc = vehicle.socPercent { state.append(("soc", .number(soc))) }
        if let phases = vehicle.phasesTold { state.append(("phases", .number(Double(phases)))) }
        if vehicle.plugged {
            let departure = vehicle.departure(after: now, calendar: tariff.calendar)
            validUntil = min(validUntil, departure)
            state.append(("departure", .string(Timestamp.format(departure))))
            state.append(("energy_needed_wh", .number((vehicle.energyNeededWh * 10).rounded() / 10)))
        }
        if let plan = vehicle.plan, let next = plan.slots.first(where: { $0.end > now }) {
            // A slot under way started when it was planned (not "now": that would change the
            // retained state, and Home Assistant's sensor, on every tick while charging).
            validUntil = min(validUntil, next.end)
            state.append(("next_start", .string(Timestamp.format(max(next.start, plan.request.start)))))
        }
        if let last = vehicle.plan?.slots.last, last.end > now {
            state.append(("planned_end", .string(Timestamp.format(last.end))))
        }
        if let plan = vehicle.plan { state.append(("planned_cost", .number((plan.cost * 1e4).rounded() / 1e4))) }
        if let problem = vehicle.planProblem { state.append(("plan_problem", .string(problem))) }
        if let session = vehicle.session { state.append(("session_reference_id", .string(session.id))) }
        // Keys sorted, `/` escaped: the bytes the retained state has always had.
        let payload = JSONWriter(sortsKeys: true, escapesSlashes: true).text(.object(state))
        vehicles[index].stateInputs = inputs
        vehicles[index].stateValidUntil = validUntil
        guard payload != vehicle.publishedState else { return }
        vehicles[index].publishedState = payload
        actions.append(.publish(topic: vehicle.config.topics.state, payload: payload, retain: true))
    }

    // MARK: Helpers

    static func compactStamp(_ instant: Date) -> String {
        Timestamp.format(Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.down))).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    static func localTime(_ override: ReadyBy?, default time: TimeOfDay) -> String {
        if case let .timeOfDay(custom)? = override { return custom.description }
        return time.description
    }

    /// The vehicle's session id, if one is open (for the service).
    public func openSessionId(vehicleId: String) -> String? {
        vehicles.first { $0.config.id == vehicleId }?.session?.id
    }

    /// What each vehicle's charger was last told to draw, W (0: stopped or not told), with its
    /// charger (for tests of the site guard).
    func toldPowers() -> [(vehicleId: String, powerW: Double, charger: Charger)] {
        vehicles.map { ($0.config.id, $0.commanded?.powerW ?? 0, $0.config.charger) }
    }

    /// The solar surplus at `now`, W: what the home would export with no car charging, from the
    /// grid meter's last reading less what the chargers drew then (each at most what it was
    /// told), `max(0, -(grid - chargers))`; 0 without a grid meter or a fresh reading.
    public func surplusW(now: Date) -> Double {
        house?.surplusW(at: now) ?? 0
    }

    /// The PV production at its last reading, W, while fresh (`metering.power_stale_after_s`);
    /// nil without `location.solar.pv_topic`, before its first reading or when it is stale.
    public func pvW(now: Date) -> Double? {
        guard let pv, now.timeIntervalSince(pv.at) <= config.metering.powerStaleAfterSeconds else { return nil }
        return pv.watts
    }

    /// The power the chargers may draw together at `now` as the guard sees it, W (tests).
    func guardRoomW(now: Date) -> Double? { roomW(now: now) }

    /// The house load the guard counts with at `now`, W (tests).
    func guardHouseW(now: Date) -> Double? { house == nil ? 0 : house?.houseW(at: now) }

    /// Whether the vehicle is plugged in (for the service and tests).
    public func isPlugged(vehicleId: String) -> Bool {
        vehicles.first { $0.config.id == vehicleId }?.plugged ?? false
    }

    /// The vehicle's plan in force, if any.
    public func plan(vehicleId: String) -> DevicePlan? {
        vehicles.first { $0.config.id == vehicleId }?.plan
    }
}
