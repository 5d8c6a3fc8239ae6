import ArgumentParser

/// The output formats one command accepts.
protocol AcceptedFormats {
    static var formats: [OutputFormat] { get }
}

/// `table` or `json`.
enum TableOrJSON: AcceptedFormats {
    static let formats: [OutputFormat] = [.table, .json]
}

/// `table`, `json` or `chart`.
enum TableJSONOrChart: AcceptedFormats {
    static let formats: [OutputFormat] = [.table, .json, .chart]
}

/// `table`, `json` or `csv`.
enum TableJSONOrCSV: AcceptedFormats {
    static let formats: [OutputFormat] = [.table, .json, .csv]
}

/// Every format.
enum AnyFormat: AcceptedFormats {
    static let formats = OutputFormat.allCases
}

/// A command's `--format` value: one of `Accepted.formats`. The option's help text, the values
/// its help lists and the usage error for any other value (exit 2: "The value 'chart' is
/// invalid for '--format <format>'. Please provide one of 'table', 'json' or 'csv'.") all come
/// from that one list.
struct FormatOption<Accepted: AcceptedFormats>: ExpressibleByArgument, Sendable {
    let value: OutputFormat

    init(_ value: OutputFormat) {
        precondition(Accepted.formats.contains(value), "\(value) is not one of \(Accepted.formats)")
        self.value = value
    }

    init?(argument: String) {
        guard let format = OutputFormat(rawValue: argument), Accepted.formats.contains(format) else { return nil }
        value = format
    }

    var defaultValueDescription: String { value.rawValue }

    static var allValueStrings: [String] { Accepted.formats.map(\.rawValue) }

    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }

    /// The option's help: `Output format: table, json or csv.`
    static var help: ArgumentHelp { ArgumentHelp("Output format: \(OutputFormat.list(Accepted.formats)).") }
}
