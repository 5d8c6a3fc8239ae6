import Foundation
import Testing
@testable import Tariffs

/// Prices arriving on an MQTT topic, and received prices laid over the tariffs they feed.
@Suite struct LivePricesTests {
    private static let start = Timestamp.parse("2026-11-22T00:00:00Z")!

    @Test func aPriceTopicPayloadIsAJSONArrayOfStartEndPrice() throws {
        let series = try SpotPriceSeries(jsonPayload: """
            [{"start": "2026-11-22T01:00:00+01:00", "end": "2026-11-22T01:15:00+01:00", "price": 0.2512},
             {"start": "2026-11-22T00:15:00Z", "end": "2026-11-22T00:30:00Z", "price": -0.01}]
            """, topic: "payload")
        #expect(series.rows.map(\.price) == [0.2512, -0.01])
        #expect(series.firstStart == Self.start)
        #expect(series.lastEnd == Timestamp.parse("2026-11-22T00:30:00Z"))
    }

    @Test(arguments: [
        ("", "payload: is not JSON (unexpected end of file at line 1, column 1)"),
        (#"{"start": "2026-11-22T00:00:00Z"}"#, "payload: must be a JSON array of {start, end, price}, found an object"),
        ("[1]", "payload[0]: must be an object {start, end, price}"),
        (#"[{"start": "tomorrow", "end": "2026-11-22T00:15:00Z", "price": 1}]"#, "payload[0].start: must be an ISO 8601 instant with an offset, such as 2025-10-07T01:00:00Z"),
        (#"[{"start": "2026-11-22T00:00:00Z", "end": "2026-11-22T00:15:00Z"}]"#, "payload[0].price: is required"),
        (#"[{"start": "2026-11-22T00:00:00Z", "end": "2026-11-22T00:15:00Z", "price": "cheap"}]"#, "payload[0].price: must be a number, found a string"),
        (#"[{"start": "2026-11-22T00:15:00Z", "end": "2026-11-22T00:00:00Z", "price": 1}]"#, "payload: the price row starting 2026-11-22T00:15:00Z ends before it starts"),
        (#"[{"start": "2026-11-22T00:00:00Z", "end": "2026-11-22T01:00:00Z", "price": 1}, {"start": "2026-11-22T00:30:00Z", "end": "2026-11-22T00:45:00Z", "price": 2}]"#,
         "payload: the price rows starting 2026-11-22T00:00:00Z and 2026-11-22T00:30:00Z overlap"),
    ])
    func aBadPriceTopicPayloadNamesWhatIsWrong(payload: String, message: String) {
        #expect(throws: (any Error).self) { try SpotPriceSeries(jsonPayload: payload, topic: "payload") }
        do {
            _ = try SpotPriceSeries(jsonPayload: payload, topic: "payload")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func receivedPricesFeedOnlyTheTariffsOfTheirSource() throws {
        let set = try Fixtures.load("""
            {"import": {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
                        "dynamic": {"source": "mqtt", "topic": "home/prices", "unit": "EUR/kWh", "charges": 0.10, "forecast": false}},
             "export": {"timeZone": "Europe/Berlin", "currency": "EUR", "direction": "EXPORT", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
                        "dynamic": {"source": "awattar", "zone": "DE-LU", "unit": "EUR/MWh", "forecast": false}}}
            """)
        let mqtt = try #require(set.importTariff?.dynamic?.source)
        let awattar = try #require(set.exportTariff?.dynamic?.source)
        #expect(set.livePriceSources == [mqtt, awattar])
        #expect(mqtt.name == "mqtt home/prices")
        #expect(awattar.name == "awattar DE-LU")

        let received = try SpotPriceSeries(rows: [.init(start: Self.start, end: Self.start.addingTimeInterval(3600), price: 0.25)], source: "test")
        let merged = set.merging(received, from: mqtt)
        let hour = merged.importTariff!.rates(from: Self.start, to: Self.start.addingTimeInterval(3600))
        #expect(hour.slices.map(\.pricePerKWh) == [0.35])
        #expect(hour.gaps.isEmpty)
        // The export tariff has its own source: untouched.
        #expect(merged.exportTariff!.rates(from: Self.start, to: Self.start.addingTimeInterval(3600)).slices.isEmpty)
    }
}
