import Foundation
import Locking
import Logging
import MQTT

/// A home on a real broker: emulated chargers (``EmulatedCharger``) that do exactly what they
/// are told and report their power and energy, cars plugged into them, a house load a test
/// scripts, PV panels (``EmulatedPV``) producing what a test scripts, and a grid meter
/// (``EmulatedGridMeter``) that publishes the house plus the chargers less the PV production.
/// Everything is recorded in one ``SiteLog``.
///
/// All devices share one MQTT connection, as the devices behind one Zigbee2MQTT or Shelly
/// gateway do: the commands reach them in the order the bridge sent them, so the log shows the
/// bridge's ordering (stops before starts), not the broker's scheduling between connections.
public final class EmulatedSite: Sendable {
    /// What one charger is doing now.
    public struct ChargerStatus: Sendable {
        public var plugged: Bool
        /// The last command it took (nil: none yet, it does not charge).
        public var told: EmulatedCharger.Outcome?
        /// What it draws now, W.
        public var drawW: Double
        /// Its energy counter, Wh.
        public var counterWh: Double
        /// The car's state of charge, percent (nil: no battery emulated).
        public var socPercent: Double?
        /// Commands received (rejected ones included).
        public var commands: Int
        /// The part of `counterWh` the PV surplus covered, Wh: at each moment the surplus
        /// (`max(0, PV - house)`) shared by the drawing chargers in proportion to their draw,
        /// each at most its own draw (the reference for the bridge's `solar_wh`).
        public var solarWh: Double = 0
    }

    private struct State {
        var chargers: [String: EmulatedCharger]
        var status: [String: ChargerStatus]
        var lastAdvance: Date
        var houseW: Double
        /// What the PV panels produce now, W.
        var pvW: Double = 0
        var meterSilent = false
        var log = SiteLog()
    }

    public let chargers: [EmulatedCharger]
    public let meter: EmulatedGridMeter?
    /// The PV inverter's production topic, if the site has panels that report.
    public let pv: EmulatedPV?
    /// How often the chargers report power, energy and the car's state of charge, clock seconds.
    public let reportEverySeconds: Double
    private let clock: DeviceClock
    private let client: MQTTClient
    private let state: Locked<State>
    private let tasks = Locked<[Task<Void, Never>]>([])

    /// Prepares the site (nothing is connected yet); the house draws `houseW` from the start.
    public init(brokerURL: String, chargers: [EmulatedCharger], meter: EmulatedGridMeter?, houseW: Double = 0,
                pv: EmulatedPV? = nil, reportEverySeconds: Double = 10, clock: DeviceClock = .wall, clientID: String = "emulated-site",
                logger: Logger? = nil) throws {
        self.chargers = chargers
        self.meter = meter
        self.pv = pv
        self.reportEverySeconds = reportEverySeconds
        self.clock = clock
        var configuration = try MQTTConfiguration(url: brokerURL, clientID: clientID)
        configuration.cleanStart = true
        client = try MQTTClient(configuration: configuration, logger: logger ?? {
            var quiet = Logger(label: "emulated-site")
            quiet.logLevel = .warning
            return quiet
        }())
        var status: [String: ChargerStatus] = [:]
        for charger in chargers {
            status[charger.id] = ChargerStatus(plugged: false, told: nil, drawW: 0, counterWh: 0,
                                               socPercent: charger.battery?.socPercent, commands: 0)
        }
        var initial = State(chargers: Dictionary(uniqueKeysWithValues: chargers.map { ($0.id, $0) }), status: status,
                            lastAdvance: clock.now(), houseW: houseW)
        initial.log.record(.house(watts: houseW), at: clock.now())
        state = Locked(initial)
    }

    /// Everything recorded so far.
    public var log: SiteLog { state.value.log }

    /// Charger `id` now.
    public func status(_ id: String) -> ChargerStatus? { state.value.status[id] }

    /// The house load now, W.
    public var houseW: Double { state.value.houseW }

