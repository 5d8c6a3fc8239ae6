/// MQTT 5 properties of a publish. Ignored under MQTT 3.1.1.
public struct MQTTPublishProperties: Sendable, Hashable {
    /// MIME type of the payload, such as `application/json`.
    public var contentType: String?
    /// Seconds after which the broker drops the message if it has not been delivered.
    public var messageExpirySeconds: UInt32?

    public init(contentType: String? = nil, messageExpirySeconds: UInt32? = nil) {
        self.contentType = contentType
        self.messageExpirySeconds = messageExpirySeconds
    }

    var isEmpty: Bool { contentType == nil && messageExpirySeconds == nil }
}
