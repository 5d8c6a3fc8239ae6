import Foundation
import Yams

/// A parsed JSON or YAML document (tariffs, requests, configs, payloads), kept close to the text so that validation can name
/// fields exactly and YAML's plain scalars are typed by what the field expects
/// (`07:00` stays a time, never YAML 1.1's sexagesimal 420). Also what the product writes:
/// `JSONWriter` turns a value into text. Not `indirect`: objects and arrays already hold their
/// members out of line, so a value is built without a box per member (the state payloads).
public enum DocumentValue: Sendable, Equatable {
    case object([(key: String, value: DocumentValue)])
    case array([DocumentValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    /// A YAML plain (unquoted) scalar, typed on use.
    case plain(String)

    public static func == (lhs: DocumentValue, rhs: DocumentValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)), let (.plain(a), .plain(b)): a == b
        case let (.number(a), .number(b)): a == b || (a.isNaN && b.isNaN)
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// Parses `text` as JSON when it starts with `{` or `[` (or the file says `.json`), else as YAML.
    /// Throws `DocumentSyntaxError` saying where parsing stopped.
    public static func parse(_ text: String, preferJSON: Bool) throws -> DocumentValue {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }
        if preferJSON || trimmed.first == "{" || trimmed.first == "[" {
            var parser = JSONTextParser(text: text)
            return try parser.parseDocument()
        }
        return try parseYAML(text)
    }

    private static func parseYAML(_ text: String) throws -> DocumentValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw DocumentSyntaxError(format: "YAML", detail: describe(error))
        }
        guard let node else { return .null }
        return try convert(node)
    }

    private static func convert(_ node: Node) throws -> DocumentValue {
        switch node {
        case let .scalar(scalar):
            return scalar.style == .plain ? .plain(scalar.string) : .string(scalar.string)
        case let .mapping(mapping):
            var members: [(key: String, value: DocumentValue)] = []
            for (key, value) in mapping {
                guard case let .scalar(keyScalar) = key else {
                    throw DocumentSyntaxError(format: "YAML", detail: "a mapping key must be plain text\(describe(key.mark))")
                }
                members.append((keyScalar.string, try convert(value)))
            }
            return .object(members)
        case let .sequence(sequence):
            return .array(try sequence.map(convert))
        case let .alias(alias):
            throw DocumentSyntaxError(format: "YAML", detail: "aliases are not supported\(describe(alias.mark))")
        }
    }

    private static func describe(_ mark: Mark?) -> String {
        guard let mark else { return "" }
        return " at line \(mark.line), column \(mark.column)"
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, mark, _):
            return "\(problem)\(context.map { " \($0.text)" } ?? "") at line \(mark.line), column \(mark.column)"
        case let .parser(context, problem, mark, _):
            return "\(problem)\(context.map { " \($0.text)" } ?? "") at line \(mark.line), column \(mark.column)"
        case let .composer(context, problem, mark, _):
            return "\(problem)\(context.map { " \($0.text)" } ?? "") at line \(mark.line), column \(mark.column)"
        case let .reader(problem, offset, value, _):
            return "\(problem) at byte \(offset ?? 0) (value \(value))"
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable YAML"
        }
    }

    // MARK: Typed access

    /// The text of a string or a YAML plain scalar.
    public var text: String? {
        switch self {
        case let .string(s), let .plain(s): s
        default: nil
        }
    }

    /// A number, from JSON or from a YAML plain scalar (`.nan` and `.inf` parse, as non-finite).
    public var number: Double? {
        switch self {
        case let .number(n): return n
        case let .plain(s):
            switch s.lowercased() {
            case ".nan": return .nan
            case ".inf", "+.inf": return .infinity
            case "-.inf": return -.infinity
            default:
                guard !s.isEmpty, s.allSatisfy({ "0123456789+-.eE_".contains($0) }) else { return nil }
                return Double(s.replacingOccurrences(of: "_", with: ""))
            }
        default: return nil
        }
    }

    public var bool: Bool? {
        switch self {
        case let .bool(b): return b
        case let .plain(s):
            switch s {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: return nil
            }
        default: return nil
        }
    }

    public var isNull: Bool {
        switch self {
        case .null: true
        case let .plain(s): s == "null" || s == "Null" || s == "NULL" || s == "~" || s.isEmpty
        default: false
        }
    }

    /// A found value for error messages: text quoted (`'sometimes'`), anything else by its kind (`a number`).
    public var foundDescription: String {
        text.map { "'\($0)'" } ?? kindDescription
    }

    /// What the value is, for error messages ("a string", "a number", ...).
    public var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "a list"
        case .string: "a string"
        case .number: "a number"
        case .bool: "true/false"
        case .null: "null"
        case let .plain(s): number != nil ? "a number" : bool != nil ? "true/false" : isNull ? "null" : "'\(s)'"
        }
    }

    /// The value of the first member named `key`; `nil` when there is none or this is not an object.
    public subscript(key: String) -> DocumentValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// An object's members by key, a repeated key taking its last value (as JSON readers
    /// commonly take it: the plan request and meter records always have); `nil` when this is not an object.
    public var membersByKey: [String: DocumentValue]? {
        guard case let .object(members) = self else { return nil }
        return Dictionary(members, uniquingKeysWith: { _, later in later })
    }
}

/// A tariff, request or config file that is not well-formed JSON or YAML.
public struct DocumentSyntaxError: Error, Equatable, CustomStringConvertible {
    /// `JSON` or `YAML`.
    public var format: String
    /// What went wrong and where, e.g. `expected ',' or '}' at line 3, column 14`.
    public var detail: String

    public var description: String { "not valid \(format): \(detail)" }
}
