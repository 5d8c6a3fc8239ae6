import ArgumentParser
import Documents
import Foundation
import Metering
import Tariffs

/// `chargebridge tariff ...`: check a tariff file and list its rates.
struct TariffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tariff",
        abstract: "Validate tariff files and show their rates.",
        subcommands: [TariffCheckCommand.self, TariffRatesCommand.self]
    )
}

/// Loads a tariff file, turning its error into the CLI's one-sentence error.
func loadTariffSet(_ path: String) throws -> TariffSet {
    do {
        return try TariffSet.load(path: path)
    } catch let error as TariffError {
        throw CLIError(error.description)
    }
}

/// The tariff file with, when `ledgerPath` is given, the prices its live sources delivered to
/// the bridge's ledger.
func loadTariffSet(_ path: String, ledger ledgerPath: String?) throws -> TariffSet {
    let set = try loadTariffSet(path)
    guard let ledgerPath, !set.livePriceSources.isEmpty else { return set }
    return try Ledger(path: ledgerPath, mode: .existing).withStoredPrices(set)
}

struct TariffCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a tariff file (JSON or YAML) and print a one-line summary.",
        discussion: "Exit 0 when the file is valid; otherwise one sentence on stderr naming the file, the field and the fault, and exit 1."
    )

    @Argument(help: "The tariff file (JSON or YAML).")
    var file: String

    @Option(help: FormatOption<TableOrJSON>.help)
    var format = FormatOption<TableOrJSON>(.table)

    func run() async throws {
        let set = try loadTariffSet(file)
        let summaries = [set.importTariff, set.exportTariff].compactMap { $0 }.map(TariffSummary.init)
        switch format.value {
        case .json:
            print(JSONOutput.text(CheckReport(file: file, valid: true, tariffs: summaries).document))
        default:
            print("\(file): valid; " + summaries.map(\.sentence).joined(separator: "; "))
        }
    }

    struct CheckReport {
        var file: String
        var valid: Bool
        var tariffs: [TariffSummary]

        var document: DocumentValue {
            .object([("file", .string(file)), ("valid", .bool(valid)), ("tariffs", .array(tariffs.map(\.document)))])
        }
    }
}

/// What a tariff holds, for `tariff check`.
struct TariffSummary {
    var direction: String
    var timezone: String
    var currency_code: String
    var types: [String]
    var prices: [String: Double]
    var offpeak_charging_only: Bool
    var dynamic_prices_from: String?
    var dynamic_prices_to: String?
    var dynamic_price_rows: Int?

    init(_ tariff: Tariff) {
        direction = tariff.direction.rawValue
        timezone = tariff.timeZone.identifier
        currency_code = tariff.currency
        types = tariff.types.map(\.rawValue)
        prices = Dictionary(uniqueKeysWithValues: tariff.types.compactMap { type in tariff.fixedPrice(of: type).map { (type.rawValue, $0) } })
        offpeak_charging_only = tariff.offPeakChargingOnly
        if let dynamic = tariff.dynamic {
            dynamic_prices_from = dynamic.spot.firstStart.map(Timestamp.format)
            dynamic_prices_to = dynamic.spot.lastEnd.map(Timestamp.format)
            dynamic_price_rows = dynamic.spot.rows.count
        }
    }

    var document: DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [
            ("direction", .string(direction)), ("timezone", .string(timezone)), ("currency_code", .string(currency_code)),
            ("types", .array(types.map(DocumentValue.string))), ("prices", .object(prices.map { ($0.key, .number($0.value)) })),
            ("offpeak_charging_only", .bool(offpeak_charging_only)),
        ]
        // Absent, not null, when the tariff has no dynamic prices.
        if let dynamic_prices_from { members.append(("dynamic_prices_from", .string(dynamic_prices_from))) }
        if let dynamic_prices_to { members.append(("dynamic_prices_to", .string(dynamic_prices_to))) }
        if let dynamic_price_rows { members.append(("dynamic_price_rows", .number(Double(dynamic_price_rows)))) }
        return .object(members)
    }

    var sentence: String {
        var parts = ["\(direction.lowercased()) tariff in \(currency_code), \(timezone)"]
        let layers = types.map { type in prices[type].map { "\(type) \(formatPrice($0))" } ?? type }
        parts.append("layers: " + layers.joined(separator: ", "))
        if let rows = dynamic_price_rows {
            parts.append("\(rows) spot prices \(dynamic_prices_from ?? "-") to \(dynamic_prices_to ?? "-")")
        }
        if offpeak_charging_only { parts.append("off-peak charging only") }
        return parts.joined(separator: ", ")
    }
}

func formatPrice(_ price: Double) -> String {
    String(format: "%.4f", price)
}

