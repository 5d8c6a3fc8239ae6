import Foundation
import Testing

/// Each command's `--format`: its help names exactly the formats it accepts, and any other
/// format is a usage error that lists them.
@Suite struct FormatCLITests {
    /// A command, arguments that get it past the option parser (the files need not exist), and
    /// the formats it prints.
    struct Command: CustomTestStringConvertible, Sendable {
        var words: [String]
        var arguments: [String]
        var formats: [String]

        var testDescription: String { words.joined(separator: " ") }
    }

    static let allFormats = ["table", "json", "chart", "csv"]

    static let commands: [Command] = [
        Command(words: ["tariff", "check"], arguments: ["/nonexistent/tariff.json"], formats: ["table", "json"]),
        Command(words: ["tariff", "rates"], arguments: ["--tariff", "/nonexistent/tariff.json", "--from", "2026-01-01", "--to", "2026-01-02"],
                formats: ["table", "json", "chart", "csv"]),
        Command(words: ["plan"], arguments: ["--tariff", "/nonexistent/tariff.json", "--request", "/nonexistent/request.json"],
                formats: ["table", "json", "chart"]),
        Command(words: ["meter", "import"], arguments: ["--db", "/nonexistent/ledger.sqlite", "/nonexistent/records.json"],
                formats: ["table", "json", "csv"]),
        Command(words: ["costs", "session"], arguments: ["S1", "--db", "/nonexistent/ledger.sqlite", "--tariff", "/nonexistent/tariff.json"],
                formats: ["table", "json", "csv"]),
        Command(words: ["costs", "interval"], arguments: [
            "--db", "/nonexistent/ledger.sqlite", "--tariff", "/nonexistent/tariff.json",
            "--from", "2026-01-01T00:00:00Z", "--to", "2026-02-01T00:00:00Z", "--aggregation", "day",
        ], formats: ["table", "json", "csv"]),
        Command(words: ["costs", "instant"], arguments: ["--tariff", "/nonexistent/tariff.json", "/nonexistent/record.json"],
                formats: ["table", "json", "csv"]),
        Command(words: ["forecast", "backtest"], arguments: ["--prices", "/nonexistent/prices.csv"], formats: ["table", "json"]),
    ]

    @Test(arguments: commands)
    func helpNamesExactlyTheAcceptedFormats(command: Command) throws {
        let result = try CLIRunner.run(command.words + ["--help"])
        #expect(result.status == 0)
        // The option's entry, with the lines the help wraps it onto joined again.
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let first = try #require(lines.firstIndex { $0.hasPrefix("  --format <format>") })
        let entry = lines[first...].prefix { $0 == lines[first] || ($0.hasPrefix("     ") && !$0.isEmpty) }
        let line = entry.joined(separator: " ").split(separator: " ").joined(separator: " ")
        let list = command.formats.dropLast().joined(separator: ", ") + " or " + command.formats.last!
        #expect(line.contains("Output format: \(list)."))
        #expect(line.contains("(values: \(command.formats.joined(separator: ", ")); default: table)"))
    }

    @Test(arguments: commands)
    func anotherFormatIsAUsageErrorListingTheAcceptedOnes(command: Command) throws {
        for format in Self.allFormats {
            let result = try CLIRunner.run(command.words + command.arguments + ["--format", format])
            if command.formats.contains(format) {
                // Accepted: the command gets as far as its missing file (exit 1).
                #expect(result.status == 1, "\(command.testDescription) --format \(format): \(result.stderr)")
                #expect(!result.stderr.contains("--format"), "\(command.testDescription) --format \(format): \(result.stderr)")
            } else {
                let quoted = command.formats.map { "'\($0)'" }
                let list = quoted.count <= 2 ? quoted.joined(separator: " and ")
                    : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
                #expect(result.status == 2, "\(command.testDescription) --format \(format)")
                #expect(result.stderr.contains("The value '\(format)' is invalid for '--format <format>'. Please provide one of \(list)."),
                        "\(command.testDescription) --format \(format): \(result.stderr)")
            }
        }
    }
}
