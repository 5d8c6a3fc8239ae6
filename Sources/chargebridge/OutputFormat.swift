import ArgumentParser
import Documents
import Foundation

/// How a command prints its result. Each command accepts some of these (`FormatOption`).
enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, chart, csv

    /// The formats as a sentence's list: `table, json or csv`.
    static func list(_ formats: [OutputFormat]) -> String {
        let names = formats.map(\.rawValue)
        guard names.count > 1 else { return names.joined() }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// JSON output for machines: stable key order, no escaped slashes, numbers as JSON numbers.
enum JSONOutput {
    static func text(_ document: DocumentValue) -> String {
        JSONWriter(layout: .spacedIndented, sortsKeys: true).text(document)
    }
}

/// Rounds money and prices for output so that binary noise (0.26215700000000003) never shows.
func rounded(_ value: Double, places: Int = 6) -> Double {
    let scale = pow(10, Double(places))
    let result = (value * scale).rounded() / scale
    return result == 0 ? 0 : result
}

/// Whether stdout is a terminal (then charts may use colour).
var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
