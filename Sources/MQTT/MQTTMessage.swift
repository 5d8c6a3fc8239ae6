/// One message received from the broker. It owns its topic and payload bytes.
public struct MQTTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    /// True when the broker delivered a retained message (on subscribe).
    public var retain: Bool
    /// The MQTT 5 content type property, when the publisher set one.
    public var contentType: String?

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false, contentType: String? = nil) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.contentType = contentType
    }

    /// The payload decoded as UTF-8 (invalid bytes replaced).
    public var payloadText: String { String(decoding: payload, as: UTF8.self) }
}
