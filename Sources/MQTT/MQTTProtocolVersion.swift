import CMosquitto
import Foundation

/// The MQTT protocol revision spoken to the broker.
public enum MQTTProtocolVersion: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// MQTT 5.0 (the default): reason codes, session expiry, message properties.
    case v5 = "5"
    /// MQTT 3.1.1, for old brokers.
    case v311 = "3.1.1"

    /// Parses `5`, `5.0`, `3.1.1` or `311`; nil for anything else.
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespaces) {
        case "5", "5.0", "v5": self = .v5
        case "3.1.1", "311", "v3.1.1": self = .v311
        default: return nil
        }
    }

    public var description: String { rawValue }

    var mosquittoValue: Int32 {
        switch self {
        case .v5: return MQTT_PROTOCOL_V5
        case .v311: return MQTT_PROTOCOL_V311
        }
    }
}
