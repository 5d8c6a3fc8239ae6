/// A flat JSON object written by hand with its keys sorted, as `JSONSerialization` with
/// `.sortedKeys` writes it (integral numbers without a fraction), at a small fraction of the
/// cost: the bridge writes a vehicle's state on every tick, a thousand vehicles twice a second.
struct JSONObjectText {
    private var fields: [(key: String, value: String)] = []
    /// Write `/` as `\/` (what `JSONSerialization` does without `.withoutEscapingSlashes`).
    var escapeSlashes = false

    init(escapeSlashes: Bool = false) {
        self.escapeSlashes = escapeSlashes
    }

    mutating func set(_ key: String, _ value: String) {
        fields.append((key, quoted(value)))
    }

    mutating func set(_ key: String, _ value: Double) {
        fields.append((key, Self.number(value)))
    }

    mutating func set(_ key: String, _ value: Bool) {
        fields.append((key, value ? "true" : "false"))
    }

    mutating func setNull(_ key: String) {
        fields.append((key, "null"))
    }

    /// A value already written as JSON (a nested object or an array).
    mutating func set(_ key: String, json: String) {
        fields.append((key, json))
    }

    /// A JSON document from Swift values (`String`, `Bool`, `Int`, `Double`, arrays of them and
    /// `[String: Any]` objects, nested), written as `JSONSerialization` with `.sortedKeys` writes
    /// it: Home Assistant's discovery configs, 20,000 of them for a thousand vehicles, took
    /// seconds of CPU through `JSONSerialization` (its sorted keys compare with the locale).
    static func document(_ value: Any, escapeSlashes: Bool = false) -> String {
        switch value {
        case let text as String:
            return quoted(text, escapeSlashes: escapeSlashes)
        case let flag as Bool:
            return flag ? "true" : "false"
        case let number as Int:
            return String(number)
        case let number as Double:
            return Self.number(number)
        case let list as [Any]:
            return "[" + list.map { document($0, escapeSlashes: escapeSlashes) }.joined(separator: ",") + "]"
        case let object as [String: Any]:
            var text = JSONObjectText(escapeSlashes: escapeSlashes)
            for (key, value) in object {
                text.set(key, json: document(value, escapeSlashes: escapeSlashes))
            }
            return text.text
        default:
            preconditionFailure("JSONObjectText.document: \(type(of: value)) is not a JSON value")
        }
    }

    /// `{"a":1,"b":"x"}`, keys in byte order (the bridge's keys are ASCII: the same order as
    /// `JSONSerialization`'s).
    var text: String {
        let sorted = fields.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var out = "{"
        for (index, field) in sorted.enumerated() {
            if index > 0 { out += "," }
            out += quoted(field.key)
            out += ":"
            out += field.value
        }
        return out + "}"
    }

    /// Integral values within ±2^53 without a fraction (`80`, not `80.0`), others as Swift's
    /// shortest round-trip form; non-finite values (never produced by the bridge) as `null`.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return String(value)
    }

    private func quoted(_ text: String) -> String {
        Self.quoted(text, escapeSlashes: escapeSlashes)
    }

    private static func quoted(_ text: String, escapeSlashes: Bool) -> String {
        // Most values (ids, timestamps, words) need no escaping at all.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || ($0 == UInt8(ascii: "/") && escapeSlashes) }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/" where escapeSlashes: out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
