import Foundation
import Logging
import Metering
import PriceSources
import Tariffs
import Testing
import TestSupport
@testable import Bridge

/// Live price sources in the running bridge, on a real mosquitto and a real ledger: prices on an
/// MQTT topic and from aWATTar's API (a local HTTP server in its format) re-plan, are stored, and
/// carry a restart without them; `<base>/prices/status` says how the source is doing.
@Suite(.serialized) struct BridgeLivePriceTests {
    /// 15 kWh to charge (50 % -> 80 % of 50 kWh), so a flat price p gives a plan costing 15 p
    /// (the departure half a day ahead leaves time for it at any hour).
    static func writeConfig(in folder: URL, brokerURL: String, dynamic: String) throws -> String {
        let path = folder.appendingPathComponent("chargebridge.yaml").path
        try """
        broker: {url: "\(brokerURL)", client_id: prices-\(folder.lastPathComponent.prefix(8))}
        tariff: {timeZone: Europe/Amsterdam, currency: EUR, tariffs: [{type: dynamic, currency: EUR}], dynamic: {\(dynamic)}}
        database: ledger.sqlite
        vehicles: [{id: car1, capacity_wh: 50000, max_power_w: 10000, efficiency: 1.0, target_soc: 80, ready_by: "\(BridgeServiceTests.readyByHalfADayAhead)"}]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Hourly prices from an hour ago to two days ahead, as a price-topic payload.
    static func pricePayload(_ price: Double, now: Date = Date()) -> String {
        let first = (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 3600
        let items = (0..<50).map { hour in
            let start = Date(timeIntervalSince1970: first + Double(hour) * 3600)
            return #"{"start": "\#(Timestamp.format(start))", "end": "\#(Timestamp.format(start.addingTimeInterval(3600)))", "price": \#(price)}"#
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    static func schedule(costing value: Double) -> (String) -> Bool {
        { $0.contains(#""tariff":{"confidence":1,"value":\#(value)}"#) }
    }

    @Test func pricesOnAnMQTTTopicArePlannedWithStoredAndOutliveTheirRetainedMessage() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let folder = try BridgeServiceTests.temporaryFolder()
        let config = try BridgeConfigLoader.load(path: try Self.writeConfig(
            in: folder, brokerURL: broker.url, dynamic: "source: mqtt, topic: home/prices, unit: EUR/kWh, forecast: false"))
        var probe = try await Probe.start(url: broker.url, filter: "#")
        var running = Task { [config] in try await BridgeServices(config: config, logger: BridgeServiceTests.logger).run() }
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        // No price known yet: the source is waiting for one.
        try await probe.waitFor("chargebridge/prices/status") { $0.contains(#""state":"waiting""#) && $0.contains(#""known_until":null"#) }

        try await probe.publish("50", to: "chargebridge/car1/soc")
        try await probe.publish("connected", to: "chargebridge/car1/plug")
        try await probe.publish(Self.pricePayload(0.25), to: "home/prices", retain: true)
        try await probe.waitFor("chargebridge/car1/schedule", Self.schedule(costing: 3.75))
        try await probe.waitFor("chargebridge/price") { $0 == "0.25" }
        let upToDate = try await probe.waitFor("chargebridge/prices/status") { $0.contains(#""state":"up_to_date""#) }
        #expect(upToDate.contains(#""source":"mqtt home/prices""#))

        // A broken payload changes nothing but the status, which says what is wrong.
        try await probe.publish(#"[{"start": "2026-11-22T00:00:00Z", "end": "2026-11-22T01:00:00Z", "price": "cheap"}]"#, to: "home/prices")
        let failing = try await probe.waitFor("chargebridge/prices/status") { $0.contains(#""state":"failing""#) }
        #expect(failing.contains("payload[0].price: must be a number, found a string"))
        #expect(probe.messages(on: "chargebridge/car1/schedule").last.map(Self.schedule(costing: 3.75)) == true)

        // Cheaper prices: re-planned at once.
        try await probe.publish(Self.pricePayload(0.10), to: "home/prices", retain: true)
        try await probe.waitFor("chargebridge/car1/schedule", Self.schedule(costing: 1.5))
        try await probe.waitFor("chargebridge/prices/status") { $0.contains(#""state":"up_to_date""#) }
        running.cancel()
        _ = try? await running.value

        // The prices are in the ledger.
        let stored = try Ledger(path: config.databasePath).spotPrices(source: "mqtt home/prices")
        #expect(stored.rows.count == 50)
        #expect(Set(stored.rows.map(\.price)) == [0.10])

        // The broker forgets the prices and the schedule; a restarted bridge plans on the stored prices.
        try await probe.publish("", to: "home/prices", retain: true)
        try await probe.publish("", to: "chargebridge/car1/schedule", retain: true)
        await probe.stop()
        probe = try await Probe.start(url: broker.url, filter: "chargebridge/#")
        running = Task { [config] in try await BridgeServices(config: config, logger: BridgeServiceTests.logger).run() }
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        try await probe.publish("50", to: "chargebridge/car1/soc")
        try await probe.waitFor("chargebridge/car1/schedule", Self.schedule(costing: 1.5))
        // Until the topic speaks again, the source is waiting, with what the ledger knows.
        try await probe.waitFor("chargebridge/prices/status") { $0.contains(#""state":"waiting""#) && !$0.contains(#""known_until":null"#) }
        running.cancel()
        _ = try? await running.value
        await probe.stop()
    }

    @Test func aWATTarPricesArePolledStoredAndCarryARestartWithoutNetwork() async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        // aWATTar's format: 100 EUR/MWh for every hour asked for.
        let server = try LocalHTTPServer { request in
            let start = (Double(request.query["start"] ?? "") ?? 0) / 1000
            let end = (Double(request.query["end"] ?? "") ?? 0) / 1000
            var hour = (start / 3600).rounded(.down) * 3600
            var data: [String] = []
            while hour < end {
                data.append(#"{"start_timestamp": \#(Int64(hour * 1000)), "end_timestamp": \#(Int64((hour + 3600) * 1000)), "marketprice": 100.0, "unit": "Eur/MWh"}"#)
                hour += 3600
            }
            return .init(body: Data(#"{"object": "list", "data": [\#(data.joined(separator: ","))], "url": "/at/v1/marketdata"}"#.utf8))
        }
        let folder = try BridgeServiceTests.temporaryFolder()
        let config = try BridgeConfigLoader.load(path: try Self.writeConfig(
            in: folder, brokerURL: broker.url, dynamic: "source: awattar, zone: DE-LU, charges: 0, forecast: false"))
        let endpoint = server.baseURL.appendingPathComponent("v1/marketdata")
        func start(_ endpoint: URL) -> Task<Void, any Error> {
            Task { [config] in
                try await BridgeServices(config: config, logger: BridgeServiceTests.logger,
                                        priceSource: { AWATTarSource(zone: $0.zone!, endpoint: endpoint) }).run()
            }
        }

        var probe = try await Probe.start(url: broker.url, filter: "chargebridge/#")
        var running = start(endpoint)
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        try await probe.publish("50", to: "chargebridge/car1/soc")
        try await probe.publish("connected", to: "chargebridge/car1/plug")
        // 15 kWh at 100 EUR/MWh.
        try await probe.waitFor("chargebridge/car1/schedule", Self.schedule(costing: 1.5))
        let status = try await probe.waitFor("chargebridge/prices/status") { $0.contains(#""state":"up_to_date""#) }
        #expect(status.contains(#""source":"awattar DE-LU""#))
        running.cancel()
        _ = try? await running.value
        server.stop()
        #expect(server.requests.first?.path == "/v1/marketdata")
        let stored = try Ledger(path: config.databasePath).spotPrices(source: "awattar DE-LU")
        #expect(stored.rows.count >= 24)
        #expect(Set(stored.rows.map(\.price)) == [100])

        // No network now: the bridge says so once and plans on the stored prices.
        try await probe.publish("", to: "chargebridge/car1/schedule", retain: true)
        await probe.stop()
        let refusing = LocalHTTPServer.refusingPort()
        defer { close(refusing.descriptor) }
        probe = try await Probe.start(url: broker.url, filter: "chargebridge/#")
        running = start(URL(string: "http://127.0.0.1:\(refusing.port)/v1/marketdata")!)
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        try await probe.publish("50", to: "chargebridge/car1/soc")
        try await probe.waitFor("chargebridge/car1/schedule", Self.schedule(costing: 1.5))
        let failing = try await probe.waitFor("chargebridge/prices/status") { $0.contains(#""state":"failing""#) }
        #expect(failing.contains("aWATTar DE-LU: cannot reach the server"))
        #expect(!failing.contains(#""known_until":null"#))
        running.cancel()
        _ = try? await running.value
        await probe.stop()
    }

    @Test func aPriceTopicWithAWildcardIsRefused() throws {
        let folder = try BridgeServiceTests.temporaryFolder()
        let path = try Self.writeConfig(in: folder, brokerURL: "mqtt://127.0.0.1:1883", dynamic: "source: mqtt, topic: home/+/prices, unit: EUR/kWh")
        #expect(throws: ConfigError.self) { try BridgeConfigLoader.load(path: path) }
        do {
            _ = try BridgeConfigLoader.load(path: path)
        } catch {
            #expect("\(error)".contains(": tariff.dynamic.topic 'home/+/prices' must be a plain MQTT topic without wildcards"))
        }
    }
}

/// The live-source example tariffs load with the source they document.
struct LivePriceExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples")

    @Test(arguments: [("tariff-awattar.yaml", "awattar DE-LU"), ("tariff-mqtt-prices.yaml", "mqtt home/prices/day-ahead")])
    func exampleTariffNamesItsSource(file: String, source: String) throws {
        let set = try TariffSet.load(path: Self.examples.appendingPathComponent(file).path)
        #expect(set.livePriceSources.map(\.name) == [source])
    }
}
