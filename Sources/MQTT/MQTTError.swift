import Foundation

/// What went wrong, as one plain sentence (`description`). Never contains a password.
public enum MQTTError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The broker URL is not `mqtt://host:port` or `mqtts://host:port`.
    case invalidURL(String)
    /// A setting is out of range; the text names it.
    case invalidConfiguration(String)
    /// A file named in the TLS settings does not exist (`role` is `CA file`, `client certificate
    /// file` or `client key file`).
    case fileMissing(role: String, path: String)
    /// The broker refused the user name or password. Fatal: the client stops retrying.
    case loginRefused(username: String?, reason: String)
    /// The broker refused the connection for another reason (banned, client id invalid, protocol
    /// version unsupported). Fatal.
    case connectionRefused(endpoint: String, reason: String)
    /// The TLS handshake failed: unknown CA, wrong host name, or the broker wants a client
    /// certificate. Fatal.
    case tlsHandshakeFailed(endpoint: String, detail: String)
    /// No connection could be made to the broker (refused, unreachable, name not found, or no
    /// answer before a timeout). The client keeps retrying.
    case unreachable(endpoint: String, detail: String)
    /// A QoS 0 message could not be sent because the client is not connected.
    case notConnected(topic: String)
    /// The broker answered a publish with a failure reason (MQTT 5), for instance an ACL denial.
    case publishRefused(topic: String, reason: String)
    /// The broker refused a subscription, for instance because an ACL denies the filter.
    case subscriptionRefused(filter: String, reason: String)
    /// A topic or filter is not valid MQTT (empty, wildcards in a publish topic, misplaced `#`).
    case invalidTopic(String)
    /// libmosquitto reported an unexpected error in `function`.
    case library(function: String, detail: String)
    /// The client has been shut down.
    case shutDown

    public var description: String {
        switch self {
        case .invalidURL(let text):
            return "broker URL '\(text)' is not mqtt://host:port or mqtts://host:port"
        case .invalidConfiguration(let text):
            return text
        case .fileMissing(let role, let path):
            return "\(role) '\(path)' does not exist"
        case .loginRefused(let username?, let reason):
            return "broker refused the login for user '\(username)' (\(reason))"
        case .loginRefused(nil, let reason):
            return "broker refused the login without a user name (\(reason))"
        case .connectionRefused(let endpoint, let reason):
            return "broker at \(endpoint) refused the connection (\(reason))"
        case .tlsHandshakeFailed(let endpoint, let detail) where detail == "certificate verify failed":
            // OpenSSL says the same for an unknown CA, an expired certificate and a wrong name.
            let host = endpoint.range(of: ":", options: .backwards).map { String(endpoint[..<$0.lowerBound]) } ?? endpoint
            return "TLS handshake with \(endpoint) failed (certificate verify failed: the broker's certificate is "
                + "not signed by the trusted CA, has expired, or is not issued for the host name \(host))"
        case .tlsHandshakeFailed(let endpoint, let detail):
            return "TLS handshake with \(endpoint) failed (\(detail))"
        case .unreachable(let endpoint, let detail):
            return "could not reach the broker at \(endpoint) (\(detail))"
        case .notConnected(let topic):
            return "not connected to the broker, the QoS 0 message to '\(topic)' was not sent"
        case .publishRefused(let topic, let reason):
            return "broker refused the message to '\(topic)' (\(reason))"
        case .subscriptionRefused(let filter, let reason):
            return "broker refused the subscription to '\(filter)' (\(reason))"
        case .invalidTopic(let topic):
            return "'\(topic)' is not a valid MQTT topic here"
        case .library(let function, let detail):
            return "libmosquitto \(function) failed (\(detail))"
        case .shutDown:
            return "the MQTT client has been shut down"
        }
    }

    public var errorDescription: String? { description }

    /// True when retrying cannot help: the configuration must change.
    public var isFatal: Bool {
        switch self {
        case .loginRefused, .connectionRefused, .tlsHandshakeFailed, .invalidURL, .invalidConfiguration, .fileMissing:
            return true
        default:
            return false
        }
    }
}
