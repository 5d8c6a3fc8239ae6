import Foundation
import Locking
import MQTT

/// What Examples/home-assistant/car-to-chargebridge.yaml makes Home Assistant do: when the car
/// integration's plug sensor (a binary_sensor, `on` / `off`) or battery sensor (a number) changes,
/// `mqtt.publish` its state to `chargebridge/<vehicle>/plug` and `chargebridge/<vehicle>/soc`
/// (home-assistant.io/integrations/mqtt, action `mqtt.publish`, retained). The automation passes
/// on only `on`, `off` and numbers; `forwardRaw` publishes a state as it is, as an automation
/// without that condition would (`unavailable` while the car's cloud is down).
public final class EmulatedHomeAssistantForwarder: EmulatedDevice {
    public let vehicleID: String
    public let baseTopic: String
    public let car: EmulatedCar
    private let link: DeviceLink
    private let last = Locked<(plugged: Bool?, soc: Int?)>((nil, nil))

    public init(brokerURL: String, vehicleID: String, baseTopic: String = "chargebridge", car: EmulatedCar,
                forwardsPlug: Bool = true, checkEverySeconds: Double = 30, clock: DeviceClock = .wall) throws {
        self.forwardsPlug = forwardsPlug
        self.vehicleID = vehicleID
        self.baseTopic = baseTopic
        self.car = car
        link = try DeviceLink(brokerURL: brokerURL, clientID: "homeassistant-\(UUID().uuidString.prefix(6))", clock: clock)
        self.checkEverySeconds = checkEverySeconds
    }

    private let checkEverySeconds: Double
    /// false: the level only (a wallbox that sees the car itself reports the plug).
    public let forwardsPlug: Bool

    public var plugTopic: String { "\(baseTopic)/\(vehicleID)/plug" }
    public var socTopic: String { "\(baseTopic)/\(vehicleID)/soc" }

    public func start() async throws {
        try await link.connect(subscribing: []) { _ in "not subscribed" }
        await check()
        link.every(checkEverySeconds) { [weak self] in await self?.check() }
    }

    public func stop() async { await link.stop() }

    /// The sensors' states changed (the automation's state trigger): forwards what changed.
    public func check() async {
        let now = car.current
        let soc = Int(now.socPercent.rounded())
        let (plugChanged, socChanged) = last.withLock { last in
            defer { last = (now.plugged, soc) }
            return (last.plugged != now.plugged, last.soc != soc)
        }
        if plugChanged && forwardsPlug { await link.publish(now.plugged ? "on" : "off", to: plugTopic, retain: true) }
        if socChanged { await link.publish(String(soc), to: socTopic, retain: true) }
    }

    /// Publishes a sensor's state as it is (`unavailable`, `unknown`).
    public func forwardRaw(plug state: String) async {
        await link.publish(state, to: plugTopic, retain: true)
    }
}
