import Foundation

/// How a `dynamic` tariff turns spot prices into what the customer pays:
/// `(spot + charges) * (1 + vat)` per kWh, with `chargesZones` replacing `charges` in their hours.
public struct DynamicPricing: Sendable, Hashable {
    /// Spot prices in their source unit (`Tariff.replacingSpotPrices` gives new ones).
    public private(set) var spot: SpotPriceSeries
    /// Multiply a source price by this to get currency per kWh (1/1000 for per-MWh sources).
    public var unitScale: Double
    /// Grid fees and taxes per kWh added to the spot price.
    public var charges: Double
    /// VAT as a fraction (0.19 for 19 %).
    public var vat: Double
    /// Hours with other charges (for instance an evening grid-fee peak).
    var chargesZones: [WeeklyRule<Double>]
    /// Whether prices past the last known one are forecast (the `dynamic.forecast` key).
    public private(set) var forecastEnabled: Bool
    /// The forecaster (time zone and holidays of the tariff and its bidding zone).
    public private(set) var forecaster: PriceForecaster
    /// Where the spot prices come from (`nil` for inline prices without a source).
    public private(set) var source: PriceSourceSpec?
    /// The forecast, learned on first use (most windows never reach past the known prices).
    private let cache = ForecastCache()

    /// Forecast spot prices from the end of `spot` for up to seven days; empty when switched
    /// off or when the history is shorter than a week. Learned once, on first use.
    public var forecast: [ForecastPrice] {
        guard forecastEnabled else { return [] }
        return cache.value { forecaster.forecast(spot) }
    }

    init(spot: SpotPriceSeries, unitScale: Double, charges: Double, vat: Double, chargesZones: [WeeklyRule<Double>],
         forecastEnabled: Bool, forecaster: PriceForecaster, source: PriceSourceSpec?) {
        self.spot = spot
        self.unitScale = unitScale
        self.charges = charges
        self.vat = vat
        self.chargesZones = chargesZones
        self.forecastEnabled = forecastEnabled
        self.forecaster = forecaster
        self.source = source
    }

    public static func == (lhs: DynamicPricing, rhs: DynamicPricing) -> Bool {
        lhs.spot == rhs.spot && lhs.unitScale == rhs.unitScale && lhs.charges == rhs.charges && lhs.vat == rhs.vat
            && lhs.chargesZones == rhs.chargesZones && lhs.forecastEnabled == rhs.forecastEnabled && lhs.forecaster == rhs.forecaster && lhs.source == rhs.source
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(spot)
        hasher.combine(unitScale)
        hasher.combine(charges)
        hasher.combine(vat)
        hasher.combine(chargesZones)
        hasher.combine(forecastEnabled)
        hasher.combine(forecaster)
        hasher.combine(source)
    }

    /// The same pricing over other spot prices, the forecast learned again.
    func replacingSpot(_ spot: SpotPriceSeries, calendar: ZoneCalendar) -> DynamicPricing {
        DynamicPricing(spot: spot, unitScale: unitScale, charges: charges, vat: vat, chargesZones: chargesZones,
                       forecastEnabled: forecastEnabled, forecaster: forecaster, source: source)
    }

    /// The final price per kWh of a spot price under `charges`.
    @inline(__always)
    public func price(spot sourcePrice: Double, charges: Double) -> Double {
        (sourcePrice * unitScale + charges) * (1 + vat)
    }
}

/// Holds a forecast once learned; shared by copies of one `DynamicPricing` (whose spot
/// prices never change after creation), safe to use from any thread.
final class ForecastCache: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [ForecastPrice]?

    func value(_ compute: () -> [ForecastPrice]) -> [ForecastPrice] {
        lock.lock()
        defer { lock.unlock() }
        if let rows { return rows }
        let computed = compute()
        rows = computed
        return computed
    }
}
