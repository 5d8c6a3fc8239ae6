import Foundation
import Testing
@testable import Bridge

/// `location.solar` (docs/bridge.md): every key, its default, and errors that name the key.
@Suite struct SolarConfigTests {
    static let grid = "max_power_w: 11000\n  grid: {topic: meter/grid}"

    @Test func defaultsFollowTheContract() throws {
        #expect(try BridgeFixtures.config(vehicles: "  - id: car1", location: Self.grid).location.solar == nil)
        let empty = try #require(try BridgeFixtures.config(vehicles: "  - id: car1", location: Self.grid + "\n  solar: {}").location.solar)
        #expect(empty == SolarConfig())
        #expect(empty.exportPricePerKWh == nil) // the tariff's EXPORT prices, else 0
        #expect(empty.houseBaseW == 300 && empty.enableDelaySeconds == 60 && empty.disableDelaySeconds == 180)
        #expect(empty.pvTopic == nil && empty.pvPath == nil && empty.pvScale == 1 && empty.forecastTopic == nil)
    }

    @Test func everyKeyIsRead() throws {
        let config = try BridgeFixtures.config(vehicles: "  - id: car1", location: Self.grid + """

          solar:
            export_price: 0.08
            forecast_topic: solar/forecast
            pv_topic: opendtu/ac/power
            pv_path: $.power
            pv_units: kW
            house_base_w: 450
            enable_delay_s: 30
            disable_delay_s: 0
        """)
        #expect(config.location.solar == SolarConfig(exportPricePerKWh: 0.08, forecastTopic: "solar/forecast", pvTopic: "opendtu/ac/power",
                                                     pvPath: "$.power", pvScale: 1000, houseBaseW: 450, enableDelaySeconds: 30,
                                                     disableDelaySeconds: 0))
    }

    @Test(arguments: [
        ("max_power_w: 11000\n  solar: {export_price: 0.08}",
         "location.solar needs location.grid (the grid meter): the surplus the solar modes follow is what it shows being exported"),
        (grid + "\n  solar: yes", "location.solar must be a mapping, e.g. {export_price: 0.08, pv_topic: solar/power}"),
        (grid + "\n  solar: {export_prize: 0.08}", "location.solar.export_prize is not a known key (did you mean export_price?)"),
        (grid + "\n  solar: {export_price: cheap}", "location.solar.export_price must be a number"),
        (grid + "\n  solar: {pv_topic: 'solar/#'}", "location.solar.pv_topic 'solar/#' must be a plain MQTT topic without wildcards"),
        (grid + "\n  solar: {forecast_topic: 'solar/+/forecast'}", "location.solar.forecast_topic 'solar/+/forecast' must be a plain MQTT topic without wildcards"),
        (grid + "\n  solar: {pv_path: $.power}", "location.solar.pv_path needs location.solar.pv_topic (the topic it reads the PV power from)"),
        (grid + "\n  solar: {pv_topic: pv, pv_path: 'ac power'}", "location.solar.pv_path 'ac power' must be a JSON path such as $.power"),
        (grid + "\n  solar: {pv_topic: pv, pv_units: MW}", "location.solar.pv_units 'MW' must be W or kW"),
        (grid + "\n  solar: {house_base_w: -100}", "location.solar.house_base_w must be 0 or more watts"),
        (grid + "\n  solar: {enable_delay_s: -1}", "location.solar.enable_delay_s must be 0 or more seconds"),
        (grid + "\n  solar: {disable_delay_s: soon}", "location.solar.disable_delay_s must be a number"),
    ])
    func errorsNameTheKey(location: String, expected: String) {
        do {
            _ = try BridgeFixtures.config(vehicles: "  - id: car1", location: location)
            Issue.record("expected: \(expected)")
        } catch {
            #expect("\(error)" == expected)
        }
    }
}
