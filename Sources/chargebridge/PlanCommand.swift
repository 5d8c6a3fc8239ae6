import ArgumentParser
import Foundation
import Planning
import Tariffs

/// `chargebridge plan`: the cheapest charging schedule for a request (docs/schedules.md).
// Not async: the plan runs on the main thread (an async command would hop to a worker thread the
// runtime starts for it).
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "The cheapest charging schedule for one device or several sharing the location limit.",
        discussion: """
        The request is FlatPeak's schedule request: {"max_power", "data": [{"device_id", "start_time", \
        "end_time", "max_power", "energy" or "battery", "continuous", "precondition_minutes", "price_cap", \
        "charger"}]}. The schedule is optimal (minimum cost), also jointly for several devices under the location's \
        max_power; with chargers ({"kind": "switch"|"current"|"power", ...}) every slot power is one the charger \
        can draw (several of them under a binding limit: within 1 % of the best). JSON output is the schedule response {"object": "schedule", ...} (docs/schedules.md); table lists the slots with \
        price and cost; chart draws the prices over the window with the charging slots marked. \
        --svg also writes that picture as a standalone SVG. A bad request exits 1 with one sentence naming the field.
        """
    )

    @OptionGroup var tariffFile: TariffFileOption

    @Option(help: "The request file (JSON), or - for stdin.")
    var request: String

    @Option(help: FormatOption<TableJSONOrChart>.help)
    var format = FormatOption<TableJSONOrChart>(.table)

    @Option(help: "Also write the price curve with the charging slots as an SVG file.")
    var svg: String?

    @OptionGroup var storedPrices: StoredPricesOption

    func run() throws {
        try PlanRun(tariff: tariffFile.tariff, ledger: storedPrices.ledger, request: request, format: format.value, svg: svg).run()
    }
}

/// What `plan` does with its options' values, whichever way they were read (ArgumentParser or
/// ``PlanCommand/direct(_:)``).
struct PlanRun {
    var tariff: String
    var ledger: String?
    var request: String
    var format: OutputFormat
    var svg: String?

    func run() throws {
        let set = try loadTariffSet(tariff, ledger: ledger)
        let text = try readRequest()
        let chargeRequest: ChargeRequest
        do {
            chargeRequest = try ChargeRequest.decode(json: text)
        } catch {
            throw CLIError("\(requestName): \(error.description)")
        }
        // Each direction's prices over the union of its devices' windows.
        // (A list of at most two rather than a dictionary: its type's first use costs the runtime
        // a scan of every protocol conformance in the binary, about a tenth of a millisecond.)
        var timelines: [(direction: EnergyDirection, tariff: Tariff, timeline: RateTimeline)] = []
        func timeline(_ direction: EnergyDirection) -> (tariff: Tariff, timeline: RateTimeline)? {
            timelines.first { $0.direction == direction }.map { ($0.tariff, $0.timeline) }
        }
        for direction in EnergyDirection.allCases {
            let devices = chargeRequest.devices.filter { $0.direction == direction }
            guard let from = devices.map(\.start).min(), let to = devices.map(\.end).max() else { continue }
            guard let chosen = set.tariff(for: direction) else {
                let index = chargeRequest.devices.firstIndex { $0.direction == direction }!
                throw CLIError("\(requestName): data[\(index)].direction: \(tariff) has no \(direction.rawValue) tariff")
            }
            timelines.append((direction, chosen, chosen.rates(from: from, to: to)))
        }
        let plan: Plan
        do {
            plan = try Planner.plan(chargeRequest) { direction in
                timeline(direction).map { entry in
                    PriceSource(
                        slices: entry.timeline.slices,
                        capPerKWh: direction == .import ? entry.tariff.offPeakChargingCap : nil)
                }
            }
        } catch {
            throw CLIError("\(requestName): \(error.description)")
        }
        for entry in timelines.sorted(by: { $0.direction.rawValue > $1.direction.rawValue }) where !entry.timeline.gaps.isEmpty {
            let gaps = entry.timeline.gaps
            let list = gaps.prefix(3).map { "\(Timestamp.format($0.start))-\(Timestamp.format($0.end))" }.joined(separator: ", ")
            let more = gaps.count > 3 ? " and \(gaps.count - 3) more" : ""
            FileHandle.standardError.write(Data(
                "chargebridge: warning: no \(entry.tariff.direction.rawValue) price is known for \(list)\(more); nothing is planned there\n".utf8))
        }
        let main = timeline(.import) ?? timeline(.export)!
        switch format {
        case .json:
            let response = ScheduleResponse(
                plan: plan, currencyCode: main.tariff.currency, timeZoneIdentifier: main.tariff.timeZone.identifier)
            // The bytes as they are (a `String` of them would be checked as UTF-8 again), with the
            // newline `print` would add; nothing else went to stdout before.
            var bytes = response.jsonData()
            bytes.append(UInt8(ascii: "\n"))
            FileHandle.standardOutput.write(bytes)
        case .chart:
            print(PlanTable(plan: plan, tariff: main.tariff).summary())
            print("")
            let marks = plan.devices.filter { $0.request.direction == main.tariff.direction }
                .flatMap(\.slots).map { (start: $0.start, end: $0.end) }
            print(RateChart(tariff: main.tariff, timeline: main.timeline, colour: stdoutIsTerminal, marks: marks).render())
        default:
            print(PlanTable(plan: plan, tariff: main.tariff).render())
        }
        if let svg {
            let picture = PlanSVG(plan: plan, tariff: main.tariff, timeline: main.timeline).render()
            do {
                try picture.write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("--svg: cannot write \(svg) (\(error.localizedDescription))")
            }
        }
    }

    private var requestName: String { request == "-" ? "request (stdin)" : request }

    private func readRequest() throws -> Data {
        if request == "-" {
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        guard let data = FileManager.default.contents(atPath: request) else {
            throw CLIError("\(request): cannot read the request file")
        }
        return data
    }
}

extension PlanCommand {
    /// What to run for `plan` followed by plain `--name value` options, read without
    /// ArgumentParser, whose reflection over the command tree costs a `plan` process a sixth of
    /// its time (see docs/performance.md, "Against HiGHS and EMHASS"), and without a `PlanCommand`
    /// (building its option definitions was another twentieth); nil for anything else (another
    /// command, `--name=value`, a repeated or unknown option, a value that starts with `-` other
    /// than the request's `-`, a format `plan` does not take), which ArgumentParser then reads,
    /// with its errors and help. Reads every option, as ArgumentParser would: an option added to
    /// the command must be added here too (`PlanCLITests` compare both ways).
    static func direct(_ arguments: [String]) -> PlanRun? {
        guard arguments.first == "plan", arguments.count % 2 == 1 else { return nil }
        let names = ["--tariff", "--request", "--format", "--svg", "--ledger"]
        var values: [String?] = [nil, nil, nil, nil, nil]
        for index in stride(from: 1, to: arguments.count, by: 2) {
            let value = arguments[index + 1]
            guard let slot = names.firstIndex(of: arguments[index]), values[slot] == nil, !value.isEmpty,
                  !value.hasPrefix("-") || (slot == 1 && value == "-")
            else { return nil }
            values[slot] = value
        }
        guard let tariff = values[0], let request = values[1] else { return nil }
        var format = OutputFormat.table
        if let name = values[2] {
            guard let chosen = FormatOption<TableJSONOrChart>(argument: name) else { return nil }
            format = chosen.value
        }
        return PlanRun(tariff: tariff, ledger: values[4], request: request, format: format, svg: values[3])
    }
}
