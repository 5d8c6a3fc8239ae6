import Foundation
import Tariffs
import Testing
import TestSupport
@testable import Bridge

/// A plan made partly on forecast prices is re-made, with full confidence, once the real
/// prices arrive (day-ahead publication), on the real DE-LU prices.
struct ForecastReplanTests {
    static let prices = RepositoryPrices.url(RepositoryPrices.quarterHours).path

    @Test func aPlanOnForecastPricesIsRemadeWhenTheRealPricesArrive() throws {
        let config = try BridgeConfigLoader.parse("""
            broker: {url: "mqtt://127.0.0.1:1883"}
            tariff: {timeZone: Europe/Berlin, currency: EUR, tariffs: [{type: dynamic, currency: EUR}],
                     dynamic: {prices: "\(Self.prices)", unit: EUR/MWh, charges: 0.12, vat: 0.19}}
            database: test.sqlite
            vehicles: [{id: car1, capacity_wh: 60000, max_power_w: 7000, efficiency: 1.0, ready_by: "07:00", target_soc: 80}]
            """, baseDirectory: FileManager.default.temporaryDirectory)
        let full = try #require(config.tariff.dynamic?.spot)
        // Known until midnight local on 20 May; at 20:00 local a 40 kWh charge (5.7 h at 7 kW)
        // until 07:00 needs hours nobody has published yet.
        let publishedUntil = Timestamp.parse("2026-05-20T22:00:00Z")!
        let known = try SpotPriceSeries(rows: full.rows.filter { $0.end <= publishedUntil }, source: "test")
        var driver = CoreDriver(config: config, start: Timestamp.parse("2026-05-20T18:00:00Z")!)
        let partial = try #require(config.tariff.replacingSpotPrices(known))
        driver.send(.tariffFileChanged(TariffSet(importTariff: partial, exportTariff: nil)))
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "20")
        let first = try #require(driver.message("chargebridge/car1/plug", "connected").published("chargebridge/car1/schedule").last)
        let forecastConfidence = try Self.tariffConfidence(first)
        #expect(forecastConfidence < 1)
        #expect(forecastConfidence > 0)

        // The day-ahead prices for 21 May are published.
        driver.now = driver.now.addingTimeInterval(60)
        let remade = try #require(driver.send(.tariffFileChanged(config.tariffs)).published("chargebridge/car1/schedule").last)
        #expect(try Self.tariffConfidence(remade) == 1)
        #expect(remade != first)
    }

    static func tariffConfidence(_ schedule: String) throws -> Double {
        let item = try #require(try JSONSerialization.jsonObject(with: Data(schedule.utf8)) as? [String: Any])
        let tariff = try #require(item["tariff"] as? [String: Any])
        return try #require(tariff["confidence"] as? Double)
    }
}
