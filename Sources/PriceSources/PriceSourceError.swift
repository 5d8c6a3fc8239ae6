import Foundation

/// Why a price source could not deliver: one sentence naming the source and what to do.
/// Never contains a security token.
public enum PriceSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token's environment variable is not set (or empty).
    case missingToken(source: String, variable: String)
    /// The server refused the credentials (HTTP 401 or 403).
    case unauthorized(source: String, status: Int, hint: String)
    /// Any other HTTP error status.
    case http(source: String, status: Int, detail: String)
    /// No answer (connection refused, timeout, DNS).
    case unreachable(source: String, reason: String)
    /// An answer that is not in the API's format.
    case malformed(source: String, problem: String)
    /// The API answered with an error document.
    case rejected(source: String, reason: String)

    public var description: String {
        switch self {
        case let .missingToken(source, variable):
            "\(source): the security token is missing; set the environment variable \(variable)"
        case let .unauthorized(source, status, hint):
            "\(source): the server refused access (HTTP \(status)); \(hint)"
        case let .http(source, status, detail):
            "\(source): the server answered HTTP \(status)\(detail.isEmpty ? "" : " (\(detail))")"
        case let .unreachable(source, reason):
            "\(source): cannot reach the server (\(reason))"
        case let .malformed(source, problem):
            "\(source): the answer is not in the expected format: \(problem)"
        case let .rejected(source, reason):
            "\(source): the request was rejected: \(reason)"
        }
    }

    /// Whether trying again later may help (server trouble, network), as opposed to a
    /// configuration fault the user must fix (token, zone). Either way the poller backs off.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case let .http(_, status, _): status == 429 || status >= 500
        default: false
        }
    }
}
