import Foundation

/// The home's PV inverter as the emulated site publishes it: the production a test scripts, in
/// W as a bare decimal number, every `everySeconds` of the devices' clock, as OpenDTU publishes
/// the sum of its inverters' AC power on `<base>/ac/power` (tbnobody/OpenDTU docs/MQTT_Topics.md:
/// "ac/power | Sum of AC active power of all enabled inverters | W"; e.g. `solar/ac/power` "512.3").
/// The grid meter sees the house plus the chargers less this production.
public struct EmulatedPV: Sendable, Equatable {
    public var topic: String
    /// How often it publishes, seconds of the devices' clock.
    public var everySeconds: Double

    public init(topic: String = "solar/ac/power", everySeconds: Double = 5) {
        self.topic = topic
        self.everySeconds = everySeconds
    }

    /// The payload for a production of `watts`.
    public func payload(watts: Double) -> String {
        String(format: "%.1f", watts)
    }
}
