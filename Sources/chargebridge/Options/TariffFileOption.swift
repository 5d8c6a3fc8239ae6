import ArgumentParser
import Tariffs

/// `--tariff FILE`: the tariff file a command prices with.
struct TariffFileOption: ParsableArguments {
    @Option(help: "The tariff file (JSON or YAML).")
    var tariff: String

    /// The tariff file, its error as the CLI's one sentence.
    func load() throws -> TariffSet {
        try loadTariffSet(tariff)
    }
}
