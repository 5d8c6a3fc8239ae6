import Foundation

extension TariffSet {
    /// The live price sources (`awattar`, `entsoe`, `mqtt`) its dynamic tariffs name, each once.
    public var livePriceSources: [PriceSourceSpec] {
        var seen: [PriceSourceSpec] = []
        for tariff in [importTariff, exportTariff] {
            if let source = tariff?.dynamic?.source, source.isLive, !seen.contains(source) { seen.append(source) }
        }
        return seen
    }

    /// This set with `received` laid over the spot prices of every tariff fed by `source`
    /// (a received price replaces the tariff's own inline price where they overlap).
    public func merging(_ received: SpotPriceSeries, from source: PriceSourceSpec) -> TariffSet {
        func merged(_ tariff: Tariff?) -> Tariff? {
            guard let tariff, let dynamic = tariff.dynamic, dynamic.source == source else { return tariff }
            return tariff.replacingSpotPrices(dynamic.spot.merging(received.rows)) ?? tariff
        }
        return TariffSet(importTariff: merged(importTariff), exportTariff: merged(exportTariff))
    }
}
