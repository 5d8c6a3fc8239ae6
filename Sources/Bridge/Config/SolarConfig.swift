/// `location.solar` (docs/site.md, "Solar"): the home's PV and how the solar modes follow its
/// surplus. It needs the grid meter (`location.grid`): the surplus is what the meter shows
/// being exported.
public struct SolarConfig: Sendable, Equatable {
    /// What a kWh exported earns, per kWh in the tariff's currency; nil when not given: then
    /// the tariff's EXPORT prices, else 0.
    public var exportPricePerKWh: Double?
    /// Where the expected PV production is published (a JSON array of `{"start", "end",
    /// "power_w"}`), if anywhere.
    public var forecastTopic: String?
    /// Where the PV production now is published (W, or kW with ``pvScale`` 1000), if anywhere.
    public var pvTopic: String?
    /// JSON path of the PV power in `pvTopic`'s payload; nil for a bare number.
    public var pvPath: String?
    /// Multiplies a PV reading into W (1000 for kW).
    public var pvScale: Double
    /// The house's usual load when it cannot be learned (no `pv_topic`), W.
    public var houseBaseW: Double
    /// The surplus must have covered a charger's minimum this long before a solar start, s.
    public var enableDelaySeconds: Double
    /// ... and must have failed to cover it this long before a solar stop, s.
    public var disableDelaySeconds: Double

    public init(exportPricePerKWh: Double? = nil, forecastTopic: String? = nil, pvTopic: String? = nil, pvPath: String? = nil,
                pvScale: Double = 1, houseBaseW: Double = 300, enableDelaySeconds: Double = 60, disableDelaySeconds: Double = 180) {
        self.exportPricePerKWh = exportPricePerKWh
        self.forecastTopic = forecastTopic
        self.pvTopic = pvTopic
        self.pvPath = pvPath
        self.pvScale = pvScale
        self.houseBaseW = houseBaseW
        self.enableDelaySeconds = enableDelaySeconds
        self.disableDelaySeconds = disableDelaySeconds
    }
}
