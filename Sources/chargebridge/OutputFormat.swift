import ArgumentParser
import Documents
import Foundation

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, chart, csv
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
