/// Where the client's connection stands. Observe it with `MQTTClient.stateUpdates()`.
public enum MQTTConnectionState: Sendable, Equatable, CustomStringConvertible {
    /// Created, `start()` not called yet.
    case idle
    /// First connection attempt under way.
    case connecting
    /// Connected, and the broker has acknowledged every restored subscription.
    case connected
    /// The connection is down and the client is retrying with backoff. `lastError` says why the
    /// last attempt failed (for instance `.unreachable`), nil after a plain connection loss.
    case reconnecting(lastError: MQTTError?)
    /// Gave up for good: the broker refused the login or the TLS handshake. Fix the configuration.
    case failed(MQTTError)
    /// `shutdown()` finished.
    case shutDown

    public var description: String {
        switch self {
        case .idle: return "idle"
        case .connecting: return "connecting"
        case .connected: return "connected"
        case .reconnecting(let error?): return "reconnecting (\(error))"
        case .reconnecting(nil): return "reconnecting"
        case .failed(let error): return "failed: \(error)"
        case .shutDown: return "shut down"
        }
    }
}
