/// A rate slice as the solver sees it: seconds since 1970 and the price to minimise
/// (the tariff's price for import, its negation for export).
struct PriceSlice {
    var start: Double
    var end: Double
    /// The price the optimiser minimises, per kWh.
    var effectivePrice: Double
    /// The tariff's price per kWh, used for reported costs.
    var price: Double
    var confidence: Double
}
