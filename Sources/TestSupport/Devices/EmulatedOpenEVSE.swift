import Foundation
import Locking
import MQTT

/// An OpenEVSE wallbox with the ESP32 WiFi gateway, as its MQTT documentation describes it:
/// github.com/OpenEVSE/openevse_esp32_firmware, docs/Developers_Guide_MQTT.md ("Published
/// topics — status values", "Command topics") and docs/mqtt.md.
///
/// - Status values, one per sub-topic of the base topic, not retained (`mqtt_retained` is off by
///   default), published when they change and while charging: `vehicle` (`1` / `0`), `state`
///   (1 not connected, 2 connected, 3 charging, 4-11 errors, 254 sleeping, 255 disabled),
///   `status` (`active` / `disabled`), `pilot` (A), `amp` (mA), `voltage` (V), `power` (W),
///   `session_energy` (Wh, from 0 at each plug-in), `total_energy` (kWh), `session_elapsed` (s).
/// - Retained `<base>/override`: the manual override, `{"state":"null"}` when there is none,
///   re-published after each command as its acknowledgement.
/// - Announce (retained) on `openevse/announce/<id>` with `"state":"connected"`, and the same
///   with `"disconnected"` as its Last Will.
/// - Commands on `<base>/override/set`: a JSON object of override properties (Properties schema:
///   `state` `active`/`disabled`, `charge_current` A, `max_current` A, `auto_release` bool,
///   each also `"clear"` to remove it), merged into the override; or `toggle` / `clear`.
///   Anything else is ignored.
///
/// The EVSE without an override is active: it charges a car as soon as it is plugged in, at its
/// maximum current. The pilot is the override's `charge_current` (or its `max_current`), within
/// 6 A (IEC 61851) and the wallbox's rating. An error (states 4-11) stops the charge; the
/// vehicle flag is the controller's EV-connected flag, so it still reads `1` while a car is in.
public final class EmulatedOpenEVSE: EmulatedDevice {
    public struct Status: Sendable, Equatable {
        public var overrideState: String?
        public var overrideCurrentA: Double?
        public var overrideMaxCurrentA: Double?
        public var errorState: Int?
        /// The wallbox's relay; its counter is `total_energy` (reported in kWh).
        public var feed: CarFeed
        /// Wh since the plug-in (what `session_energy` reports).
        public var sessionWh = 0.0
        public var sessionSeconds = 0.0
        public var drawW: Double { feed.drawW }
        public var totalWh: Double { feed.counterWh }
    }

    public let baseTopic: String
    public let deviceID: String
    public let phases: Int
    /// The wallbox's rating, A.
    public let ratingA: Double
    public let voltage = 230.0
    public let car: EmulatedCar
    /// How often it reports while running, seconds of the devices' clock.
    public let reportEverySeconds: Double
    private let link: DeviceLink
    private let state: Locked<Status>

