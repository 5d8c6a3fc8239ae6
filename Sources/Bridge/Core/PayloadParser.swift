import Documents
import Foundation
import Tariffs

/// Turns MQTT payloads into values: plain text or JSON with a path, range-checked.
/// A payload that does not fit gives a `PayloadError` saying why (logged once, then ignored).
public enum PayloadParser {
    /// Plug state: `connected`/`disconnected`, `ON`/`OFF`, `true`/`false`, `1`/`0`, `plugged`/`unplugged`,
    /// plus the vehicle's own words for "connected" (e.g. a charger's `charging` state): the
    /// rules of ``PlugMapping`` with `plug_connected` alone; an unknown state (null) is an error here.
    public static func plug(_ payload: [UInt8], path: String?, connectedWords: [String]) throws -> Bool {
        switch try plugState(payload, path: path, mapping: PlugMapping(connected: connectedWords)) {
        case .connected: return true
        case .disconnected: return false
        case let .unknown(token): throw PayloadError("the plug state is unknown (\(token))")
        }
    }

    /// A finite number within `range`.
    public static func number(_ payload: [UInt8], path: String?, range: ClosedRange<Double>, what: String) throws -> Double {
        let value = try extract(payload, path: path)
        guard let number = value.number ?? value.text.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw PayloadError("expected \(what) as a number, got \(value.kindDescription)")
        }
        guard number.isFinite else { throw PayloadError("\(what) must be a finite number") }
        guard range.contains(number) else {
            throw PayloadError("\(what) \(format(number)) is outside \(format(range.lowerBound))...\(format(range.upperBound))")
        }
        return number
    }

    /// A charging mode word.
    public static func mode(_ payload: [UInt8]) throws -> ChargingMode {
        let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let mode = ChargingMode(rawValue: text) else {
            throw PayloadError("'\(text)' is not a mode (smart, fast, solar, min_solar or off)")
        }
        return mode
    }

    /// A local time of day `HH:MM`, or an ISO 8601 instant.
    public static func readyBy(_ payload: [UInt8], calendar: ZoneCalendar, now: Date) throws -> ReadyBy {
        let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let time = TimeOfDay(text), time.minutes < 1440 { return .timeOfDay(time) }
        if text.count == 5, text.dropFirst(2).first == ":" {
            throw PayloadError("'\(text)' is not a time between 00:00 and 23:59")
        }
        if let instant = calendar.instant(parsing: text) {
            guard instant > now else { throw PayloadError("ready-by \(text) is in the past") }
            return .instant(instant)
        }
        throw PayloadError("'\(text)' is not a ready-by time (HH:MM or an ISO 8601 instant)")
    }

    /// A boost switch: on/off words or numbers.
    public static func boost(_ payload: [UInt8]) throws -> Bool {
        let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        switch text {
        case "on", "true", "1", "boost", "yes": return true
        case "off", "false", "0", "no": return false
        default: throw PayloadError("'\(text)' is not a boost switch (ON or OFF)")
        }
    }

    static func extract(_ payload: [UInt8], path: String?) throws -> DocumentValue {
        let text = String(decoding: payload, as: UTF8.self)
        guard let path else {
            let trimmed = trimmed(payload) ?? text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let number = Double(trimmed) { return .number(number) }
            return .string(trimmed)
        }
        guard let compiled = JSONPath(path) else { throw PayloadError("the configured path '\(path)' is not a JSON path") }
        let document: DocumentValue
        do {
            document = try DocumentValue.parse(text, preferJSON: true)
        } catch {
            throw PayloadError("expected JSON with \(path), got '\(text.prefix(60))'")
        }
        guard let value = compiled.select(in: document) else { throw PayloadError("the JSON has no \(path)") }
        return value
    }

    /// An ASCII payload without the whitespace around it, as `trimmingCharacters(in:
    /// .whitespacesAndNewlines)` gives it at a fraction of the cost (a reading arrives every
    /// second from every charger); nil for other payloads.
    private static func trimmed(_ payload: [UInt8]) -> String? {
        guard payload.allSatisfy({ $0 < 0x80 }) else { return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        guard let first = payload.firstIndex(where: { !isSpace($0) }), let last = payload.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: payload[first...last], as: UTF8.self)
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// Why a payload was ignored.
public struct PayloadError: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
