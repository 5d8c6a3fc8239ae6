/// One message received from the broker. It owns its topic and payload bytes.
public struct MQTTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    /// True when the broker delivered a retained message (on subscribe).
    public var retain: Bool
    /// The MQTT 5 content type property, when the publisher set one.
    public var contentType: String?
    /// When the client received it (in libmosquitto's callback, before any task took it): for
    /// measuring latency without the reader's own scheduling. Not part of equality.
    public var receivedAt: ContinuousClock.Instant

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false, contentType: String? = nil,
                receivedAt: ContinuousClock.Instant = .now) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.contentType = contentType
        self.receivedAt = receivedAt
    }

    public static func == (lhs: MQTTMessage, rhs: MQTTMessage) -> Bool {
        lhs.topic == rhs.topic && lhs.payload == rhs.payload && lhs.qos == rhs.qos && lhs.retain == rhs.retain
            && lhs.contentType == rhs.contentType
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topic)
        hasher.combine(payload)
        hasher.combine(qos)
        hasher.combine(retain)
        hasher.combine(contentType)
    }

    /// The payload decoded as UTF-8 (invalid bytes replaced).
    public var payloadText: String { String(decoding: payload, as: UTF8.self) }
}
