import Documents
import Foundation

/// How a vehicle's plug payload maps to connected, disconnected or unknown (docs/bridge.md,
/// "Plug states"): `topics.plug_connected`, `plug_disconnected` and `plug_unknown`.
///
/// Values are compared as *tokens*: a number by its value (`2`, `"2"` and `2.0` are the same
/// token `2`), `true`/`false` as themselves, text trimmed and lower-cased. JSON `null` (or a bare
/// `null` payload) is always unknown.
public struct PlugMapping: Sendable, Equatable {
    /// Tokens that mean plugged in.
    public var connected: [String]
    /// Tokens that mean unplugged; `nil` when `plug_disconnected` is not given (then the
    /// built-in words decide, see ``read(_:)``).
    public var disconnected: [String]?
    /// Tokens that mean "the charger does not know now" (its error state): the last state is kept.
    public var unknown: [String]

    public init(connected: [String] = [], disconnected: [String]? = nil, unknown: [String] = []) {
        self.connected = connected.map(Self.token)
        self.disconnected = disconnected?.map(Self.token)
        self.unknown = unknown.map(Self.token)
    }

    /// What a payload value says.
    public enum Reading: Sendable, Equatable {
        case connected
        case disconnected
        /// The token that said "unknown" (`null` for JSON null).
        case unknown(String)
    }

    /// The token of a configured or received value: a number's shortest text, `true`/`false`,
    /// or text trimmed and lower-cased (text that reads as a number is that number).
    public static func token(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if let number = Double(trimmed), number.isFinite { return numberToken(number) }
        return trimmed
    }

    /// The token of a document value; nil for null.
    static func token(_ value: DocumentValue) -> String? {
        if value.isNull { return nil }
        if let flag = value.bool { return flag ? "true" : "false" }
        if let number = value.number, number.isFinite { return numberToken(number) }
        if let text = value.text { return token(text) }
        return nil
    }

    private static func numberToken(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    private static let builtInConnected: Set<String> = ["connected", "on", "true", "1", "plugged", "plugged_in", "yes"]
    private static let builtInDisconnected: Set<String> = ["disconnected", "off", "false", "0", "unplugged", "no"]

    /// Whether the configured connected tokens hold a number (then numbers are judged by them alone).
    private var connectedHasNumbers: Bool { connected.contains { Double($0) != nil } }

    /// The reading of `value` (the value at `plug_path`, or the bare payload):
    ///
    /// 1. `null`, or a token in `unknown`: unknown.
    /// 2. A token in `connected`: connected.
    /// 3. With `disconnected` given: a token in it is disconnected, any other is unknown.
    /// 4. Without it: a number is connected only when listed in `connected`, when that list
    ///    holds numbers (any other number is disconnected); else `1` is connected and `0`
    ///    disconnected. A word: the built-in words (connected/disconnected, ON/OFF, true/false,
    ///    plugged/unplugged, yes/no); with `connected` given, any other word is disconnected.
    /// Anything else is a `PayloadError` (logged once, ignored).
    public func read(_ value: DocumentValue) throws -> Reading {
        guard let token = Self.token(value), !token.isEmpty else {
            if value.isNull, value.text == nil { return .unknown("null") }
            throw PayloadError("expected a plug state such as connected or disconnected, got \(value.kindDescription)")
        }
        if unknown.contains(token) { return .unknown(token) }
        if connected.contains(token) { return .connected }
        if let disconnected {
            return disconnected.contains(token) ? .disconnected : .unknown(token)
        }
        if Double(token) != nil {
            if connectedHasNumbers { return .disconnected }
            if token == "1" { return .connected }
            if token == "0" { return .disconnected }
            throw PayloadError("\(token) is not a plug state (1 or 0; list a charger's own numbers in plug_connected)")
        }
        if Self.builtInConnected.contains(token) { return .connected }
        if Self.builtInDisconnected.contains(token) { return .disconnected }
        if !connected.isEmpty { return .disconnected }
        throw PayloadError("'\(token)' is not a plug state (connected/disconnected, ON/OFF, true/false, 1/0)")
    }
}

extension PayloadParser {
    /// The plug state in `payload` (at `path` for JSON) as `mapping` reads it. A bare `null`
    /// payload is JSON null.
    public static func plugState(_ payload: [UInt8], path: String?, mapping: PlugMapping) throws -> PlugMapping.Reading {
        if path == nil {
            let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text == "null" { return .unknown("null") }
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
                return try mapping.read(.string(String(text.dropFirst().dropLast())))
            }
            return try mapping.read(Double(text).map { .number($0) } ?? .string(text))
        }
        return try mapping.read(try extract(payload, path: path))
    }

    /// What a charger answered on a `command_result` topic: nil when it reports success
    /// (go-e: `success`; also `true`, `ok`, JSON `"success"`/`true`, or an object whose `success`
    /// is true), else the error text it gave.
    public static func commandResultError(_ payload: [UInt8]) -> String? {
        let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var bare = text
        if bare.hasPrefix("\""), bare.hasSuffix("\""), bare.count >= 2 { bare = String(bare.dropFirst().dropLast()) }
        if ["success", "true", "ok"].contains(bare.lowercased()) { return nil }
        if text.hasPrefix("{"), let document = try? DocumentValue.parse(text, preferJSON: true) {
            if document["success"]?.bool == true { return nil }
            if let message = document["error"]?.text ?? document["message"]?.text { return message }
        }
        return text.isEmpty ? "an empty answer" : String(text.prefix(200))
    }
}
