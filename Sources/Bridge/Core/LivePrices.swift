import Foundation
import Tariffs

/// The tariffs the bridge plans and prices with: the tariff file as loaded, with the prices
/// received from its live sources (aWATTar, ENTSO-E, an MQTT topic) laid over it.
struct LivePrices: Sendable {
    /// The tariffs as the file (or the configuration) states them.
    private(set) var base: TariffSet
    /// What each live source has delivered so far (stored ones included).
    private(set) var received: [PriceSourceSpec: SpotPriceSeries] = [:]
    /// `base` with the received prices: what plans and costs use.
    private(set) var effective: TariffSet

    init(base: TariffSet) {
        self.base = base
        effective = base
    }

    /// The live sources the tariffs name.
    var sources: [PriceSourceSpec] { base.livePriceSources }

    /// The prices known from `source` (empty when none arrived yet).
    func series(of source: PriceSourceSpec) -> SpotPriceSeries {
        received[source] ?? (try! SpotPriceSeries(rows: [], source: source.name))
    }

    /// Replaces what `source` has delivered; returns whether any price changed.
    @discardableResult
    mutating func receive(_ series: SpotPriceSeries, from source: PriceSourceSpec) -> Bool {
        guard received[source] != series else { return false }
        received[source] = series
        effective = Self.combine(base, received)
        return true
    }

    /// A re-read tariff file; the received prices stay.
    mutating func rebase(_ newBase: TariffSet) {
        base = newBase
        effective = Self.combine(base, received)
    }

    private static func combine(_ base: TariffSet, _ received: [PriceSourceSpec: SpotPriceSeries]) -> TariffSet {
        received.keys.sorted { $0.name < $1.name }.reduce(base) { set, source in
            set.merging(received[source]!, from: source)
        }
    }
}
