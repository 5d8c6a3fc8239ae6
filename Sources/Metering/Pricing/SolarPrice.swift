import Foundation
import Tariffs

/// What a kWh of solar energy charged into a car costs: the export price, the money the home
/// gives up by not exporting it (docs/costs.md, "Solar energy").
///
/// The price is, in this order: a fixed export price per kWh when one is configured
/// (`location.solar.export_price`), else the tariff file's EXPORT prices, else 0.
public struct SolarPrice: Sendable, Hashable {
    /// A fixed price per kWh, when configured.
    public var fixedPerKWh: Double?

    public init(fixedPerKWh: Double? = nil) {
        self.fixedPerKWh = fixedPerKWh
    }

    /// The prices of solar energy over `[from, to)`: one slice at the fixed price (type
    /// `standard`), the export tariff's slices, or one slice at 0.
    public func timeline(from: Date, to: Date, tariffs: TariffSet) -> RateTimeline {
        let end = max(to, from.addingTimeInterval(1))
        if fixedPerKWh == nil, let export = tariffs.exportTariff {
            return export.rates(from: from, to: end)
        }
        let slice = RateSlice(start: from, end: end, pricePerKWh: fixedPerKWh ?? 0, type: .standard)
        return RateTimeline(from: from, to: end, slices: [slice], gaps: [])
    }
}
