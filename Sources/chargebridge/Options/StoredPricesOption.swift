import ArgumentParser

/// `--ledger FILE`: a bridge's ledger whose stored prices stand in for a tariff's live sources
/// (see `loadTariffSet(_:ledger:)`).
struct StoredPricesOption: ParsableArguments {
    @Option(help: "A ChargeBridge ledger (SQLite): with a live price source, use the prices it stored.")
    var ledger: String?
}
