import ArgumentParser
import Metering

/// `--export-price` of `costs session` and `costs interval`: the price per kWh of the records'
/// solar energy (`solar_wh`), as the bridge prices a session's.
struct ExportPriceOption: ParsableArguments {
    @Option(name: .customLong("export-price"),
            help: "The price per kWh of the solar energy (the records' solar_wh), as a session's cost prices it. Default: the tariff file's EXPORT prices, else 0.")
    var exportPrice: Double?

    func validate() throws {
        if let exportPrice, !exportPrice.isFinite {
            throw ValidationError("--export-price \(exportPrice) is not a number.")
        }
    }

    /// How the solar energy is priced.
    var solarPrice: SolarPrice { SolarPrice(fixedPerKWh: exportPrice) }
}
