import Foundation
import PriceSources
import Tariffs
import Testing
@testable import Bridge

/// Prices reach the core as events, like a plug-in: a price topic's message, a poller's prices
/// and status, the stored prices at start-up. What is stored, planned and published about them
/// (the status payload and its topic included) is decided by the core, without a broker.
@Suite struct PriceEventTests {
    /// 15 kWh to charge (50 % -> 80 % of 50 kWh) on a dynamic tariff fed by `dynamic`.
    static func config(dynamic: String) throws -> BridgeConfig {
        try BridgeConfigLoader.parse("""
            broker: {url: "mqtt://127.0.0.1:1883"}
            tariff: {timeZone: Europe/Amsterdam, currency: EUR, tariffs: [{type: dynamic, currency: EUR}], dynamic: {\(dynamic)}}
            database: test.sqlite
            vehicles: [{id: car1, capacity_wh: 50000, max_power_w: 10000, efficiency: 1.0, target_soc: 80, ready_by: "07:00"}]
            """, baseDirectory: FileManager.default.temporaryDirectory)
    }

    static let topicSource = "source: mqtt, topic: home/prices, unit: EUR/kWh, forecast: false"
    static let awattarSource = "source: awattar, zone: DE-LU, charges: 0, forecast: false"
    /// Monday evening in Amsterdam: the next day's prices are published by now.
    static let start = Timestamp.parse("2026-11-23T18:10:00Z")!

