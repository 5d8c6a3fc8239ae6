import Foundation
import Testing
@testable import Tariffs

@Suite struct TariffValidationTests {
    private static let allWeek = #"["monday","tuesday","wednesday","thursday","friday","saturday","sunday"]"#

    private func twoLayers(_ intervals: String, extra: String = "") -> String {
        """
        {"timeZone": "Europe/Amsterdam", "currency": "EUR",
         "tariffs": [{"currency": "EUR", "price": 0.40, "type": "peak"}, {"currency": "EUR", "price": 0.20, "type": "offPeak"}],
         "tariffIntervals": \(intervals)\(extra)}
        """
    }

    @Test func gapNamesTheDayAndTimes() {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "startTime": "00:00", "endTime": "22:00", "tariffType": "peak"},
         {"daysOfWeek": \(Self.allWeek), "startTime": "23:00", "endTime": "24:00", "tariffType": "offPeak"}]
        """))
        #expect(message == "tariffIntervals: monday 22:00-23:00 is not covered")
    }

    @Test func overlapNamesTheDayAndTimes() {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "startTime": "00:00", "endTime": "12:00", "tariffType": "offPeak"},
         {"daysOfWeek": \(Self.allWeek), "startTime": "12:00", "endTime": "24:00", "tariffType": "peak"},
         {"daysOfWeek": ["saturday"], "startTime": "10:00", "endTime": "12:00", "tariffType": "peak"}]
        """))
        #expect(message == "tariffIntervals: saturday 10:00-12:00 is covered twice")
    }

    @Test func missingDayIsAGapOverTheWholeDay() {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday"], "startTime": "00:00", "endTime": "07:00", "tariffType": "offPeak"},
         {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday"], "startTime": "07:00", "endTime": "24:00", "tariffType": "peak"}]
        """))
        #expect(message == "tariffIntervals: sunday 00:00-24:00 is not covered")
    }

    @Test func seasonalGapNamesTheMonth() {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "months": ["january","february","march","april","may","june"], "startTime": "00:00", "endTime": "24:00", "tariffType": "offPeak"},
         {"daysOfWeek": \(Self.allWeek), "months": ["july","august","september","october","november"], "startTime": "00:00", "endTime": "24:00", "tariffType": "peak"}]
        """))
        #expect(message == "tariffIntervals: monday 00:00-24:00 in december is not covered")
    }

    @Test func holidayIntervalsMustCoverTheDay() {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "startTime": "00:00", "endTime": "24:00", "tariffType": "offPeak"},
         {"daysOfWeek": ["monday"], "startTime": "00:00", "endTime": "01:00", "tariffType": "peak"}]
        """))
        #expect(message == "tariffIntervals: monday 00:00-01:00 is covered twice")
        let holidayGap = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "startTime": "00:00", "endTime": "08:00", "tariffType": "offPeak"},
         {"daysOfWeek": \(Self.allWeek), "startTime": "08:00", "endTime": "24:00", "tariffType": "peak"}]
        """, extra: #", "holidays": ["2025-12-25"], "holidayTariffIntervals": [{"startTime": "00:00", "endTime": "20:00", "tariffType": "offPeak"}]"#))
        #expect(holidayGap == "holidayTariffIntervals: 20:00-24:00 is not covered")
    }

    @Test(arguments: [
        ("25:00", "tariffIntervals[0].startTime: '25:00' is not a time HH:MM from 00:00 to 24:00"),
        ("7:00", "tariffIntervals[0].startTime: '7:00' is not a time HH:MM from 00:00 to 24:00"),
        ("24:30", "tariffIntervals[0].startTime: '24:30' is not a time HH:MM from 00:00 to 24:00"),
        ("12:60", "tariffIntervals[0].startTime: '12:60' is not a time HH:MM from 00:00 to 24:00"),
        ("24:00", "tariffIntervals[0].startTime: 24:00 can only end an interval"),
    ])
    func badTimesAreNamed(time: String, expected: String) {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "startTime": "\(time)", "endTime": "24:00", "tariffType": "peak"}]
        """))
        #expect(message == expected)
    }

    @Test func intervalCrossingMidnightIsExplained() {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "startTime": "23:00", "endTime": "07:00", "tariffType": "offPeak"}]
        """))
        #expect(message == "tariffIntervals[0]: 23:00-07:00 runs backwards; split an interval that crosses midnight into 23:00-24:00 and 00:00-07:00")
    }

    @Test func undefinedTariffTypeIsNamed() {
        let message = Fixtures.error(twoLayers("""
        [{"daysOfWeek": \(Self.allWeek), "startTime": "00:00", "endTime": "24:00", "tariffType": "superOffPeak"}]
        """))
        #expect(message == "tariffIntervals[0].tariffType: 'superOffPeak' is not defined in tariffs")
    }

    @Test func atMostThreeLayers() {
        let message = Fixtures.error("""
        {"timeZone": "UTC", "currency": "EUR", "tariffs": [
          {"currency": "EUR", "price": 0.4, "type": "peak"}, {"currency": "EUR", "price": 0.3, "type": "offPeak"},
          {"currency": "EUR", "price": 0.2, "type": "superOffPeak"}, {"currency": "EUR", "type": "dynamic"}]}
        """)
        #expect(message == "tariffs: defines 4 layers; at most three are allowed")
    }

    @Test func unknownTimeZoneIsNamed() {
        let message = Fixtures.error(Fixtures.jedlix.replacingOccurrences(of: "Europe/Amsterdam", with: "Europe/Amsterdan"))
        #expect(message == "timeZone: 'Europe/Amsterdan' is not an IANA time zone (for example Europe/Amsterdam)")
    }

    @Test func currenciesMustAgree() {
        let message = Fixtures.error(Fixtures.jedlix.replacingOccurrences(of: #""price": 0.3242, "type": "offPeak""#, with: #""price": 0.3242, "type": "offPeak", "currency": "GBP""#)
            .replacingOccurrences(of: #"{"currency": "EUR", "price": 0.3242"#, with: #"{"price": 0.3242"#))
        #expect(message == "tariffs[1].currency: GBP does not match the tariff's currency EUR")
    }

    @Test func pricesMustBeFiniteNumbers() {
        let nan = Fixtures.error("""
        timeZone: UTC
        currency: EUR
        tariffs:
          - {type: standard, currency: EUR, price: .nan}
        """, name: "flat.yaml")
        #expect(nan == "tariffs[0].price: must be a finite number")
        let text = Fixtures.error(#"{"timeZone": "UTC", "currency": "EUR", "tariffs": [{"currency": "EUR", "price": "cheap", "type": "standard"}]}"#)
        #expect(text == "tariffs[0].price: must be a number, found a string")
    }

    @Test func jsonSyntaxErrorSaysWhereParsingStopped() {
        let message = Fixtures.error("{\n  \"timeZone\": \"UTC\",\n  \"currency\": \"EUR\"\n  \"tariffs\": []\n}")
        #expect(message == "not valid JSON: expected ',' or '}' at line 4, column 3")
    }

    @Test func yamlSyntaxErrorSaysWhereParsingStopped() throws {
        let message = try #require(Fixtures.error("timeZone: UTC\ntariffs:\n  - {type: standard, price: 0.2\ncurrency: EUR\n", name: "t.yaml"))
        #expect(message.hasPrefix("not valid YAML: "))
        #expect(message.contains("line 4"))
    }

    @Test func unknownFieldSuggestsTheRightName() {
        let message = Fixtures.error(Fixtures.jedlix.replacingOccurrences(of: "\"timeZone\"", with: "\"timezone\""))
        #expect(message == "timezone: is not a known field (did you mean timeZone?)")
    }

    @Test func aMisspeltTariffKeyIsNamedWithTheSuggestion() {
        #expect(Fixtures.error(#"{"timeZone": "Europe/Berlin", "currency": "EUR", "tarifs": []}"#) == "tarifs: is not a known field (did you mean tariffs?)")
    }

    @Test func vatWrittenAsPercentIsCaught() {
        let message = Fixtures.error("""
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": [], "unit": "EUR/MWh", "charges": 0.12, "vat": 19}}
        """)
        #expect(message == "dynamic.vat: 19.0 looks like a percentage; write it as a fraction (0.19 for 19 %)")
    }

    @Test func dynamicTypeNeedsPrices() {
        let message = Fixtures.error(#"{"timeZone": "UTC", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}]}"#)
        #expect(message == "dynamic: is required for a dynamic tariff: {prices, unit, charges, vat}")
    }

    @Test func missingPriceFileIsNamed() {
        let message = Fixtures.error("""
        {"timeZone": "UTC", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}], "dynamic": {"prices": "nowhere.csv"}}
        """)
        #expect(message == "dynamic.prices: cannot read 'nowhere.csv' (no such file)")
    }

    @Test func badCSVLineIsNamed() throws {
        let csv = "start,end,eur_per_mwh\n2025-10-01T00:00:00Z,2025-10-01T00:15:00Z,80.5\n2025-10-01T00:15:00Z,2025-10-01T00:30:00Z,eighty\n"
        let message = Fixtures.error("""
        {"timeZone": "UTC", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}], "dynamic": {"prices": "p.csv"}}
        """, files: ["p.csv": csv])
        #expect(message == "p.csv: line 3: 'eighty' is not a finite number")
    }

    @Test func overlappingPriceRowsAreNamed() {
        let csv = "start,end,eur_per_mwh\n2025-10-01T00:00:00Z,2025-10-01T01:00:00Z,80\n2025-10-01T00:30:00Z,2025-10-01T00:45:00Z,81\n"
        let message = Fixtures.error("""
        {"timeZone": "UTC", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}], "dynamic": {"prices": "p.csv"}}
        """, files: ["p.csv": csv])
        #expect(message == "p.csv: prices: the price rows starting 2025-10-01T00:00:00Z and 2025-10-01T00:30:00Z overlap")
    }

    @Test func unitContradictingTheCSVColumnIsCaught() {
        let csv = "start,end,eur_per_mwh\n2025-10-01T00:00:00Z,2025-10-01T01:00:00Z,80\n"
        let message = Fixtures.error("""
        {"timeZone": "UTC", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}], "dynamic": {"prices": "p.csv", "unit": "EUR/kWh"}}
        """, files: ["p.csv": csv])
        #expect(message == "dynamic.unit: EUR/kWh contradicts the CSV price column 'eur_per_mwh'")
    }

    @Test func errorsNameTheFile() throws {
        let folder = Fixtures.temporaryDirectory()
        let path = folder.appendingPathComponent("home.json").path
        try #"{"timeZone": "UTC"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TariffError.self) { try TariffSet.load(path: path) }
        do {
            _ = try TariffSet.load(path: path)
        } catch {
            #expect("\(error)" == "\(path): tariffs: is required: a list of {currency, price, type}")
        }
        do {
            _ = try TariffSet.load(path: folder.appendingPathComponent("missing.json").path)
        } catch {
            #expect("\(error)".hasSuffix("missing.json: cannot read the file (no such file)"))
        }
    }
}