    /// The PV production now, W.
    public var pvW: Double { state.value.pvW }

    /// What the chargers draw together now, W.
    public var chargersW: Double { state.value.status.values.reduce(0) { $0 + $1.drawW } }

    /// Connects, subscribes to every charger's command topic and starts reporting and metering.
    public func start() async throws {
        try await client.connect(timeout: .seconds(10))
        for charger in chargers {
            try await client.subscribe(charger.topics.command)
        }
        for charger in chargers {
            try await report(charger.id)
            if let plug = charger.topics.plug {
                try await client.publish("disconnected", to: plug, retain: true)
            }
        }
        let commands = Task { [client] in
            for await message in client.messages {
                await self.handle(message)
            }
        }
        let reports = Task {
            while !Task.isCancelled {
                do { try await clock.sleep(reportEverySeconds) } catch { return }
                advance()
                for charger in chargers { try? await report(charger.id) }
            }
        }
        var started = [commands, reports]
        if let meter {
            started.append(Task {
                while !Task.isCancelled {
                    try? await publishReading(meter)
                    do { try await clock.sleep(meter.everySeconds) } catch { return }
                }
            })
        }
        if let pv {
            started.append(Task {
                while !Task.isCancelled {
                    try? await publishPV(pv)
                    do { try await clock.sleep(pv.everySeconds) } catch { return }
                }
            })
        }
        tasks.withLock { $0 += started }
    }

    /// Stops the devices and disconnects.
    public func stop() async {
        for task in tasks.withLock({ list in defer { list = [] }; return list }) { task.cancel() }
        await client.shutdown()
    }

    // MARK: Scripting

    /// Plugs a car into charger `id` (its plug topic says `connected`); it draws what it was told last.
    public func plug(_ id: String) async throws {
        guard let charger = state.value.chargers[id] else { return }
        change(id, cause: "plugged in") { $0.plugged = true }
        if let plug = charger.topics.plug { try await client.publish("connected", to: plug, retain: true) }
        try await report(id)
    }

    /// Unplugs the car from charger `id`: it draws nothing.
    public func unplug(_ id: String) async throws {
        guard let charger = state.value.chargers[id] else { return }
        change(id, cause: "unplugged") { $0.plugged = false }
        if let plug = charger.topics.plug { try await client.publish("disconnected", to: plug, retain: true) }
        try await report(id)
    }

    /// The house now draws `watts` (a cooker switched on, a heat pump off).
    public func setHouse(_ watts: Double) {
        let now = clock.now()
        state.withLock { state in
            Self.advance(&state, to: now) // the solar reference depends on the house
            state.houseW = watts
            state.log.record(.house(watts: watts), at: now)
        }
    }

    /// The PV panels now produce `watts` (the sun came out, a cloud passed): the meter reads
    /// house + chargers - PV, negative while the home exports; the inverter (``EmulatedPV``)
    /// publishes it at its next report.
    public func setPV(_ watts: Double) {
        let now = clock.now()
        state.withLock { state in
            Self.advance(&state, to: now)
            state.pvW = watts
            state.log.record(.pv(watts: watts), at: now)
        }
    }

    /// The grid meter stops (true) or resumes (false) publishing.
    public func silenceMeter(_ silent: Bool) {
        let now = clock.now()
        state.withLock { state in
            state.meterSilent = silent
            state.log.record(.meterSilent(silent), at: now)
        }
    }

    /// Publishes a grid reading now (besides the periodic ones), unless the meter is silent.
    public func publishReading() async throws {
        guard let meter else { return }
        try await publishReading(meter)
    }

    // MARK: Devices

    private func handle(_ message: MQTTMessage) async {
        let text = message.payloadText
        let now = clock.now()
        let targets = chargers.filter { $0.topics.command == message.topic }
        for charger in targets {
            let interpretation = charger.interpret(text)
            state.withLock { state in
                state.log.record(.command(id: charger.id, payload: text, interpretation: interpretation), at: now)
                state.status[charger.id]?.commands += 1
            }
            if case .rejected = interpretation.outcome { continue }
            change(charger.id, cause: "told \(text)") { $0.told = interpretation.outcome }
            try? await report(charger.id)
        }
    }

