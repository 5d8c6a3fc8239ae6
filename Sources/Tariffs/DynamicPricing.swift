import Foundation

/// How a `dynamic` tariff turns spot prices into what the customer pays:
/// `(spot + charges) * (1 + vat)` per kWh, with `chargesZones` replacing `charges` in their hours.
public struct DynamicPricing: Sendable, Hashable {
    /// Spot prices in their source unit.
    public var spot: SpotPriceSeries
    /// Multiply a source price by this to get currency per kWh (1/1000 for per-MWh sources).
    public var unitScale: Double
    /// Grid fees and taxes per kWh added to the spot price.
    public var charges: Double
    /// VAT as a fraction (0.19 for 19 %).
    public var vat: Double
    /// Hours with other charges (for instance an evening grid-fee peak).
    var chargesZones: [WeeklyRule<Double>]

    /// The final price per kWh of a spot price under `charges`.
    @inline(__always)
    public func price(spot sourcePrice: Double, charges: Double) -> Double {
        (sourcePrice * unitScale + charges) * (1 + vat)
    }
}
