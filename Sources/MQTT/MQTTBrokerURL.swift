/// Where the broker listens: `mqtt://host:port` (plain TCP, default port 1883) or
/// `mqtts://host:port` (TLS, default port 8883).
public struct MQTTBrokerURL: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address (without brackets for IPv6).
    public var host: String
    /// TCP port.
    public var port: Int
    /// True for `mqtts://`.
    public var usesTLS: Bool

    public init(host: String, port: Int, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Parses `mqtt://host[:port][/]` or `mqtts://host[:port][/]`; IPv6 hosts in brackets.
    /// - Throws: `MQTTError.invalidURL` naming the text when it is anything else.
    public init(parsing text: String) throws {
        let invalid = MQTTError.invalidURL(text)
        guard let schemeEnd = text.range(of: "://") else { throw invalid }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "mqtt", "tcp": usesTLS = false
        case "mqtts", "ssl", "tls": usesTLS = true
        default: throw invalid
        }
        var rest = text[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?") else { throw invalid }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw invalid }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw invalid }
            port = value
        } else {
            port = usesTLS ? 8883 : 1883
        }
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(usesTLS ? "mqtts" : "mqtt")://\(shownHost):\(port)"
    }

    /// `host:port` as error messages show it.
    var endpoint: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
