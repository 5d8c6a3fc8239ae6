import Documents
import Testing

/// "did you mean ...?" for a misspelt key in a tariff or configuration file.
@Suite struct KeySuggestionTests {
    @Test(arguments: [
        ("tarifs", "tariffs"), ("TimeZone", "timeZone"), ("tariffintervals", "tariffIntervals"),
        ("holydays", "holidays"), ("capacity", nil), ("xyz", nil), ("tz", nil),
    ] as [(String, String?)])
    func misspeltKeysGetTheClosestKnownOne(key: String, expected: String?) {
        let known: Set = ["timeZone", "currency", "tariffs", "tariffIntervals", "holidays", "holidayTariffIntervals"]
        #expect(KeySuggestion.closest(to: key, among: known) == expected)
    }
}
