import Documents

/// Why a tariff could not be loaded, phrased as what to fix.
///
/// `description` is one sentence naming the file (when known), the field and the fault,
/// e.g. `tariff.json: tariffIntervals: monday 22:00-23:00 is not covered`.
public indirect enum TariffError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The text is not well-formed JSON or YAML; `detail` says where parsing stopped.
    case syntax(format: String, detail: String)
    /// A field is missing, of the wrong type or out of range.
    case invalidField(field: String, problem: String)
    /// Part of a day is covered by no interval.
    case gap(field: String, day: Weekday, month: Month?, from: String, to: String)
    /// Part of a day is covered by more than one interval.
    case overlap(field: String, day: Weekday, month: Month?, from: String, to: String)
    /// A problem inside a file that the message should name.
    case inFile(path: String, TariffError)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read the file (\(reason))"
        case let .syntax(format, detail):
            return "not valid \(format): \(detail)"
        case let .invalidField(field, problem):
            return "\(field): \(problem)"
        case let .gap(field, day, month, from, to):
            return "\(field): \(day.rawValue) \(from)-\(to)\(month.map { " in \($0.rawValue)" } ?? "") is not covered"
        case let .overlap(field, day, month, from, to):
            return "\(field): \(day.rawValue) \(from)-\(to)\(month.map { " in \($0.rawValue)" } ?? "") is covered twice"
        case let .inFile(path, inner):
            return "\(path): \(inner.description)"
        }
    }

    /// The error without the file it was loaded from (a file it names further in stays).
    public var withoutFile: TariffError {
        if case let .inFile(_, inner) = self { return inner }
        return self
    }
}

extension TariffError {
    /// A field reader's error in a tariff's words: `tariffs[0].price: must be a number, found a string`.
    public init(_ error: DocumentFieldError) {
        let problem = switch error.problem {
        case .missing: "is required"
        case let .wrongKind(.bool, found): "must be true or false, found \(found.foundDescription)"
        case let .wrongKind(expected, found): "must be \(DocumentFieldError.describe(expected)), found \(found.kindDescription)"
        case .notFinite: "must be a finite number"
        case let .unknownKey(suggestion): "is not a known field" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
        }
        self = .invalidField(field: error.path, problem: problem)
    }

    /// Runs a field reader, its error phrased as a `TariffError`.
    static func reading<T>(_ read: () throws(DocumentFieldError) -> T) throws(TariffError) -> T {
        do throws(DocumentFieldError) {
            return try read()
        } catch {
            throw TariffError(error)
        }
    }
}
