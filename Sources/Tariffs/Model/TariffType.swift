/// The kind of price in force in a slice of time, as named in a tariff file (Jedlix's layers).
public enum TariffType: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A flat price, all day.
    case standard
    /// The dearest time-of-use layer.
    case peak
    /// The middle time-of-use layer.
    case offPeak
    /// The cheapest time-of-use layer.
    case superOffPeak
    /// A price that follows the day-ahead market.
    case dynamic

    public static func < (lhs: TariffType, rhs: TariffType) -> Bool {
        lhs.order < rhs.order
    }

    private var order: Int {
        switch self {
        case .standard: 0
        case .peak: 1
        case .offPeak: 2
        case .superOffPeak: 3
        case .dynamic: 4
        }
    }
}