    public init(brokerURL: String, baseTopic: String = "openevse", deviceID: String = "c44f330d55ad", phases: Int = 1,
                ratingA: Double = 32, car: EmulatedCar, reportEverySeconds: Double = 10, totalWh: Double = 1_234_567,
                clock: DeviceClock = .wall) throws {
        self.baseTopic = baseTopic
        self.deviceID = deviceID
        self.phases = phases
        self.ratingA = ratingA
        self.car = car
        self.reportEverySeconds = reportEverySeconds
        let announce = "openevse/announce/\(deviceID.suffix(4))"
        link = try DeviceLink(brokerURL: brokerURL, clientID: "openevse-\(deviceID.suffix(4))",
                              will: MQTTWill(topic: announce, text: #"{"state":"disconnected","id":"\#(deviceID)","name":"openevse-\#(deviceID.suffix(4))"}"#),
                              clock: clock)
        state = Locked(Status(feed: CarFeed(counterWh: totalWh, at: clock.now())))
    }

    public var status: Status { state.value }
    /// Every command it received, taken or ignored.
    public var commands: [DeviceCommand] { link.commands }
    /// The pilot current it signals now, A.
    public var pilotA: Double { Self.pilot(state.value, ratingA: ratingA) }

    public func start() async throws {
        try await link.connect(subscribing: ["\(baseTopic)/override/set"]) { [weak self] message in
            guard let self else { return "gone" }
            return await self.overrideCommand(message.payloadText)
        }
        await link.publish(#"{"state":"connected","id":"\#(deviceID)","name":"openevse-\#(deviceID.suffix(4))","mqtt":"\#(baseTopic)","http":"http://192.168.1.43/"}"#,
                           to: "openevse/announce/\(deviceID.suffix(4))", retain: true)
        await publishOverride()
        await report()
        link.every(reportEverySeconds) { [weak self] in await self?.report() }
    }

    public func stop() async { await link.stop() }

    /// A car is plugged in: a new session (session_energy from 0).
    public func plugIn() async {
        update {
            $0.sessionWh = 0
            $0.sessionSeconds = 0
        } car: { $0.setPlugged(true) }
        await report()
    }

    /// The car is unplugged.
    public func unplug() async {
        update { _ in } car: { $0.setPlugged(false) }
        await report()
    }

    /// An error state (4 vent required ... 11 over current): the relay opens, the car stays in.
    public func fault(_ code: Int) async {
        precondition((4...11).contains(code), "OpenEVSE's error states are 4-11")
        update { $0.errorState = code }
        await report()
    }

    /// The error clears.
    public func clearFault() async {
        update { $0.errorState = nil }
        await report()
    }

    // MARK: Behaviour

    private func overrideCommand(_ payload: String) async -> String? {
        let text = payload.trimmingCharacters(in: .whitespaces)
        var rejection: String?
        if text == "clear" {
            update {
                $0.overrideState = nil
                $0.overrideCurrentA = nil
                $0.overrideMaxCurrentA = nil
            }
        } else if text == "toggle" {
            let active = Self.active(state.value)
            update { $0.overrideState = active ? "disabled" : "active" }
        } else if let object = jsonObject(text) {
            rejection = Self.validate(object)
            if rejection == nil {
                update { status in
                    if let value = object["state"] { status.overrideState = (value as? String) == "clear" ? nil : value as? String }
                    if let value = object["charge_current"] { status.overrideCurrentA = jsonNumber(value) }
                    if let value = object["max_current"] { status.overrideMaxCurrentA = jsonNumber(value) }
                }
            }
        } else {
            rejection = "neither a JSON object of override properties nor toggle / clear"
        }
        if rejection == nil {
            await publishOverride()
            await report()
        }
        return rejection
    }

    /// The Properties schema: the reason a payload is not one, or nil.
    private static func validate(_ object: [String: Any]) -> String? {
        let known: Set<String> = ["state", "charge_current", "max_current", "energy_limit", "time_limit", "auto_release"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) { return "'\(unknown)' is not an override property" }
        for (key, value) in object where (value as? String) != "clear" {
            switch key {
            case "state":
                guard let word = value as? String, word == "active" || word == "disabled" else { return "state must be active or disabled" }
            case "auto_release":
                guard value is Bool else { return "auto_release must be a bool" }
            default:
                guard let number = jsonNumber(value), number >= 0 else { return "\(key) must be a number" }
            }
        }
        return nil
    }

    private static func active(_ status: Status) -> Bool { (status.overrideState ?? "active") == "active" }

    private static func pilot(_ status: Status, ratingA: Double) -> Double {
        let limit = min(ratingA, status.overrideMaxCurrentA ?? ratingA)
        return max(6, min(status.overrideCurrentA ?? limit, limit))
    }

    /// Integrates the draw up to now, applies `body`, and works out the new draw.
    private func update(_ body: (inout Status) -> Void, car change: (EmulatedCar) -> Void = { _ in }) {
        let now = link.clock.now()
        state.withLock { status in
            if car.plugged { status.sessionSeconds += max(0, now.timeIntervalSince(status.feed.lastAdvance)) }
            status.sessionWh += status.feed.advance(to: now, car: car)
            body(&status)
            change(car)
            status.feed.closed = Self.active(status) && status.errorState == nil
            status.feed.settle(offeredW: Self.pilot(status, ratingA: ratingA) * voltage * Double(phases), car: car)
        }
    }

    private func report() async {
        update { _ in }
        let status = state.value
        let plugged = car.plugged
        let evseState: Int
        if let error = status.errorState {
            evseState = error
        } else if !Self.active(status) {
            evseState = 255
        } else if !plugged {
            evseState = 1
        } else {
            evseState = status.drawW > 0 ? 3 : 2
        }
        let amps = status.drawW / voltage / Double(phases)
        // The energy first: a reading that closes a session arrives before the vehicle flag that ends it.
        let values: [(String, String)] = [
            ("session_energy", deviceNumber(status.sessionWh, decimals: 2)),
            ("total_energy", deviceNumber(status.totalWh / 1000, decimals: 3)),
            ("session_elapsed", String(Int(status.sessionSeconds))),
            ("amp", String(Int((amps * 1000).rounded()))),
            ("voltage", deviceNumber(voltage, decimals: 1)),
            ("power", deviceNumber(status.drawW, decimals: 1)),
            ("pilot", deviceNumber(Self.pilot(status, ratingA: ratingA), decimals: 0)),
            ("state", String(evseState)),
            ("status", Self.active(status) ? "active" : "disabled"),
            ("manual_override", status.overrideState == nil ? "0" : "1"),
            ("vehicle", plugged ? "1" : "0"),
        ]
        for (name, value) in values { await link.publish(value, to: "\(baseTopic)/\(name)") }
    }

    private func publishOverride() async {
        let status = state.value
        var fields: [String] = []
        if let value = status.overrideState { fields.append(#""state":"\#(value)""#) }
        if let value = status.overrideCurrentA { fields.append(#""charge_current":\#(deviceNumber(value, decimals: 2))"#) }
        if let value = status.overrideMaxCurrentA { fields.append(#""max_current":\#(deviceNumber(value, decimals: 2))"#) }
        let payload = fields.isEmpty ? #"{"state":"null"}"# : "{" + fields.joined(separator: ",") + "}"
        await link.publish(payload, to: "\(baseTopic)/override", retain: true)
    }
}
