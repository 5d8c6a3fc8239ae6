/// The unit a meter record's `value` is in: average power (`W`, `KW`) or energy (`WH`, `KWH`).
public enum MeterUnit: String, Sendable, CaseIterable {
    case w = "W"
    case kw = "KW"
    case wh = "WH"
    case kwh = "KWH"

    /// The energy in watt-hours that `value` in this unit means over `seconds`.
    public func energyWh(value: Double, seconds: Double) -> Double {
        switch self {
        case .w: value * seconds / 3600
        case .kw: value * 1000 * seconds / 3600
        case .wh: value
        case .kwh: value * 1000
        }
    }
}
