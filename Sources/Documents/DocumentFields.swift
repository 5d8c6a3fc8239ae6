import Foundation

/// What a field of a document must be, for errors.
public enum DocumentKind: Sendable, Equatable {
    case text, number, bool, list, object
}

/// A field that is missing, of the wrong kind or not a known key, with its key path
/// (`vehicles[0].capacity_wh`, `tariffs[1].price`). Each reader phrases it in its own words
/// (`TariffError`, `ConfigError`, `PlanningError`); `description` is a plain default.
public struct DocumentFieldError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        /// Absent or null.
        case missing
        /// Present but not the kind the field needs.
        case wrongKind(expected: DocumentKind, found: DocumentValue)
        /// A number that is NaN or infinite (`.nan` in YAML, `1e400` in JSON).
        case notFinite
        /// A key the object does not know, with the known key it most likely meant.
        case unknownKey(suggestion: String?)
    }

    /// The key path of the field.
    public var path: String
    public var problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing: "\(path): is required"
        case let .wrongKind(expected, found): "\(path): must be \(Self.describe(expected)), found \(found.kindDescription)"
        case .notFinite: "\(path): must be a finite number"
        case let .unknownKey(suggestion): "\(path): is not a known key\(suggestion.map { " (did you mean \($0)?)" } ?? "")"
        }
    }

    /// `a number`, `true or false`, ... (what the field must be).
    public static func describe(_ kind: DocumentKind) -> String {
        switch kind {
        case .text: "text"
        case .number: "a number"
        case .bool: "true or false"
        case .list: "a list"
        case .object: "an object"
        }
    }

    /// `parent.key`, or `key` at the top level.
    public static func path(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }
}

/// Typed readers: each returns the value as the kind a field needs or throws a
/// `DocumentFieldError` naming `path`. Absent and null fields are the caller's to handle
/// (`document["key"]`, `isNull`).
extension DocumentValue {
    /// The text of a string or a YAML plain scalar; with `orNumber`, a JSON number as its JSON text too (`5`, `2.5`).
    public func string(at path: String, orNumber: Bool = false) throws(DocumentFieldError) -> String {
        if let text { return text }
        if orNumber, case let .number(number) = self { return JSONWriter.number(number) }
        throw DocumentFieldError(path: path, problem: .wrongKind(expected: .text, found: self))
    }

    /// A finite number; with `orNumericText`, a string holding one (`"7.5"`, spaces around allowed) too.
    public func finiteNumber(at path: String, orNumericText: Bool = false) throws(DocumentFieldError) -> Double {
        var found = number
        if found == nil, orNumericText, let text {
            found = Double(text.trimmingCharacters(in: .whitespaces))
        }
        guard let found else { throw DocumentFieldError(path: path, problem: .wrongKind(expected: .number, found: self)) }
        guard found.isFinite else { throw DocumentFieldError(path: path, problem: .notFinite) }
        return found
    }

    /// `true` or `false` (YAML's `True`, `FALSE` too).
    public func boolean(at path: String) throws(DocumentFieldError) -> Bool {
        guard let bool else { throw DocumentFieldError(path: path, problem: .wrongKind(expected: .bool, found: self)) }
        return bool
    }

    /// The items of a list.
    public func list(at path: String) throws(DocumentFieldError) -> [DocumentValue] {
        guard case let .array(items) = self else { throw DocumentFieldError(path: path, problem: .wrongKind(expected: .list, found: self)) }
        return items
    }

    /// The members of an object, in document order.
    public func members(at path: String) throws(DocumentFieldError) -> [(key: String, value: DocumentValue)] {
        guard case let .object(members) = self else { throw DocumentFieldError(path: path, problem: .wrongKind(expected: .object, found: self)) }
        return members
    }

    /// The member `key`, required: throws `.missing` at `path.key` when absent or null.
    public func required(_ key: String, at path: String) throws(DocumentFieldError) -> DocumentValue {
        guard let found = self[key], !found.isNull else {
            throw DocumentFieldError(path: DocumentFieldError.path(path, key), problem: .missing)
        }
        return found
    }

    /// Throws `.unknownKey` at `path.key` for the first member not in `allowed`, suggesting the
    /// known key it most likely meant; throws `.wrongKind` when this is not an object.
    public func rejectUnknownKeys(_ allowed: Set<String>, at path: String) throws(DocumentFieldError) {
        for member in try members(at: path) where !allowed.contains(member.key) {
            throw DocumentFieldError(path: DocumentFieldError.path(path, member.key),
                                     problem: .unknownKey(suggestion: KeySuggestion.closest(to: member.key, among: allowed)))
        }
    }
}
