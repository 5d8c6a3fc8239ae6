/// A month of the year, named as in tariff files.
public enum Month: String, Sendable, Hashable, Codable, CaseIterable {
    case january, february, march, april, may, june, july, august, september, october, november, december

    /// 1 for January through 12 for December.
    public var number: Int { Month.allCases.firstIndex(of: self)! + 1 }

    public init(number: Int) {
        self = Month.allCases[number - 1]
    }
}
