import ArgumentParser

/// `--format table|json|csv`: for reports whose rows have no chart.
struct TabularFormatOption: ParsableArguments {
    @Option(help: "Output format: table, json or csv.")
    var format: OutputFormat = .table

    func validate() throws {
        guard format != .chart else { throw ValidationError("--format must be table, json or csv.") }
    }
}
