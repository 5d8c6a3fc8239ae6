import Foundation
import Testing
@testable import Bridge
import Tariffs

@Suite struct BridgeCoreTests {
    // Monday 2025-11-17, 18:00 local in Amsterdam (UTC+1).
    let evening = BridgeFixtures.at("2025-11-17T17:00:00Z")

    @Test func plugInOpensASessionPlansAndWaitsForCheapHours() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "40")
        let actions = driver.message("chargebridge/car1/plug", "connected")
        // 40 % -> 80 % of 50 kWh at efficiency 1: 20 kWh at 7 kW, in the off-peak night, as late as possible.
        #expect(actions.contains { if case .sessionOpened("car1", "car1-20251117T170000Z", _, _) = $0 { true } else { false } })
        let schedules = actions.published("chargebridge/car1/schedule")
        #expect(schedules.count == 1)
        let item = try #require(try JSONSerialization.jsonObject(with: Data(schedules[0].utf8)) as? [String: Any])
        #expect(item["device_id"] as? String == "car1")
        #expect(item["end_time"] as? String == "2025-11-18T06:00:00Z")
        #expect((item["energy"] as? [String: Any])?["value"] as? Double == 20000)
        let slots = try #require(item["schedule"] as? [[String: Any]])
        #expect(slots.count == 1)
        // 20 kWh / 7 kW = 2 h 51 min 25.7 s before 07:00 local.
        #expect(slots[0]["end_time"] as? String == "2025-11-18T06:00:00Z")
        #expect((slots[0]["power"] as? [String: Any])?["value"] as? Double == 7000)
        // Not charging at peak price now: the charger was told to stop on connect, and once more at
        // the plug-in (a charger that starts by itself hears it), not again.
        #expect(driver.actions.published("chargebridge/car1/command") == ["stop", "stop"])
    }

    @Test func commandsFollowTheScheduleWithoutDuplicates() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "40")
        driver.message("chargebridge/car1/plug", "connected")
        let plan = try #require(driver.core.plan(vehicleId: "car1"))
        let start = try #require(plan.slots.first?.start)
        // Jump to just before the slot, then tick across it.
        driver.now = start.addingTimeInterval(-3)
        let before = driver.send(.tick)
        #expect(before.published("chargebridge/car1/command").isEmpty)
        let across = driver.advance(6)
        #expect(across.published("chargebridge/car1/command") == ["start"])
        // Ticking on does not repeat it.
        #expect(driver.advance(10).published("chargebridge/car1/command").isEmpty)
        // A reconnect re-sends the wanted state once.
        let reconnect = driver.send(.connected)
        #expect(reconnect.published("chargebridge/car1/command") == ["start"])
        #expect(reconnect.published("chargebridge/status") == ["online"])
        // At the departure the charger is stopped.
        driver.now = try #require(plan.slots.last?.end).addingTimeInterval(-0.5)
        driver.send(.tick)
        #expect(driver.advance(2).published("chargebridge/car1/command") == ["stop"])
    }

    @Test func powerReadingsAreIntegratedAndFlushedEverySecond() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.message("chargebridge/car1/plug", "ON")
        driver.message("chargebridge/car1/power", "3600")
        let ticks = driver.advance(10)
        let records = ticks.records
        #expect(records.count == 10)
        #expect(records.allSatisfy { abs($0.energyWh - 1) < 1e-9 })
        #expect(records.allSatisfy { $0.sessionId == "car1-20251117T170000Z" && $0.locationId == "home" })
        // Contiguous, deterministic ids from the start instant.
        for (a, b) in zip(records, records.dropFirst()) { #expect(a.end == b.start) }
        #expect(records[0].recordId == "car1-20251117T170000Z-\(Int64(evening.timeIntervalSince1970 * 1000))")
    }

    @Test func staleReadingsCountAsZero() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(extra: "metering: {power_stale_after_s: 5}"), start: evening)
        driver.message("chargebridge/car1/plug", "1")
        driver.message("chargebridge/car1/power", "7200")
        let energy = driver.advance(60).records.reduce(0) { $0 + $1.energyWh }
        // Only the 5 fresh seconds count: 7200 W * 5 s = 10 Wh.
        #expect(abs(energy - 10) < 1e-9)
    }

    @Test func counterDeltasAreMeteredAndAResetIsNotNegative() throws {
        let vehicles = """
          - id: car1
            topics: {energy: wallbox/energy, energy_path: $.total_wh}
        """
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: vehicles), start: evening)
        driver.message("wallbox/energy", #"{"total_wh": 1000}"#) // baseline before plug-in
        driver.message("chargebridge/car1/plug", "connected")
        driver.advance(1)
        driver.message("wallbox/energy", #"{"total_wh": 1500}"#)
        var energy = driver.advance(1).records.map(\.energyWh)
        #expect(energy == [500])
        let reset = driver.message("wallbox/energy", #"{"total_wh": 20}"#)
        #expect(reset.logs.contains { $0.contains("reset") })
        energy = driver.advance(1).records.map(\.energyWh)
        #expect(energy == [20])
        // Records carry the counter so a restart can continue from it.
        #expect(driver.actions.records.last?.counterWh == 20)
    }

    @Test func aWholeNightFollowsThePlanAndDeliversTheEnergy() throws {
        let vehicles = """
          - id: car1
            capacity_wh: 50000
            max_power_w: 7000
            efficiency: 1.0
            topics: {energy: wallbox/energy}
        """
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: vehicles), start: evening)
        driver.send(.connected)
        var counter = 0.0
        var soc = 40.0
        driver.message("wallbox/energy", "0")
        driver.message("chargebridge/car1/soc", "40")
        driver.message("chargebridge/car1/plug", "connected")
        // A wallbox that follows the commands and reports every minute, from 18:00 to 07:00 local.
        var charging = false
        var starts = 0
        while driver.now < BridgeFixtures.at("2025-11-18T06:00:00Z") {
            for command in driver.advance(60, step: 5).published("chargebridge/car1/command") {
                charging = command == "start"
                if charging { starts += 1 }
            }
            if charging {
                counter += 7000.0 / 60
                soc = min(100, soc + 7000.0 / 60 / 50_000 * 100)
            }
            let reports = driver.message("wallbox/energy", String(counter)) + driver.message("chargebridge/car1/soc", String(soc))
            for command in reports.published("chargebridge/car1/command") {
                charging = command == "start"
                if charging { starts += 1 }
            }
        }
        let metered = driver.actions.records.reduce(0) { $0 + $1.energyWh }
        // 40 % -> 80 % of 50 kWh = 20 kWh, within a minute's charge.
        #expect(abs(metered - 20_000) <= 7000.0 / 60 + 1)
        #expect(soc >= 79.7 && soc <= 80.3)
        // All of it in the off-peak night (after 23:00 local = 22:00Z), in one or two blocks.
        #expect(driver.actions.records.allSatisfy { $0.start >= BridgeFixtures.at("2025-11-17T22:00:00Z") || $0.energyWh == 0 })
        #expect(starts <= 2)
    }

    @Test func counterEnergySpansTheTimeBetweenReadings() throws {
        let vehicles = """
          - id: car1
            topics: {energy: wallbox/energy}
        """
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: vehicles), start: evening)
        driver.message("wallbox/energy", "0")
        driver.message("chargebridge/car1/plug", "connected")
        // A wallbox that reports its counter once a minute while charging at 11 kW.
        var records: [EnergyRecord] = []
        for minute in 1...3 {
            records += driver.advance(60).records
            driver.message("wallbox/energy", "\(minute * 11_000 / 60)")
        }
        records += driver.advance(5).records
        #expect(records.count == 3)
        for record in records {
            #expect(record.end.timeIntervalSince(record.start) == 60)
            #expect(abs(record.energyWh * 3600 / 60 - 11_000) < 60) // the real average power
        }
    }

    @Test(arguments: ["abc", "NaN", "140", "-5", "{\"soc\": 50}", ""])
    func malformedSocIsLoggedOnceAndIgnored(payload: String) throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "50")
        let first = driver.message("chargebridge/car1/soc", payload)
        let second = driver.message("chargebridge/car1/soc", payload)
        #expect(first.logs.count == 1)
        #expect(first.logs[0].contains("chargebridge/car1/soc"))
        #expect(second.logs.isEmpty)
        driver.message("chargebridge/car1/plug", "connected")
        // The plan still rests on the last good SoC (50 % -> 80 % of 50 kWh).
        #expect(driver.core.plan(vehicleId: "car1")?.request.energyWh == 15000)
    }

    @Test func negativePowerIsIgnored() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.message("chargebridge/car1/plug", "connected")
        let bad = driver.message("chargebridge/car1/power", "-300")
        #expect(bad.logs.count == 1)
        #expect(driver.advance(3).records.isEmpty)
    }

    @Test func fastChargesNowOffStopsBoostReturnsToSmart() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "70")
        driver.message("chargebridge/car1/plug", "connected")
        #expect(driver.message("chargebridge/car1/mode/set", "fast").published("chargebridge/car1/command") == ["start"])
        #expect(driver.message("chargebridge/car1/mode/set", "off").published("chargebridge/car1/command") == ["stop"])
        driver.message("chargebridge/car1/mode/set", "smart")
        // A stopped charger stays off 2 minutes (docs/site.md): the boost starts it after them.
        #expect(driver.message("chargebridge/car1/boost/set", "ON").published("chargebridge/car1/command").isEmpty)
        #expect(driver.advance(120).published("chargebridge/car1/command") == ["start"])
        // Boost ends at the target and smart planning takes over: nothing left to charge, so stop.
        let reached = driver.message("chargebridge/car1/soc", "80")
        #expect(reached.published("chargebridge/car1/command") == ["stop"])
        let state = try #require(reached.published("chargebridge/car1/state").last)
        #expect(state.contains(#""boost":false"#))
        #expect(state.contains(#""mode":"smart""#))
    }

    @Test func wishesReplanToTheNewDepartureAndTarget() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "40")
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car1/ready_by/set", "05:30")
        driver.message("chargebridge/car1/target_soc/set", "60")
        let plan = try #require(driver.core.plan(vehicleId: "car1"))
        #expect(plan.request.end == BridgeFixtures.at("2025-11-18T04:30:00Z"))
        #expect(plan.request.energyWh == 10000)
        #expect(plan.slots.last?.end == BridgeFixtures.at("2025-11-18T04:30:00Z"))
    }

    @Test func twoCarsShareTheConnectionLimit() throws {
        // (connected below, after both cars are in)
        let vehicles = """
          - {id: car1, capacity_wh: 60000, max_power_w: 11000, efficiency: 1.0, target_soc: 100}
          - {id: car2, capacity_wh: 60000, max_power_w: 11000, efficiency: 1.0, target_soc: 100}
        """
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: vehicles, location: "max_power_w: 11000"), start: evening)
        driver.message("chargebridge/car1/soc", "20")
        driver.message("chargebridge/car2/soc", "50")
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car2/plug", "connected")
        driver.send(.connected)
        let plans = [try #require(driver.core.plan(vehicleId: "car1")), try #require(driver.core.plan(vehicleId: "car2"))]
        // 48 + 30 kWh = 78 kWh; the 8 off-peak hours carry 88 kWh at 11 kW, so all fits off-peak.
        #expect(plans.allSatisfy { $0.shortfallWh < 1e-6 })
        let edges = Set(plans.flatMap { $0.slots.flatMap { [$0.start, $0.end] } }).sorted()
        for (a, b) in zip(edges, edges.dropFirst()) {
            let mid = a.addingTimeInterval(b.timeIntervalSince(a) / 2)
            let load = plans.flatMap(\.slots).filter { $0.start <= mid && mid < $0.end }.reduce(0) { $0 + $1.powerW }
            #expect(load <= 11000 + 1e-6)
        }
        // Nothing at peak price.
        #expect(plans.flatMap(\.slots).allSatisfy { $0.start >= BridgeFixtures.at("2025-11-17T22:00:00Z") })
    }

    @Test func unplugFlushesAndClosesTheSession() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car1/power", "7200")
        driver.advance(0.5, step: 0.5)
        let unplug = driver.message("chargebridge/car1/plug", "disconnected")
        #expect(unplug.records.map(\.energyWh) == [1])
        #expect(unplug.contains { if case .sessionClosed("car1", "car1-20251117T170000Z", _) = $0 { true } else { false } })
        #expect(unplug.published("chargebridge/car1/command") == ["stop"] || unplug.published("chargebridge/car1/command").isEmpty)
        #expect(!driver.core.isPlugged(vehicleId: "car1"))
        // Power after unplugging is not energy.
        #expect(driver.advance(5).records.isEmpty)
    }

    @Test func plugInsWithinOneSecondGetDistinctSessions() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        driver.send(.connected)
        var ids: [String] = []
        for _ in 0..<3 {
            for action in driver.message("chargebridge/car1/plug", "connected") {
                if case let .sessionOpened(_, id, _, _) = action { ids.append(id) }
            }
            driver.message("chargebridge/car1/plug", "disconnected")
            driver.now = driver.now.addingTimeInterval(0.2)
        }
        #expect(ids == ["car1-20251117T170000Z", "car1-20251117T170000Z-2", "car1-20251117T170000Z-3"])
    }

    @Test func restoredSessionContinuesWithTheSameIdAndCounter() throws {
        let vehicles = """
          - id: car1
            topics: {energy: wallbox/energy}
        """
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: vehicles), start: evening)
        let meteredUntil = evening.addingTimeInterval(-600)
        driver.send(.sessionRestored(vehicleId: "car1", RestoredSession(
            sessionId: "car1-20251117T160000Z", startedAt: evening.addingTimeInterval(-3600), energyWh: 5000, meteredUntil: meteredUntil, counterWh: 12000)))
        // The retained plug state arrives: still connected, same session.
        driver.message("chargebridge/car1/plug", "connected")
        #expect(driver.core.openSessionId(vehicleId: "car1") == "car1-20251117T160000Z")
        // The counter moved by 700 Wh while the bridge was down: counted once, from where the ledger stopped.
        driver.message("wallbox/energy", "12700")
        let records = driver.advance(1).records
        #expect(records.map(\.energyWh) == [700])
        #expect(records.first?.start == meteredUntil)
        #expect(records.first?.sessionId == "car1-20251117T160000Z")
    }

    @Test func ownRetainedStateRestoresTheDriversWishesOnce() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(), start: evening)
        // After a restart the retained messages arrive before the service says the broker is there.
        driver.message("chargebridge/car1/state", #"{"mode": "off", "target_soc": 90, "ready_by_override": "06:00"}"#)
        driver.message("chargebridge/car1/plug", "connected")
        #expect(driver.actions.published("chargebridge/car1/state").isEmpty)
        #expect(driver.actions.published("chargebridge/car1/command").isEmpty)
        driver.send(.connected)
        #expect(driver.actions.published("chargebridge/car1/command") == ["stop"])
        let state = try #require(driver.actions.published("chargebridge/car1/state").last)
        #expect(state.contains(#""mode":"off""#))
        #expect(state.contains(#""target_soc":90"#))
        #expect(state.contains(#""ready_by":"06:00""#))
        // Our own later echoes change nothing.
        driver.message("chargebridge/car1/state", #"{"mode": "fast"}"#)
        #expect(!driver.actions.published("chargebridge/car1/state").last!.contains("fast"))
    }

    @Test func noPricesMeansChargingNowWithAWarning() throws {
        let config = try BridgeConfigLoader.parse("""
        broker: {url: "mqtt://127.0.0.1"}
        tariff:
          timeZone: Europe/Berlin
          currency: EUR
          tariffs: [{type: dynamic, currency: EUR}]
          dynamic: {prices: [{start: "2020-01-01T00:00:00Z", end: "2020-01-01T01:00:00Z", price: 10}]}
        vehicles: [{id: car1}]
        """, baseDirectory: URL(fileURLWithPath: "/tmp"))
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        let actions = driver.message("chargebridge/car1/plug", "connected")
        #expect(actions.logs.contains { $0.contains("cannot plan") })
        #expect(actions.published("chargebridge/car1/command") == ["start"])
    }

    @Test func discoveryAnnouncesEveryEntity() throws {
        let config = try BridgeFixtures.config()
        var driver = CoreDriver(config: config, start: evening)
        #expect(driver.send(.connected).contains(.announceDiscovery))
        let configs = HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages().compactMap { message -> (String, [String: Any])? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any] else { return nil }
            return (message.topic, object)
        }
        #expect(configs.count == 20 + 4) // and the site's: limit, house, chargers, available
        let topics = Set(configs.map(\.0))
        for expected in ["sensor/chargebridge_car1/session_energy", "sensor/chargebridge_car1/session_cost", "sensor/chargebridge_car1/cost_today",
                         "sensor/chargebridge_car1/cost_month", "binary_sensor/chargebridge_car1/plugged", "select/chargebridge_car1/mode",
                         "number/chargebridge_car1/target_soc", "text/chargebridge_car1/ready_by", "button/chargebridge_car1/boost"] {
            #expect(topics.contains("homeassistant/\(expected)/config"))
        }
        for (topic, object) in configs {
            #expect(object["availability_topic"] as? String == "chargebridge/status")
            let node = topic.contains("chargebridge_site_home") ? "chargebridge_site_home_" : "chargebridge_car1_"
            #expect((object["unique_id"] as? String)?.hasPrefix(node) == true)
            #expect(object["state_topic"] is String || object["command_topic"] is String)
        }
        let mode = try #require(configs.first { $0.0.contains("/select/") }?.1)
        #expect(mode["command_topic"] as? String == "chargebridge/car1/mode/set")
        #expect(mode["options"] as? [String] == ["smart", "fast", "solar", "min_solar", "off"])
    }
}