struct TariffRatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates",
        abstract: "The rate slices of a tariff in [from, to), split at every price change.",
        discussion: """
        --from and --to take ISO 8601 instants with an offset or Z, or a local time or date in the \
        tariff's time zone (2025-10-26T18:00, 2025-10-26). JSON output is FlatPeak's rates shape: \
        {"currency_code", "timezone", "data": [{"valid_from", "valid_to", "tariff": {"rate", "confidence"}, "type"}]}; \
        stretches without a known price are listed under "gaps".
        """
    )

    @OptionGroup var tariffFile: TariffFileOption

    @OptionGroup var window: WindowOption<TariffTimeBounds>

    @Option(help: "Which tariff of the file: IMPORT or EXPORT.")
    var direction: String = "IMPORT"

    @Option(help: FormatOption<AnyFormat>.help)
    var format = FormatOption<AnyFormat>(.table)

    @OptionGroup var storedPrices: StoredPricesOption

    func run() async throws {
        let set = try loadTariffSet(tariffFile.tariff, ledger: storedPrices.ledger)
        guard let direction = EnergyDirection(rawValue: direction.uppercased()) else {
            throw ValidationError("--direction must be IMPORT or EXPORT, not '\(self.direction)'")
        }
        guard let chosen = set.tariff(for: direction) else {
            throw CLIError("\(tariffFile.tariff): the file has no \(direction.rawValue) tariff")
        }
        guard let start = chosen.calendar.instant(parsing: window.from) else {
            throw CLIError("--from: '\(window.from)' is not an ISO 8601 instant (2025-10-26T17:00:00Z) or a local time (2025-10-26T18:00)")
        }
        guard let end = chosen.calendar.instant(parsing: window.to) else {
            throw CLIError("--to: '\(window.to)' is not an ISO 8601 instant (2025-10-26T17:00:00Z) or a local time (2025-10-26T18:00)")
        }
        guard start < end else {
            throw CLIError("--to (\(Timestamp.format(end))) must be after --from (\(Timestamp.format(start)))")
        }
        let timeline = chosen.rates(from: start, to: end)
        switch format.value {
        case .json:
            print(JSONOutput.text(RatesResponse(tariff: chosen, timeline: timeline).document))
        case .chart:
            print(RateChart(tariff: chosen, timeline: timeline, colour: stdoutIsTerminal).render())
        case .csv:
            print("valid_from,valid_to,rate,confidence,type")
            for slice in timeline.slices {
                print("\(Timestamp.format(slice.start)),\(Timestamp.format(slice.end)),\(rounded(slice.pricePerKWh)),\(slice.confidence),\(slice.type.rawValue)")
            }
        case .table:
            print(RateTable(tariff: chosen, timeline: timeline).render())
        }
        if !timeline.gaps.isEmpty {
            let list = timeline.gaps.prefix(3).map { "\(Timestamp.format($0.start))-\(Timestamp.format($0.end))" }.joined(separator: ", ")
            let more = timeline.gaps.count > 3 ? " and \(timeline.gaps.count - 3) more" : ""
            FileHandle.standardError.write(Data("chargebridge: warning: no price is known for \(list)\(more)\n".utf8))
        }
    }
}

/// FlatPeak's rates shape.
struct RatesResponse {
    struct Rate {
        var rate: Double
        var confidence: Double
    }

    struct Item {
        var valid_from: String
        var valid_to: String
        var tariff: Rate
        var type: String
    }

    struct Gap {
        var valid_from: String
        var valid_to: String
    }

    var object = "rates"
    var currency_code: String
    var timezone: String
    var direction: String
    var data: [Item]
    var gaps: [Gap]

    init(tariff: Tariff, timeline: RateTimeline) {
        currency_code = tariff.currency
        timezone = tariff.timeZone.identifier
        direction = tariff.direction.rawValue
        data = timeline.slices.map {
            Item(valid_from: Timestamp.format($0.start), valid_to: Timestamp.format($0.end),
                 tariff: Rate(rate: rounded($0.pricePerKWh), confidence: rounded($0.confidence, places: 4)), type: $0.type.rawValue)
        }
        gaps = timeline.gaps.map { Gap(valid_from: Timestamp.format($0.start), valid_to: Timestamp.format($0.end)) }
    }

    var document: DocumentValue {
        .object([
            ("object", .string(object)), ("currency_code", .string(currency_code)), ("timezone", .string(timezone)),
            ("direction", .string(direction)),
            ("data", .array(data.map { item in
                .object([("valid_from", .string(item.valid_from)), ("valid_to", .string(item.valid_to)),
                         ("tariff", .object([("rate", .number(item.tariff.rate)), ("confidence", .number(item.tariff.confidence))])),
                         ("type", .string(item.type))])
            })),
            ("gaps", .array(gaps.map { .object([("valid_from", .string($0.valid_from)), ("valid_to", .string($0.valid_to))]) })),
        ])
    }
}
