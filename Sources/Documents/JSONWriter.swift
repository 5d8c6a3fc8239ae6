/// Writes a `DocumentValue` as JSON text: every JSON the product publishes (MQTT payloads,
/// Home Assistant discovery configs) or prints (the command line's `--format json`).
///
/// One escaping routine (`"`, `\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters as
/// `\u00xx`; everything else, non-ASCII included, as is; `/` as `\/` only when asked) and one
/// number rule (`number(_:)`). A YAML plain scalar is written as a string.
public struct JSONWriter: Sendable {
    /// How the text is laid out.
    public enum Layout: Sendable {
        /// `{"a":1,"b":[]}`: MQTT payloads.
        case compact
        /// Two-space indents, `"a": 1`, empty containers as `[]` and `{}`: the cost and meter reports.
        case indented
        /// Two-space indents, `"a" : 1`, empty containers on two lines: what Foundation's
        /// `JSONEncoder` printed, kept for the plan, tariff and forecast commands' output.
        case spacedIndented
    }

    public var layout: Layout
    /// Write object members in the byte order of their keys (else in the value's order).
    public var sortsKeys: Bool
    /// Write `/` as `\/` (the vehicle state payload has always done so).
    public var escapesSlashes: Bool

    public init(layout: Layout = .compact, sortsKeys: Bool = false, escapesSlashes: Bool = false) {
        self.layout = layout
        self.sortsKeys = sortsKeys
        self.escapesSlashes = escapesSlashes
    }

    /// The JSON text of `value`.
    public func text(_ value: DocumentValue) -> String {
        var out = ""
        write(value, into: &out, indent: 0)
        return out
    }

    private func write(_ value: DocumentValue, into out: inout String, indent: Int) {
        switch value {
        case .null: out += "null"
        case let .bool(flag): out += flag ? "true" : "false"
        case let .number(number): out += Self.number(number)
        case let .string(text), let .plain(text): Self.appendQuoted(text, escapingSlashes: escapesSlashes, to: &out)
        case let .array(items):
            guard !items.isEmpty else { out += emptyContainer("[", "]", indent: indent); return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                newline(into: &out, indent: indent + 2)
                write(item, into: &out, indent: indent + 2)
            }
            newline(into: &out, indent: indent)
            out += "]"
        case let .object(members):
            guard !members.isEmpty else { out += emptyContainer("{", "}", indent: indent); return }
            let ordered = sortsKeys ? members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : members
            out += "{"
            for (index, member) in ordered.enumerated() {
                if index > 0 { out += "," }
                newline(into: &out, indent: indent + 2)
                Self.appendQuoted(member.key, escapingSlashes: escapesSlashes, to: &out)
                switch layout {
                case .compact: out += ":"
                case .indented: out += ": "
                case .spacedIndented: out += " : "
                }
                write(member.value, into: &out, indent: indent + 2)
            }
            newline(into: &out, indent: indent)
            out += "}"
        }
    }

    private func newline(into out: inout String, indent: Int) {
        guard layout != .compact else { return }
        out += "\n"
        out += String(repeating: " ", count: indent)
    }

    private func emptyContainer(_ open: String, _ close: String, indent: Int) -> String {
        layout == .spacedIndented ? open + "\n\n" + String(repeating: " ", count: indent) + close : open + close
    }

    /// A number as JSON: integral values with |x| < 2^53 (each exactly representable, as are
    /// their neighbours) without a fraction (`80`, not `80.0`), others in Swift's shortest
    /// round-trip form (`0.1234`, `9007199254740992.0`, `1e+16`); NaN and infinities, which
    /// JSON cannot hold, as `null`.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return String(value)
    }

    /// Appends `text` as a quoted JSON string.
    public static func appendQuoted(_ text: String, escapingSlashes: Bool = false, to out: inout String) {
        // Most strings (ids, timestamps, words) need no escaping at all.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || ($0 == 0x2F && escapingSlashes) }) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/" where escapingSlashes: out += "\\/"
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
        out += "\""
    }
}

extension DocumentValue {
    /// `.number(value)`, or `.null` when `value` is nil or not finite.
    public static func finiteNumber(_ value: Double?) -> DocumentValue {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }

    /// `.string(value)`, or `.null` when `value` is nil.
    public static func optionalString(_ value: String?) -> DocumentValue {
        value.map(DocumentValue.string) ?? .null
    }

    /// This value as JSON text (see `JSONWriter`).
    public func jsonText(_ layout: JSONWriter.Layout = .compact, sortsKeys: Bool = false, escapesSlashes: Bool = false) -> String {
        JSONWriter(layout: layout, sortsKeys: sortsKeys, escapesSlashes: escapesSlashes).text(self)
    }
}