    /// A driver whose car is plugged in at 50 %, online.
    static func pluggedIn(dynamic: String) throws -> CoreDriver {
        var driver = CoreDriver(config: try config(dynamic: dynamic), start: start)
        driver.send(.pricesRestored([:]))
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "50")
        driver.message("chargebridge/car1/plug", "connected")
        return driver
    }

    static func stored(_ actions: [BridgeAction]) -> [[SpotPriceSeries.Row]] {
        actions.compactMap { if case let .storePrices(rows, _, _) = $0 { rows } else { nil } }
    }

    static func hourlyRows(_ price: Double, hours: Int, from first: Date) -> [SpotPriceSeries.Row] {
        (0..<hours).map { SpotPriceSeries.Row(start: first.addingTimeInterval(Double($0) * 3600), end: first.addingTimeInterval(Double($0 + 1) * 3600), price: price) }
    }

    @Test func theStatusTopicIsOneTopicForOnlineAndTheFarewell() throws {
        var driver = CoreDriver(config: try Self.config(dynamic: Self.topicSource), start: Self.start)
        #expect(driver.core.statusTopic == "chargebridge/status")
        #expect(driver.core.farewell.topic == driver.core.statusTopic)
        #expect(driver.core.farewell.payload == "offline")
        #expect(driver.send(.connected).published(driver.core.statusTopic) == ["online"])
        #expect(driver.core.subscriptions.contains("home/prices"))
    }

    @Test func aPriceTopicWaitsFromTheStartAndPricesOnItAreStoredPlannedAndUpToDate() throws {
        var driver = CoreDriver(config: try Self.config(dynamic: Self.topicSource), start: Self.start)
        let waiting = driver.send(.pricesRestored([:])).published("chargebridge/prices/status")
        #expect(waiting.count == 1)
        #expect(waiting[0].contains(#""state":"waiting""#) && waiting[0].contains(#""known_until":null"#))
        #expect(waiting[0].contains(#""source":"mqtt home/prices""#))
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "50")
        driver.message("chargebridge/car1/plug", "connected")

        let actions = driver.message("home/prices", BridgeLivePriceTests.pricePayload(0.25, now: Self.start))
        #expect(Self.stored(actions).map(\.count) == [50])
        #expect(actions.contains { if case .priceCostsWith = $0 { true } else { false } })
        #expect(actions.published("chargebridge/car1/schedule").last.map(BridgeLivePriceTests.schedule(costing: 3.75)) == true)
        #expect(actions.published("chargebridge/price") == ["0.25"])
        let status = try #require(actions.published("chargebridge/prices/status").last)
        #expect(status.contains(#""state":"up_to_date""#))
        #expect(status.contains(#""updated":"2026-11-23T18:10:00Z""#))
    }

    @Test func aBrokenPricePayloadChangesOnlyTheStatusAndAnEmptyOneNothing() throws {
        var driver = try Self.pluggedIn(dynamic: Self.topicSource)
        driver.message("home/prices", BridgeLivePriceTests.pricePayload(0.25, now: Self.start))
        let broken = driver.message("home/prices", #"[{"start": "2026-11-22T00:00:00Z", "end": "2026-11-22T01:00:00Z", "price": "cheap"}]"#)
        #expect(Self.stored(broken).isEmpty)
        #expect(broken.published("chargebridge/car1/schedule").isEmpty)
        let status = try #require(broken.published("chargebridge/prices/status").last)
        #expect(status.contains(#""state":"failing""#))
        #expect(status.contains("payload[0].price: must be a number, found a string"))
        // The same failure again is not news; a cleared retained message is no price at all.
        #expect(driver.message("home/prices", #"[{"start": "2026-11-22T00:00:00Z", "end": "2026-11-22T01:00:00Z", "price": "cheap"}]"#).isEmpty)
        #expect(driver.message("home/prices", "").isEmpty)
    }

    @Test func polledPricesAreStoredOnceAndPlannedWithAtOnce() throws {
        var driver = try Self.pluggedIn(dynamic: Self.awattarSource)
        let source = try #require(driver.core.config.tariffs.livePriceSources.first)
        let first = Self.start.addingTimeInterval(-3600 - 600)
        let day = try SpotPriceSeries(rows: Self.hourlyRows(100, hours: 30, from: first), source: "test")
        let actions = driver.send(.pricesChanged(source, day))
        #expect(Self.stored(actions).map(\.count) == [30])
        #expect(actions.published("chargebridge/car1/schedule").last.map(BridgeLivePriceTests.schedule(costing: 1.5)) == true)
        // Two more hours: only they are stored; the same prices again are nothing new.
        let longer = try SpotPriceSeries(rows: Self.hourlyRows(100, hours: 32, from: first), source: "test")
        #expect(Self.stored(driver.send(.pricesChanged(source, longer))).map(\.count) == [2])
        #expect(driver.send(.pricesChanged(source, longer)).isEmpty)
    }

    @Test func aSourcesStatusIsPublishedOnceAndAgainAfterAReconnect() throws {
        var driver = try Self.pluggedIn(dynamic: Self.awattarSource)
        let source = try #require(driver.core.config.tariffs.livePriceSources.first)
        let failing = PriceSourceStatus.failing(.unreachable(source: "aWATTar DE-LU", reason: "connection refused"))
        let reported = driver.send(.priceSourceStatus(source, failing))
        let status = try #require(reported.published("chargebridge/prices/status").first)
        #expect(status.contains("aWATTar DE-LU: cannot reach the server (connection refused)"))
        #expect(reported.logs.contains { $0.contains("planning goes on with the tariff's own prices and the forecast") })
        #expect(driver.send(.priceSourceStatus(source, failing)).isEmpty)
        #expect(driver.send(.connected).published("chargebridge/prices/status") == [status])
    }

    @Test func storedPricesArePlannedWithFromTheStart() throws {
        let config = try Self.config(dynamic: Self.topicSource)
        let source = try #require(config.tariffs.livePriceSources.first)
        let stored = try SpotPriceSeries(rows: Self.hourlyRows(0.10, hours: 50, from: Self.start.addingTimeInterval(-4200)), source: "stored")
        var driver = CoreDriver(config: config, start: Self.start)
        let restored = driver.send(.pricesRestored([source: stored]))
        #expect(Self.stored(restored).isEmpty)
        #expect(restored.logs.contains { $0.contains("50 stored prices") })
        // The topic has not spoken yet: waiting, with what the ledger knows.
        let waiting = try #require(restored.published("chargebridge/prices/status").first)
        #expect(waiting.contains(#""state":"waiting""#) && !waiting.contains(#""known_until":null"#))
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "50")
        let plan = driver.message("chargebridge/car1/plug", "connected").published("chargebridge/car1/schedule")
        #expect(plan.last.map(BridgeLivePriceTests.schedule(costing: 1.5)) == true)
    }
}
