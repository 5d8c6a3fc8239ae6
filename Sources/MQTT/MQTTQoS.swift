/// The MQTT quality of service of a publish or a subscription.
public enum MQTTQoS: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// QoS 0: fire and forget; lost if the connection is down.
    case atMostOnce = 0
    /// QoS 1: acknowledged; may arrive twice. Queued across disconnects in a persistent session.
    case atLeastOnce = 1
    /// QoS 2: acknowledged in a four-way handshake; arrives exactly once.
    case exactlyOnce = 2

    public var description: String { "QoS \(rawValue)" }
}
