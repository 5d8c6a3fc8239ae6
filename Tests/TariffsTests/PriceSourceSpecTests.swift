import Foundation
import Testing
@testable import Tariffs

@Suite struct PriceSourceSpecTests {
    private func tariff(_ dynamic: String) -> String {
        """
        {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {\(dynamic)}}
        """
    }

    @Test(arguments: [
        (#""source": "tibber", "zone": "DE-LU""#, "dynamic.source: 'tibber' is not one of file, awattar, entsoe, mqtt"),
        (#""source": "entsoe""#, "dynamic.zone: is required for the entsoe source (a bidding zone such as DE-LU)"),
        (#""source": "awattar", "zone": "NL""#, "dynamic.zone: aWATTar serves DE-LU and AT, not NL"),
        (#""source": "mqtt""#, "dynamic.topic: is required for the mqtt source (the topic carrying [{start, end, price}])"),
        (#""source": "awattar", "topic": "prices""#, "dynamic.topic: is only for the mqtt source"),
        (#""prices": "p.csv", "tokenEnv": "TOKEN""#, "dynamic.tokenEnv: needs a source (entsoe for tokenEnv, mqtt for topic)"),
        (#""source": "entsoe", "zone": "Atlantis""#, "dynamic.zone: 'Atlantis' is not a known bidding zone (DE-LU, AT, NL, BE, FR, CH, PL, CZ, DK1, DK2, SE3, SE4, NO1, FI, ES, PT, IT-NORD) or an ENTSO-E area code"),
        (#""source": "file""#, "dynamic.prices: is required: a CSV path or a list of {start, end, price}"),
        (#""source": 3, "zone": "DE-LU""#, "dynamic.source: must be one of file, awattar, entsoe, mqtt"),
    ])
    func sourceFaultsNameTheKey(dynamic: String, message: String) {
        #expect(Fixtures.error(tariff(dynamic), files: ["p.csv": "start,end,eur_per_mwh\n2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,80\n"]) == message)
    }

    @Test func aLiveSourceNeedsNoPricesFile() throws {
        let loaded = try Fixtures.load(tariff(#""source": "entsoe", "zone": "10YAT-APG------L", "tokenEnv": "MY_TOKEN", "charges": 0.1"#)).importTariff!
        let source = try #require(loaded.dynamic?.source)
        #expect(source.kind == .entsoe)
        #expect(source.zone?.name == "AT")
        #expect(source.tokenVariable == "MY_TOKEN")
        #expect(loaded.dynamic?.spot.rows.isEmpty == true)
        let timeline = loaded.rates(from: Fixtures.at("2026-01-01T00:00:00Z"), to: Fixtures.at("2026-01-02T00:00:00Z"))
        #expect(timeline.slices.isEmpty)
        #expect(timeline.gaps.count == 1)
    }

    @Test func aCSVPathIsAFileSourceWithItsResolvedPath() throws {
        let loaded = try Fixtures.load(tariff(#""prices": "p.csv", "zone": "de-lu""#),
                                       files: ["p.csv": "start,end,eur_per_mwh\n2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,80\n"]).importTariff!
        let source = try #require(loaded.dynamic?.source)
        #expect(source.kind == .file)
        #expect(source.zone?.name == "DE-LU")
        #expect(source.filePath?.hasSuffix("/p.csv") == true)
    }

    @Test func awattarDefaultsToGermany() throws {
        let loaded = try Fixtures.load(tariff(#""source": "awattar""#)).importTariff!
        #expect(loaded.dynamic?.source?.zone?.name == "DE-LU")
        #expect(loaded.dynamic?.source?.zone?.awattarURL?.absoluteString == "https://api.awattar.de/v1/marketdata")
    }

    @Test func mqttSourceKeepsItsTopic() throws {
        let loaded = try Fixtures.load(tariff(#""source": "mqtt", "topic": "home/prices", "zone": "NL""#)).importTariff!
        #expect(loaded.dynamic?.source == PriceSourceSpec(kind: .mqtt, zone: BiddingZone(named: "NL"), topic: "home/prices"))
        #expect(loaded.dynamic?.forecaster.holidays.zone == "NL")
    }

    @Test func inlinePricesHaveNoSource() throws {
        let loaded = try Fixtures.load(tariff(#""prices": [{"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z", "price": 80}]"#)).importTariff!
        #expect(loaded.dynamic?.source == nil)
    }
}