    /// Applies `body` to charger `id`'s status, integrating its energy up to now first, and logs
    /// the new draw when it changed.
    private func change(_ id: String, cause: String, _ body: (inout ChargerStatus) -> Void) {
        let now = clock.now()
        state.withLock { state in
            Self.advance(&state, to: now)
            guard var status = state.status[id], let charger = state.chargers[id] else { return }
            body(&status)
            let before = status.drawW
            status.drawW = Self.draw(status, charger: charger)
            state.status[id] = status
            if abs(status.drawW - before) > 1e-9 {
                state.log.record(.draw(id: id, watts: status.drawW, cause: cause), at: now)
            }
        }
    }

    private func advance() {
        let now = clock.now()
        state.withLock { Self.advance(&$0, to: now) }
    }

    /// Integrates every charger's draw up to `now`: counters, batteries; a full battery stops drawing.
    private static func advance(_ state: inout State, to now: Date) {
        let seconds = now.timeIntervalSince(state.lastAdvance)
        guard seconds > 0 else { return }
        state.lastAdvance = now
        let drawingW = state.status.values.reduce(0) { $0 + $1.drawW }
        let surplusW = max(0, state.pvW - state.houseW)
        let solarFraction = drawingW > 0 ? min(1, surplusW / drawingW) : 0
        for (id, var status) in state.status {
            guard let charger = state.chargers[id], status.drawW > 0 else { continue }
            var energyWh = status.drawW * seconds / 3600
            if let battery = charger.battery, let soc = status.socPercent {
                let roomWh = max(0, (100 - soc) / 100 * battery.capacityWh / battery.efficiency)
                energyWh = min(energyWh, roomWh)
                status.socPercent = min(100, soc + energyWh * battery.efficiency / battery.capacityWh * 100)
            }
            status.counterWh += energyWh
            status.solarWh += energyWh * solarFraction
            let before = status.drawW
            status.drawW = draw(status, charger: charger)
            state.status[id] = status
            if abs(status.drawW - before) > 1e-9 {
                state.log.record(.draw(id: id, watts: status.drawW, cause: "battery full"), at: now)
            }
        }
    }

    /// What a charger in `status` draws: what it was told, when a car is plugged in and not full.
    private static func draw(_ status: ChargerStatus, charger: EmulatedCharger) -> Double {
        guard status.plugged, (status.socPercent ?? 0) < 100 - 1e-9, case let .charge(powerW)? = status.told else { return 0 }
        return powerW
    }

    private func report(_ id: String) async throws {
        guard let charger = state.value.chargers[id], let status = state.value.status[id] else { return }
        try await client.publish(String(Int(status.drawW.rounded())), to: charger.topics.power, waitForAcknowledgement: false)
        if let energy = charger.topics.energy {
            try await client.publish(String(format: "%.2f", status.counterWh), to: energy, retain: true, waitForAcknowledgement: false)
        }
        if let soc = charger.topics.soc, let percent = status.socPercent {
            try await client.publish(String(format: "%.2f", percent), to: soc, retain: true, waitForAcknowledgement: false)
        }
    }

    private func publishReading(_ meter: EmulatedGridMeter) async throws {
        let now = clock.now()
        let reading: Double? = state.withLock { state in
            guard !state.meterSilent else { return nil }
            let grid = state.houseW + state.status.values.reduce(0) { $0 + $1.drawW } - state.pvW
            state.log.record(.reading(gridW: grid), at: now)
            return grid
        }
        guard let reading else { return }
        try await client.publish(meter.payload(gridW: reading), to: meter.topic, waitForAcknowledgement: false)
    }

    private func publishPV(_ pv: EmulatedPV) async throws {
        let watts = state.value.pvW
        try await client.publish(pv.payload(watts: watts), to: pv.topic, waitForAcknowledgement: false)
    }
}
