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
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// The JSON text of `value` as UTF-8 bytes (what `text(_:)` decodes). The writer appends bytes,
    /// not `String`s: a 50-car plan's 117 KB response takes less than half the time it did.
    public func bytes(_ value: DocumentValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, indent: 0)
        return out
    }

    private func write(_ value: DocumentValue, into out: inout [UInt8], indent: Int) {
        switch value {
        case .null: out += "null".utf8
        case let .bool(flag): out += (flag ? "true" : "false").utf8
        case let .number(number): Self.appendNumber(number, to: &out)
        case let .string(text), let .plain(text): Self.appendQuoted(text, escapingSlashes: escapesSlashes, to: &out)
        case let .array(items):
            guard !items.isEmpty else { appendEmptyContainer(UInt8(ascii: "["), UInt8(ascii: "]"), indent: indent, to: &out); return }
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, indent: indent + 2)
                write(item, into: &out, indent: indent + 2)
            }
            newline(into: &out, indent: indent)
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            guard !members.isEmpty else { appendEmptyContainer(UInt8(ascii: "{"), UInt8(ascii: "}"), indent: indent, to: &out); return }
            let ordered = sortsKeys ? members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : members
            out.append(UInt8(ascii: "{"))
            for (index, member) in ordered.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(into: &out, indent: indent + 2)
                Self.appendQuoted(member.key, escapingSlashes: escapesSlashes, to: &out)
                switch layout {
                case .compact: out.append(UInt8(ascii: ":"))
                case .indented: out += ": ".utf8
                case .spacedIndented: out += " : ".utf8
                }
                write(member.value, into: &out, indent: indent + 2)
            }
            newline(into: &out, indent: indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(into out: inout [UInt8], indent: Int) {
        guard layout != .compact else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    private func appendEmptyContainer(_ open: UInt8, _ close: UInt8, indent: Int, to out: inout [UInt8]) {
        out.append(open)
        if layout == .spacedIndented {
            out += "\n\n".utf8
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
        }
        out.append(close)
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

    private static func appendNumber(_ value: Double, to out: inout [UInt8]) {
        out += number(value).utf8
    }

    /// Appends `text` as a quoted JSON string.
    public static func appendQuoted(_ text: String, escapingSlashes: Bool = false, to out: inout String) {
        var bytes: [UInt8] = []
        appendQuoted(text, escapingSlashes: escapingSlashes, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` as a quoted JSON string, as UTF-8. Escapes are found byte by byte: a
    /// multi-byte UTF-8 sequence has no byte below 0x80, so non-ASCII text is copied as is.
    public static func appendQuoted(_ text: String, escapingSlashes: Bool = false, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            out.append(UInt8(ascii: "\""))
            var start = 0
            for (index, byte) in utf8.enumerated() {
                let escape: StaticString
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "/") where escapingSlashes: escape = "\\/"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0..<0x20: escape = ""
                default: continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                if escape.utf8CodeUnitCount > 0 {
                    out.append(contentsOf: UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
                } else {
                    // Other control characters as `\u00xx`, lower-case hex.
                    let hex = Array("0123456789abcdef".utf8)
                    out += "\\u00".utf8
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
            out.append(UInt8(ascii: "\""))
        }
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
