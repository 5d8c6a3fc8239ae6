import Foundation
import Locking
import MQTT

/// A metering Zigbee smart plug behind Zigbee2MQTT, feeding a charger, as Zigbee2MQTT documents
/// it (github.com/Koenkk/zigbee2mqtt.io):
///
/// - docs/devices/TS011F_plug_1.md (TuYa TS011F_plug_1, "Smart plug (with power monitoring)"):
///   the state under `state` (`ON` / `OFF`), switched with `{"state": "ON"}`, `{"state": "OFF"}`
///   or `{"state": "TOGGLE"}` on `zigbee2mqtt/FRIENDLY_NAME/set`; `power` in W, `current` in A,
///   `voltage` in V, `energy` ("sum of consumed energy") in kWh, `power_outage_memory`,
///   `linkquality`; power, current, voltage and energy cannot be set.
/// - docs/guide/usage/mqtt_topics_and_messages.md: the device's state is one JSON object on
///   `zigbee2mqtt/FRIENDLY_NAME`; a single attribute can also be set with a plain value on
///   `zigbee2mqtt/FRIENDLY_NAME/set/<attribute>`; its availability is
///   `zigbee2mqtt/FRIENDLY_NAME/availability` `{"state":"online"}` / `{"state":"offline"}`.
///
/// The energy is published with two decimals (10 Wh steps), as the Tuya plugs report it. A payload
/// that is neither of these (plain `ON` on /set, another attribute, a state word it does not
/// know) switches nothing.
public final class EmulatedZigbeePlug: EmulatedDevice {
    public struct Status: Sendable, Equatable {
        /// The plug's relay; its counter is `energy`.
        public var feed: CarFeed
        public var available = true
        public var on: Bool { feed.closed }
        public var drawW: Double { feed.drawW }
        public var energyWh: Double { feed.counterWh }
    }

    public let friendlyName: String
    public let chargerW: Double
    public let car: EmulatedCar
    /// How often it reports its measurements, seconds.
    public let reportEverySeconds: Double
    public let voltage = 230.0
    private let link: DeviceLink
    private let state: Locked<Status>

    public var stateTopic: String { "zigbee2mqtt/\(friendlyName)" }

    public init(brokerURL: String, friendlyName: String, chargerW: Double, car: EmulatedCar, reportEverySeconds: Double = 60,
                energyWh: Double = 123_450, clock: DeviceClock = .wall) throws {
        self.friendlyName = friendlyName
        self.chargerW = chargerW
        self.car = car
        self.reportEverySeconds = reportEverySeconds
        link = try DeviceLink(brokerURL: brokerURL, clientID: "zigbee2mqtt-\(friendlyName)", clock: clock)
        state = Locked(Status(feed: CarFeed(counterWh: energyWh, at: clock.now())))
    }

    public var status: Status { state.value }
    public var commands: [DeviceCommand] { link.commands }

    public func start() async throws {
        try await link.connect(subscribing: ["\(stateTopic)/set", "\(stateTopic)/set/+"]) { [weak self] message in
            guard let self else { return "gone" }
            return await self.command(message)
        }
        await link.publish(#"{"state":"online"}"#, to: "\(stateTopic)/availability", retain: true)
        await publishState()
        link.every(reportEverySeconds) { [weak self] in await self?.publishState() }
    }

    public func stop() async { await link.stop() }

    /// The plug drops off the Zigbee network (false) or comes back (true): Zigbee2MQTT says so on
    /// the availability topic; an unavailable plug publishes nothing and takes no commands.
    public func setAvailable(_ available: Bool) async {
        update { $0.available = available }
        await link.publish(available ? #"{"state":"online"}"#: #"{"state":"offline"}"#, to: "\(stateTopic)/availability", retain: true)
        if available { await publishState() }
    }

    /// The car behind the plug was plugged in or out.
    public func carChanged() async {
        update { _ in }
        await publishState()
    }

    private func command(_ message: MQTTMessage) async -> String? {
        guard state.value.available else { return "the plug is not reachable" }
        let word: String?
        if message.topic == "\(stateTopic)/set" {
            guard let object = jsonObject(message.payloadText) else { return "/set takes a JSON object" }
            if let key = object.keys.first(where: { $0 != "state" && $0 != "power_outage_memory" }) {
                return "no converter for '\(key)'"
            }
            word = object["state"] as? String
            if object["state"] != nil && word == nil { return "state must be ON, OFF or TOGGLE" }
        } else if message.topic == "\(stateTopic)/set/state" {
            word = message.payloadText
        } else {
            return "no converter for '\(message.topic.split(separator: "/").last ?? "")'"
        }
        switch word?.uppercased() {
        case "ON": update { $0.feed.closed = true }
        case "OFF": update { $0.feed.closed = false }
        case "TOGGLE": update { $0.feed.closed.toggle() }
        case nil: break
        default: return "'\(word ?? "")' is not ON, OFF or TOGGLE"
        }
        await publishState()
        return nil
    }

    private func update(_ body: (inout Status) -> Void) {
        let now = link.clock.now()
        state.withLock { status in
            status.feed.advance(to: now, car: car)
            body(&status)
            status.feed.settle(offeredW: chargerW, car: car)
        }
    }

    private func publishState() async {
        update { _ in }
        let status = state.value
        guard status.available else { return }
        let payload = #"{"current":\#(deviceNumber(status.drawW / voltage, decimals: 2)),"energy":\#(deviceNumber(status.energyWh / 1000, decimals: 2)),"#
            + #""linkquality":120,"power":\#(deviceNumber(status.drawW, decimals: 0)),"power_outage_memory":"off","#
            + #""state":"\#(status.on ? "ON" : "OFF")","voltage":\#(Int(voltage))}"#
        await link.publish(payload, to: stateTopic)
    }
}
