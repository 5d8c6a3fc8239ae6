/// Everything the client needs to reach the broker. `description` never shows the password.
public struct MQTTConfiguration: Sendable, CustomStringConvertible {
    /// Where the broker listens.
    public var broker: MQTTBrokerURL
    /// The client id. Fixed, so that the broker keeps the session (and queued QoS 1 messages)
    /// while the client is away.
    public var clientID: String
    /// Seconds between keep-alive pings; libmosquitto needs at least 5.
    public var keepAliveSeconds: Int = 60
    /// MQTT 5 (default) or 3.1.1.
    public var protocolVersion: MQTTProtocolVersion = .v5
    public var username: String?
    /// Sent to the broker only; never logged or shown in an error.
    public var password: String?
    /// TLS settings for `mqtts://`; nil means the system's CAs with full verification.
    public var tls: MQTTTLSOptions?
    /// Published by the broker if the client vanishes without a clean disconnect.
    public var will: MQTTWill?
    /// False (default): a persistent session. The broker keeps subscriptions and queues QoS 1/2
    /// messages while the client is away, for `sessionExpirySeconds` under MQTT 5.
    public var cleanStart: Bool = false
    /// MQTT 5 only: how long the broker keeps the session after a disconnect (default one week).
    public var sessionExpirySeconds: UInt32 = 7 * 24 * 3600
    /// First delay before reconnecting; doubles after each failed attempt up to the maximum.
    public var reconnectDelayMin: Duration = .milliseconds(500)
    public var reconnectDelayMax: Duration = .seconds(30)
    /// QoS 1/2 messages in flight at once before further publishes queue in the client.
    public var maxInflightMessages: Int = 100
    /// False (default): every message is an element of `MQTTClient.messages`. True: the
    /// messages read in one turn of the network loop (up to a few hundred) arrive together as one
    /// element of `MQTTClient.messageBatches`, in order, and `messages` stays empty; for a
    /// consumer of tens of thousands of messages a second, which then wakes once per batch.
    /// While messages stream in (two turns running with messages), the network thread pauses
    /// 0.5 ms after each turn so that batches fill: a message amid a stream, and a publish made
    /// meanwhile, may wait up to that long; one after a quiet spell does not wait.
    public var deliversMessagesInBatches = false

    public init(broker: MQTTBrokerURL, clientID: String) {
        self.broker = broker
        self.clientID = clientID
    }

    /// - Throws: `MQTTError.invalidURL` when `url` is not `mqtt://` or `mqtts://`.
    public init(url: String, clientID: String) throws {
        self.init(broker: try MQTTBrokerURL(parsing: url), clientID: clientID)
    }

    public var description: String {
        var parts = ["\(broker)", "client id '\(clientID)'", "MQTT \(protocolVersion)"]
        if let username { parts.append("user '\(username)'" + (password == nil ? "" : " with a password")) }
        return parts.joined(separator: ", ")
    }
}
