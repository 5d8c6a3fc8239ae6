import Foundation
import Testing
@testable import Bridge

/// `plug_connected`, `plug_disconnected`, `plug_unknown` (docs/bridge.md, "Plug states").
@Suite struct PlugMappingTests {
    static func read(_ payload: String, path: String? = nil, _ mapping: PlugMapping) throws -> PlugMapping.Reading {
        try PayloadParser.plugState(Array(payload.utf8), path: path, mapping: mapping)
    }

    @Test func goEStyleNumbersFollowTheThreeLists() throws {
        let goE = PlugMapping(connected: ["2", "3", "4"], disconnected: ["1"], unknown: ["0", "5"])
        #expect(try Self.read("1", goE) == .disconnected) // idle, no car: before, 1 read as plugged in
        for state in ["2", "3", "4", "2.0", "\"3\""] { #expect(try Self.read(state, goE) == .connected, "\(state)") }
        #expect(try Self.read("0", goE) == .unknown("0"))
        #expect(try Self.read("5", goE) == .unknown("5"))
        #expect(try Self.read("null", goE) == .unknown("null"))
        #expect(try Self.read("7", goE) == .unknown("7")) // neither list, with plug_disconnected given
        #expect(try Self.read(#"{"car": 2}"#, path: "$.car", goE) == .connected)
        #expect(try Self.read(#"{"car": null}"#, path: "$.car", goE) == .unknown("null"))
        #expect(try Self.read(#"{"car": "1"}"#, path: "$.car", goE) == .disconnected)
    }

    @Test func numbersHonourPlugConnectedWithoutPlugDisconnected() throws {
        let mapping = PlugMapping(connected: ["2", "3", "4"])
        #expect(try Self.read("3", mapping) == .connected)
        #expect(try Self.read("1", mapping) == .disconnected) // not 1 = connected any more
        #expect(try Self.read("0", mapping) == .disconnected)
        #expect(try Self.read("null", mapping) == .unknown("null"))
    }

    @Test func withoutListsTheBuiltInWordsStay() throws {
        let plain = PlugMapping()
        for word in ["connected", "ON", "true", "1", "plugged", "yes"] { #expect(try Self.read(word, plain) == .connected, "\(word)") }
        for word in ["disconnected", "OFF", "false", "0", "unplugged", "no"] { #expect(try Self.read(word, plain) == .disconnected, "\(word)") }
        #expect(throws: PayloadError.self) { try Self.read("2", plain) }
        #expect(throws: PayloadError.self) { try Self.read("sometimes", plain) }
        #expect(try Self.read(#"{"plugged": true}"#, path: "$.plugged", plain) == .connected)
        // Words given for "connected": any other word is unplugged (today's behaviour), 1/0 still count.
        let words = PlugMapping(connected: ["Charging", "Waiting"])
        #expect(try Self.read("charging", words) == .connected)
        #expect(try Self.read("sleeping", words) == .disconnected)
        #expect(try Self.read("1", words) == .connected)
    }

    @Test func unknownWordsAndBooleansMatchAsTheirKind() throws {
        let mapping = PlugMapping(connected: ["true"], disconnected: ["false"], unknown: ["Fault"])
        #expect(try Self.read(#"{"p": true}"#, path: "$.p", mapping) == .connected)
        #expect(try Self.read(#"{"p": "TRUE"}"#, path: "$.p", mapping) == .connected)
        #expect(try Self.read("fault", mapping) == .unknown("fault"))
        #expect(throws: PayloadError.self) { try Self.read(#"{"p": [1]}"#, path: "$.p", mapping) }
    }

    @Test func commandResults() {
        #expect(PayloadParser.commandResultError(Array("success".utf8)) == nil)
        #expect(PayloadParser.commandResultError(Array("\"success\"".utf8)) == nil)
        #expect(PayloadParser.commandResultError(Array("true".utf8)) == nil)
        #expect(PayloadParser.commandResultError(Array("amp: failed: Value 5 exceeds range 6 to 32 (5)".utf8)) == "amp: failed: Value 5 exceeds range 6 to 32 (5)")
        #expect(PayloadParser.commandResultError(Array(#"{"success": false, "error": "busy"}"#.utf8)) == "busy")
    }

    @Test func goENrgIsABareArray() throws {
        let nrg = "[231,230,232,0,16,16,16,3696,3680,3712,0,11088,100,99,98,0]"
        #expect(try PayloadParser.number(Array(nrg.utf8), path: "$[11]", range: 0...1e6, what: "power") == 11088)
        // The HTTP status wraps it: $.nrg[11].
        #expect(try PayloadParser.number(Array(#"{"nrg": \#(nrg)}"#.utf8), path: "$.nrg[11]", range: 0...1e6, what: "power") == 11088)
        #expect(try PayloadParser.number(Array(#"[0, 1, {"x": 7}]"#.utf8), path: "$[2].x", range: 0...1e6, what: "x") == 7)
    }

    @Test func configListsTakeNumbersBooleansAndWords() throws {
        let config = try BridgeFixtures.config(vehicles: """
          - id: car1
            topics:
              plug: dev/car
              plug_connected: [2, "3", charging, true]
              plug_disconnected: [1, false]
              plug_unknown: [0, 5]
        """)
        #expect(config.vehicles[0].topics.plugMapping == PlugMapping(connected: ["2", "3", "charging", "true"], disconnected: ["1", "false"], unknown: ["0", "5"]))
        #expect(throws: ConfigError(key: "vehicles[0].topics.plug_unknown", problem: "lists '1', which plug_disconnected lists too; a value means one thing")) {
            try BridgeFixtures.config(vehicles: "  - {id: car1, topics: {plug_connected: [2], plug_disconnected: [1], plug_unknown: [1]}}")
        }
        #expect(throws: ConfigError(key: "vehicles[0].topics.plug_connected", problem: "is required with plug_disconnected (which values mean plugged in?)")) {
            try BridgeFixtures.config(vehicles: "  - {id: car1, topics: {plug_disconnected: [1]}}")
        }
    }

    /// In the core: an unknown state keeps the session and is logged once per run of it.
    @Test func unknownKeepsTheSessionAndIsLoggedOncePerRun() throws {
        let config = try BridgeFixtures.config(vehicles: """
          - id: car1
            topics: {plug: dev/car, plug_connected: [2, 3, 4], plug_disconnected: [1], plug_unknown: [0, 5]}
        """)
        var driver = CoreDriver(config: config, start: BridgeFixtures.at("2025-11-17T17:00:00Z"))
        driver.send(.connected)
        driver.message("dev/car", "1")
        #expect(!driver.core.isPlugged(vehicleId: "car1"))
        driver.message("dev/car", "3")
        #expect(driver.core.isPlugged(vehicleId: "car1"))
        let first = driver.message("dev/car", "5")
        #expect(driver.core.isPlugged(vehicleId: "car1"))
        #expect(first.logs.filter { $0.contains("unknown ('5')") }.count == 1)
        #expect(driver.message("dev/car", "5").logs.isEmpty)
        #expect(driver.message("dev/car", "null").logs.filter { $0.contains("unknown ('null')") }.count == 1)
        driver.message("dev/car", "0")
        driver.message("dev/car", "2")
        #expect(driver.message("dev/car", "5").logs.filter { $0.contains("unknown ('5')") }.count == 1) // a new run
        #expect(driver.actions.compactMap { if case .sessionClosed = $0 { 1 } else { nil } }.isEmpty)
        driver.message("dev/car", "1")
        #expect(!driver.core.isPlugged(vehicleId: "car1"))
    }
}
