import ArgumentParser
import Foundation
import Metering
import Tariffs

/// `chargebridge meter ...`: the ledger of metered energy.
struct MeterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meter",
        abstract: "Store meter records in the ledger.",
        subcommands: [MeterImportCommand.self]
    )
}

struct MeterImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Ingest a batch of meter records (CONTRACT.md section 4) and print the batch report.",
        discussion: """
            The batch is a JSON array of records or {"data": [...]}. Each bad record is rejected with \
            its reason in failed_records and nothing of it is stored; the good ones are stored in one \
            transaction. A record whose record_reference_id is already stored is a duplicate, not new \
            energy, so importing the same file twice changes nothing: records_accepted counts the \
            valid records, records_processed the new ones among them, records_duplicate the rest. \
            record_num counts from 0. The ledger file is created \
            (mode 0600) when missing. Exit 0 when every record was accepted, 1 when some were rejected \
            (the report is printed all the same) or on any other error.
            """
    )

    @Option(help: "The ledger (SQLite file); created when missing.")
    var db: String

    @Option(help: "The tariff file (JSON or YAML); checked before anything is stored.")
    var tariff: String?

    @Argument(help: "The meter records: a JSON file, or - for standard input.")
    var input: String

    @OptionGroup var output: TabularFormatOption

    func run() async throws {
        let data = try readInput(input, what: "meter records")
        let batch: MeterBatch
        do {
            batch = try MeterBatch.parse(json: data, source: input == "-" ? "standard input" : input)
        } catch let error as MeterBatchError {
            throw CLIError(error.description)
        }
        if let tariff { _ = try loadTariffSet(tariff) }
        let ledger = try Ledger(path: db)
        let report = try ledger.importBatch(batch)
        print(Self.render(report, format: output.format), terminator: "")
        if !report.failedRecords.isEmpty {
            let source = input == "-" ? "standard input" : input
            FileHandle.standardError.write(Data(
                "chargebridge: \(report.failedRecords.count) of \(report.recordsSubmitted) records in \(source) were rejected (see failed_records); the others were stored.\n".utf8))
            throw ExitCode(1)
        }
    }

    static func render(_ report: MeterBatchReport, format: OutputFormat) -> String {
        switch format {
        case .json:
            return report.json() + "\n"
        case .csv:
            var out = "record_num,record_reference_id,error\n"
            for failure in report.failedRecords {
                out += [String(failure.recordNum), failure.recordReferenceId ?? "", failure.error]
                    .map(csvField).joined(separator: ",") + "\n"
            }
            return out
        default:
            var out = "\(report.recordsSubmitted) submitted, \(report.recordsAccepted) accepted, "
                + "\(report.recordsProcessed) new, \(report.recordsDuplicate) duplicate, \(report.failedRecords.count) rejected\n"
            for failure in report.failedRecords {
                out += "  record \(failure.recordNum) (\(failure.recordReferenceId ?? "no id")): \(failure.error)\n"
            }
            return out
        }
    }
}

/// Reads a file, or standard input for `-`; a missing file is one sentence.
func readInput(_ path: String, what: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            throw CLIError("Cannot read the \(what) \(path): \(isDirectory.boolValue ? "it is a folder" : "permission denied").")
        }
        throw CLIError("Cannot read the \(what) \(path): no such file.")
    }
    return data
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
        ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
