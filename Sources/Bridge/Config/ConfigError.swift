import Documents

/// A bridge configuration that cannot be used, naming the key and what to fix,
/// e.g. `vehicles[0].capacity_wh must be a positive number`.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file, when known.
    public var file: String?
    /// The dotted key path, e.g. `vehicles[0].capacity_wh`.
    public var key: String
    /// What is wrong, phrased to follow the key.
    public var problem: String

    public init(file: String? = nil, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        (file.map { "\($0): " } ?? "") + (key.isEmpty ? problem : "\(key) \(problem)")
    }
}

extension ConfigError {
    /// A field reader's error in the configuration's words: `vehicles[0].name must be text, not a list`.
    init(_ error: DocumentFieldError) {
        let problem = switch error.problem {
        case .missing: "is required"
        case let .wrongKind(.text, found): "must be text, not \(found.kindDescription)"
        case .wrongKind(.number, _), .notFinite: "must be a number"
        case .wrongKind(.bool, _): "must be true or false"
        case .wrongKind(.object, _): "must be a mapping of keys"
        case .wrongKind(.list, _): "must be a list"
        case let .unknownKey(suggestion): "is not a known key" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
        }
        self.init(key: error.path, problem: problem)
    }

    /// Runs a field reader, its error phrased as a `ConfigError`.
    static func reading<T>(_ read: () throws(DocumentFieldError) -> T) throws(ConfigError) -> T {
        do throws(DocumentFieldError) {
            return try read()
        } catch {
            throw ConfigError(error)
        }
    }
}
