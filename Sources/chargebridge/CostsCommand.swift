import ArgumentParser
import Documents
import Foundation
import Metering
import Tariffs

/// `chargebridge costs ...`: what metered energy cost, at the prices as they stand.
struct CostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "costs",
        abstract: "Cost of sessions, periods or single meter records (docs/costs.md).",
        discussion: """
            Costs are computed when asked from the stored records and the tariff's prices as they \
            stand, so a corrected price changes the cost; a tariff with a live price source (aWATTar, \
            ENTSO-E, MQTT) is priced with the prices the bridge stored in the ledger. A record spanning a price change is split \
            at it, pro rata of its energy. Energy without a known price is reported as unpriced \
            (JSON unpriced_energy, confidence 0, and a sentence on stderr), never costed at 0.
            """,
        subcommands: [CostsSessionCommand.self, CostsIntervalCommand.self, CostsInstantCommand.self]
    )
}

/// `IMPORT` or `EXPORT` on the command line (either case).
enum DirectionArgument: String, ExpressibleByArgument, CaseIterable {
    case IMPORT, EXPORT

    init?(argument: String) {
        self.init(rawValue: argument.uppercased())
    }

    var direction: EnergyDirection { self == .IMPORT ? .import : .export }
}

/// `day`, `month` or `year`.
enum AggregationArgument: String, ExpressibleByArgument, CaseIterable {
    case day, month, year

    var period: CostPeriod { CostPeriod(rawValue: rawValue)! }
}

/// Prints an `energy_cost` report in `format`, and its unpriced-energy warning on stderr.
func emit(_ report: EnergyCostReport, format: OutputFormat) {
    switch format {
    case .json: print(report.json.jsonText(.indented))
    case .csv: print(report.csv(), terminator: "")
    default: print(report.table(), terminator: "")
    }
    for warning in report.warnings {
        FileHandle.standardError.write(Data("chargebridge: \(warning)\n".utf8))
    }
}

/// The tariff that prices `direction`, or the import tariff for its time zone and currency.
func reportingTariff(_ set: TariffSet, _ direction: EnergyDirection) -> Tariff {
    set.tariff(for: direction) ?? set.primary
}

struct CostsSessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "The cost of one charging session, record by record, with savings against charging at once."
    )

    @Argument(help: "The session_reference_id.")
    var id: String

    @OptionGroup var ledgerFile: LedgerFileOption

    @OptionGroup var tariffFile: TariffFileOption

    @Flag(help: "Add the breakdown per tariff type and price level.")
    var includeTariff = false

    @Option(help: "IMPORT (default) or EXPORT energy of the session.")
    var direction: DirectionArgument = .IMPORT

    @OptionGroup var exportPrice: ExportPriceOption

    @Option(help: FormatOption<TableJSONOrCSV>.help)
    var format = FormatOption<TableJSONOrCSV>(.table)

    func run() async throws {
        let ledger = try ledgerFile.open()
        let tariffs = try ledger.withStoredPrices(try tariffFile.load())
        let cost = try ledger.sessionCost(id, direction: direction.direction, tariffs: tariffs,
                                          solarPrice: exportPrice.solarPrice)
        let pricing = reportingTariff(tariffs, direction.direction)
        emit(EnergyCostReport(session: cost, currency: pricing.currency, timeZone: pricing.timeZone.identifier,
                              includeTariff: includeTariff), format: format.value)
    }
}

struct CostsIntervalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interval",
        abstract: "Costs in [--from, --to) per local day, month or year in the tariff's time zone.",
        discussion: "A local day runs from midnight to midnight, 23 or 25 hours on DST days; the first and last periods are cut at --from and --to."
    )

    @OptionGroup var ledgerFile: LedgerFileOption

    @OptionGroup var tariffFile: TariffFileOption

    @OptionGroup var window: WindowOption<InstantBounds>

    @Option(help: "day, month or year.")
    var aggregation: AggregationArgument

    @Option(help: "Only this device_id (default: all devices).")
    var device: String?

    @Option(help: "IMPORT (default) or EXPORT energy.")
    var direction: DirectionArgument = .IMPORT

    @OptionGroup var exportPrice: ExportPriceOption

    @Option(help: FormatOption<TableJSONOrCSV>.help)
    var format = FormatOption<TableJSONOrCSV>(.table)

    func validate() throws {
        guard let start = Timestamp.parse(window.from) else {
            throw ValidationError("--from \"\(window.from)\" is not an ISO 8601 instant with an offset or Z.")
        }
        guard let end = Timestamp.parse(window.to) else {
            throw ValidationError("--to \"\(window.to)\" is not an ISO 8601 instant with an offset or Z.")
        }
        guard end > start else { throw ValidationError("--to \(window.to) must be after --from \(window.from).") }
    }

    func run() async throws {
        let start = Timestamp.parse(window.from)!
        let end = Timestamp.parse(window.to)!
        let ledger = try ledgerFile.open()
        let tariffs = try ledger.withStoredPrices(try tariffFile.load())
        let buckets = try ledger.intervalCost(from: start, to: end, period: aggregation.period,
                                              direction: direction.direction, deviceId: device, tariffs: tariffs,
                                              solarPrice: exportPrice.solarPrice)
        let pricing = reportingTariff(tariffs, direction.direction)
        let objectId = "\(device ?? "all")/\(aggregation.rawValue)/\(Timestamp.format(start))/\(Timestamp.format(end))"
        emit(EnergyCostReport(buckets: buckets, objectId: objectId, direction: direction.direction,
                              currency: pricing.currency, timeZone: pricing.timeZone.identifier,
                              aggregation: aggregation.rawValue, deviceId: device), format: format.value)
    }
}

struct CostsInstantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instant",
        abstract: "The cost of one meter record, stored nowhere.",
        discussion: "RECORD is a JSON meter record (or a one-record batch): inline, a file, or - for standard input."
    )

    @OptionGroup var tariffFile: TariffFileOption

    @Argument(help: "The meter record: inline JSON, a file, or - for standard input.")
    var record: String

    @Option(help: FormatOption<TableJSONOrCSV>.help)
    var format = FormatOption<TableJSONOrCSV>(.table)

    func run() async throws {
        let trimmed = record.trimmingCharacters(in: .whitespacesAndNewlines)
        let inline = trimmed.hasPrefix("{") || trimmed.hasPrefix("[")
        let data = inline ? Data(trimmed.utf8) : try readInput(record, what: "meter record")
        let source = inline ? "the record argument" : record == "-" ? "standard input" : record
        let batch: MeterBatch
        do {
            batch = try MeterBatch.parse(json: data, source: source)
        } catch let error as MeterBatchError {
            throw CLIError(error.description)
        }
        guard batch.submittedCount == 1 else {
            throw CLIError("\(source) holds \(batch.submittedCount) records; costs instant prices exactly one.")
        }
        if let failure = batch.failures.first {
            throw CLIError("The meter record\(failure.recordReferenceId.map { " \"\($0)\"" } ?? "") in \(source) is invalid: \(failure.error)")
        }
        let meter = batch.records[0]
        let tariffs = try tariffFile.load()
        let timeline = tariffs.tariff(for: meter.tariffRate)?.rates(from: meter.start, to: meter.end)
        let parts = EnergyPricing.parts(of: meter, timeline: timeline)
        let pricing = reportingTariff(tariffs, meter.tariffRate)
        emit(EnergyCostReport(record: meter, parts: parts, currency: pricing.currency,
                              timeZone: pricing.timeZone.identifier), format: format.value)
    }
}
