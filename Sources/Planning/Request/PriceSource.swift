import Tariffs

/// The prices one direction's devices are planned on.
public struct PriceSource: Sendable {
    /// Rate slices covering the devices' windows, sorted and non-overlapping; time not covered
    /// by a slice is a gap where nothing is charged.
    public var slices: [RateSlice]
    /// The tariff's own cap per kWh (``Tariff/offPeakChargingCap`` when it allows charging only
    /// off-peak), applied on top of each device's `price_cap`; `nil` for none.
    public var capPerKWh: Double?

    public init(slices: [RateSlice], capPerKWh: Double? = nil) {
        self.slices = slices
        self.capPerKWh = capPerKWh
    }
}
