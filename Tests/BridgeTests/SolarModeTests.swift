import Foundation
import Planning
import Testing
@testable import Bridge
import TestSupport

/// The solar modes (docs/site.md, "Solar"), broker-free: events in with their times, actions
/// out. A little site around the core: each charger draws exactly what it was last told and
/// says so, the grid meter reads the house plus the chargers less the PV every 5 s.
@Suite struct SolarModeTests {
    let morning = BridgeFixtures.at("2025-11-17T10:00:00Z")

    /// A site of 17,250 W with a grid meter and `location.solar` (`solar` YAML; nil: none).
    static func config(_ vehicles: String, solar: String? = "{pv_topic: solar/ac/power}", grid: Bool = true, limit: Int = 17_250) throws -> BridgeConfig {
        var location = "max_power_w: \(limit)"
        if grid { location += "\n  grid: {topic: meter/grid}" }
        if let solar { location += "\n  solar: \(solar)" }
        return try BridgeFixtures.config(vehicles: vehicles, location: location)
    }

    /// The house and the panels, and the time at which the site last published.
    struct Site {
        var houseW = 500.0
        var pvW = 0.0

        /// `seconds` of the site: every 5 s each charger reports what it was told and the meter
        /// reads; ticks every second. Returns car `id`'s told power after each reading, with the time.
        mutating func run(_ driver: inout CoreDriver, _ seconds: Double, watch id: String = "car1") -> [(at: Date, watts: Double)] {
            var seen: [(Date, Double)] = []
            var elapsed = 0.0
            while elapsed < seconds - 1e-9 {
                driver.advance(5)
                elapsed += 5
                let told = driver.core.toldPowers()
                for car in told where driver.core.isPlugged(vehicleId: car.vehicleId) {
                    driver.message("chargebridge/\(car.vehicleId)/power", String(Int(car.powerW)))
                }
                let chargers = told.reduce(0) { $0 + $1.powerW }
                driver.message("solar/ac/power", String(pvW))
                driver.message("meter/grid", String(Int((houseW + chargers - pvW).rounded())))
                seen.append((driver.now, driver.core.toldPowers().first { $0.vehicleId == id }?.powerW ?? 0))
            }
            return seen
        }
    }

    static func told(_ driver: CoreDriver, _ id: String = "car1") -> Double {
        driver.core.toldPowers().first { $0.vehicleId == id }?.powerW ?? 0
    }

    // MARK: The hysteresis alone

    @Test func theFollowerStartsAfterTheEnableDelayAndStopsAfterTheDisableDelay() {
        // (second, covered, on afterwards)
        let script: [(Double, Bool, Bool)] = [
            // Covered for 50 s, a gap, covered again: the enable delay counts from the gap's end.
            (0, true, false), (50, true, false), (55, false, false), (60, true, false), (119, true, false), (120, true, true),
            // A cloud of 170 s, sun for a moment, another of 175 s: still on (each shorter than 180 s).
            (200, false, true), (370, false, true), (375, true, true), (380, false, true), (555, false, true),
            // 180 s without cover: off; and a new start waits the enable delay again.
            (560, false, false), (600, true, false), (659, true, false), (660, true, true),
        ]
        var follower = SolarFollower()
        for (second, covered, on) in script {
            let now = morning.addingTimeInterval(second)
            let result = follower.update(covered: covered, at: now, enableDelay: 60, disableDelay: 180)
            #expect(result == on, "at \(second) s, covered \(covered)")
        }
        // A charger found drawing (a restart, a smart slot's end) goes on at once when covered.
        var running = SolarFollower()
        let goesOn = running.update(covered: true, running: true, at: morning, enableDelay: 60, disableDelay: 180)
        #expect(goesOn)
        var uncovered = SolarFollower()
        let stays = uncovered.update(covered: false, running: true, at: morning, enableDelay: 60, disableDelay: 180)
        #expect(!stays)
    }

    // MARK: solar

    @Test func aSolarCarStartsAfterTheEnableDelayFollowsTheSurplusAndRidesOutClouds() throws {
        var driver = CoreDriver(config: try Self.config(SiteGuardTests.currentCar("car1")), start: morning)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "solar")
        driver.message("chargebridge/car1/plug", "connected")
        var site = Site(houseW: 500, pvW: 7_000) // 6,500 W would be exported
        // Not before the surplus has covered the 4,140 W minimum for 60 s.
        let waiting = site.run(&driver, 55)
        #expect(waiting.allSatisfy { $0.watts == 0 })
        let started = site.run(&driver, 10)
        // The most a 6-15 A three-phase charger draws at or under 6,500 W: 9 A, 6,210 W.
        #expect(started.last?.watts == 6_210)
        #expect(driver.actions.published("chargebridge/car1/command").last == #"{"current": 9}"#)
        // More sun: 7,500 W surplus (the car's own 6,210 W are part of it): 10 A.
        site.pvW = 8_000
        #expect(site.run(&driver, 10).last?.watts == 6_900)
        // A cloud of 100 s: 1,500 W surplus, below the minimum: the car holds 6 A, no stop.
        site.pvW = 2_000
        let cloud = site.run(&driver, 100)
        #expect(cloud.allSatisfy { $0.watts >= 4_140 })
        #expect(cloud.last?.watts == 4_140)
        // The sun is back: following again (a raise waits 10 s after the reduction).
        site.pvW = 8_000
        #expect(site.run(&driver, 15).last?.watts == 6_900)
        // A long cloud: the stop comes 180 s after the surplus fell short, not before.
        site.pvW = 1_000
        let long = site.run(&driver, 240)
        let stop = try #require(long.first { $0.watts == 0 })
        let shortFrom = try #require(long.first).at // the first reading that showed it
        #expect(stop.at.timeIntervalSince(shortFrom) >= 180 && stop.at.timeIntervalSince(shortFrom) <= 185, "stopped \(stop.at.timeIntervalSince(shortFrom)) s after the surplus fell short")
        #expect(long.filter { $0.at < stop.at }.allSatisfy { $0.watts == 4_140 })
        // One start, one stop in all that: no flapping.
        #expect(driver.actions.published("chargebridge/car1/command").filter { $0 == "stop" }.count == 3) // on connect, at the plug-in, then the one
        #expect(driver.actions.published("chargebridge/car1/state").last?.contains(#""mode":"solar""#) == true)
    }

    @Test func aSurplusBelowTheMinimumStartsNothingAndASwitchWaitsForItsFullPower() throws {
        let vehicles = SiteGuardTests.currentCar("car1") + "\n" + """
          - id: plug
            capacity_wh: 40000
            max_power_w: 2300
            phases: 1
        """
        var driver = CoreDriver(config: try Self.config(vehicles), start: morning)
        driver.send(.connected)
        for id in ["car1", "plug"] {
            driver.message("chargebridge/\(id)/mode/set", "solar")
            driver.message("chargebridge/\(id)/plug", "connected")
        }
        // 2,000 W of surplus for 10 minutes: below the wallbox's 4,140 W and the relay's 2,300 W.
        var site = Site(houseW: 500, pvW: 2_500)
        _ = site.run(&driver, 600)
        #expect(Self.told(driver, "car1") == 0 && Self.told(driver, "plug") == 0)
        // 3,000 W: the relay's full power is covered (the wallbox's minimum still is not).
        site.pvW = 3_500
        let relay = site.run(&driver, 70, watch: "plug")
        #expect(relay.first { $0.watts > 0 }.map { $0.at.timeIntervalSince(relay[0].at) } ?? -1 >= 55)
        #expect(Self.told(driver, "plug") == 2_300 && Self.told(driver, "car1") == 0)
        // 7,000 W: the relay runs, so the wallbox is let in only when both minimums fit (6,440 W):
        // after 60 s; then the wallbox takes what the relay leaves, 4,140 W (4,700 W: 6 A).
        site.pvW = 7_500
        let both = site.run(&driver, 70)
        #expect(both.first { $0.watts > 0 }.map { $0.at.timeIntervalSince(both[0].at) } ?? -1 >= 55)
        #expect(Self.told(driver, "plug") == 2_300 && Self.told(driver, "car1") == 4_140)
    }

    @Test func twoSolarCarsShareTheSurplusFairly() throws {
        let vehicles = SiteGuardTests.currentCar("car1") + "\n" + SiteGuardTests.currentCar("car2")
        var driver = CoreDriver(config: try Self.config(vehicles, solar: "{enable_delay_s: 0, disable_delay_s: 0}"), start: morning)
        driver.send(.connected)
        for id in ["car1", "car2"] {
            driver.message("chargebridge/\(id)/mode/set", "solar")
            driver.message("chargebridge/\(id)/plug", "connected")
        }
        var site = Site(houseW: 500, pvW: 10_500) // 10,000 W
        _ = site.run(&driver, 30)
        // One level: 5,000 W each, rounded down to 7 A (4,830 W); the 340 W left buy no step.
        #expect(Self.told(driver, "car1") == 4_830 && Self.told(driver, "car2") == 4_830)
        // 6,000 W: only one minimum fits; the running cars keep their place in order, car2 stops
        // (its disable delay is 0 here).
        site.pvW = 6_500
        _ = site.run(&driver, 30)
        #expect(Self.told(driver, "car1") == 5_520 && Self.told(driver, "car2") == 0)
    }

    @Test func theSurplusIsWhatHigherPrioritiesLeave() throws {
        let vehicles = SiteGuardTests.currentCar("car1") + "\n" + SiteGuardTests.currentCar("fast")
        var driver = CoreDriver(config: try Self.config(vehicles, solar: "{enable_delay_s: 0}"), start: morning)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "solar")
        driver.message("chargebridge/fast/mode/set", "fast")
        driver.message("chargebridge/car1/plug", "connected")
        var site = Site(houseW: 500, pvW: 9_500) // 9,000 W
        _ = site.run(&driver, 20)
        #expect(Self.told(driver, "car1") == 8_970) // 13 A
        // A fast car arrives and takes its full 10,350 W (15 A): fast goes before the surplus, so
        // nothing is left to follow; the solar car holds its minimum for the disable delay (the
        // grid supplies it meanwhile), then stops.
        driver.message("chargebridge/fast/plug", "connected")
        #expect(Self.told(driver, "fast") == 10_350)
        #expect(Self.told(driver, "car1") == 4_140)
        _ = site.run(&driver, 170)
        #expect(Self.told(driver, "car1") == 4_140)
        _ = site.run(&driver, 20)
        #expect(Self.told(driver, "car1") == 0)
        #expect(Self.told(driver, "fast") == 10_350)
    }

    // MARK: min_solar

    @Test func minSolarChargesAtItsMinimumAtNightAndFollowsTheSunAboveIt() throws {
        var driver = CoreDriver(config: try Self.config(SiteGuardTests.currentCar("car1")), start: morning)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "min_solar")
        driver.message("chargebridge/car1/plug", "connected")
        var site = Site(houseW: 800, pvW: 0)
        let night = site.run(&driver, 60)
        // At once (no delay): the grid supplies the minimum, and no more.
        #expect(night.allSatisfy { $0.watts == 4_140 })
        // Sunrise: 7,200 W would be exported: 10 A.
        site.pvW = 8_000
        #expect(site.run(&driver, 10).last?.watts == 6_900)
        // Clouds: back to the minimum, never below.
        site.pvW = 500
        let cloudy = site.run(&driver, 300)
        #expect(cloudy.allSatisfy { $0.watts == 4_140 || $0.watts == 6_900 })
        #expect(cloudy.last?.watts == 4_140)
    }

    // MARK: smart

    @Test func aSmartCarTakesTheSurplusOutsideItsPlanWhileBelowItsTarget() throws {
        // 18:00 local: the plan waits for the night's off-peak price.
        let evening = BridgeFixtures.at("2025-11-17T17:00:00Z")
        for withSolar in [false, true] {
            var driver = CoreDriver(config: try Self.config(SiteGuardTests.currentCar("car1"), solar: withSolar ? "{}" : nil), start: evening)
            driver.send(.connected)
            driver.message("chargebridge/car1/soc", "40")
            driver.message("chargebridge/car1/plug", "connected")
            #expect(driver.core.plan(vehicleId: "car1")?.slots.first?.start ?? .distantPast > evening)
            var site = Site(houseW: 500, pvW: 6_500) // 6,000 W would be exported
            _ = site.run(&driver, 90)
            // With location.solar: after the enable delay, the surplus (5,520 W, 8 A); without: the plan alone.
            #expect(Self.told(driver) == (withSolar ? 5_520 : 0))
        }
    }

    @Test func aSmartCarInASlotTakesTheSurplusOnTopOfItsPlan() throws {
        // 05:00 local on a 6 kW connection: the car (a 6-16 A wallbox) needs 12 kWh by 07:00, so
        // its plan charges now at the most the connection allows, 8 A (5,520 W).
        let dawn = BridgeFixtures.at("2025-11-18T04:00:00Z")
        let car = SiteGuardTests.currentCar("car1") + "\n    max_power_w: 11040"
        for withSolar in [false, true] {
            var driver = CoreDriver(config: try Self.config(car, solar: withSolar ? "{}" : nil, limit: 6_000), start: dawn)
            driver.send(.connected)
            driver.message("chargebridge/car1/soc", "60")
            driver.message("chargebridge/car1/plug", "connected")
            var site = Site(houseW: 300, pvW: 0)
            _ = site.run(&driver, 30)
            let slot = try #require(driver.core.plan(vehicleId: "car1")?.slots.first { $0.start <= driver.now && driver.now < $0.end })
            #expect(slot.powerW == 5_520 && Self.told(driver) == 5_520)
            // 4,000 W of PV: 3,700 W of surplus, less than the plan takes already: nothing more.
            site.pvW = 4_000
            _ = site.run(&driver, 30)
            #expect(Self.told(driver) == 5_520)
            // 10,000 W of PV: 9,700 W of surplus, 4,180 W beyond the plan's 5,520 W: with
            // location.solar the car takes it, at 14 A (9,660 W; the room is 15,700 W); without, the plan.
            site.pvW = 10_000
            _ = site.run(&driver, 30)
            #expect(Self.told(driver) == (withSolar ? 9_660 : 5_520))
            // The sun goes: back to the plan's power at the next reading, not below it.
            site.pvW = 0
            _ = site.run(&driver, 10)
            #expect(Self.told(driver) == 5_520)
        }
    }

    // MARK: Without a grid meter

    @Test func theSolarModesWithoutAGridMeterLogOnce() throws {
        let vehicles = SiteGuardTests.currentCar("car1") + "\n" + SiteGuardTests.currentCar("car2")
        var driver = CoreDriver(config: try Self.config(vehicles, solar: nil, grid: false), start: morning)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "solar")
        driver.message("chargebridge/car2/mode/set", "min_solar")
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car2/plug", "connected")
        driver.advance(300)
        #expect(Self.told(driver, "car1") == 0)
        #expect(Self.told(driver, "car2") == 4_140)
        let logs = driver.actions.logs.filter { $0.contains("needs a grid meter") }
        #expect(logs == ["car1: solar needs a grid meter (location.grid) to see the surplus; it charges nothing",
                         "car2: min_solar needs a grid meter (location.grid) to see the surplus; it charges at its minimum only"])
    }

    // MARK: <base>/site

    @Test func theSitePayloadSaysTheSurplusAndThePV() throws {
        var driver = CoreDriver(config: try Self.config(SiteGuardTests.currentCar("car1"), solar: "{pv_topic: solar/ac/power, enable_delay_s: 0}"), start: morning)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "solar")
        driver.message("chargebridge/car1/plug", "connected")
        var site = Site(houseW: 700, pvW: 7_000)
        _ = site.run(&driver, 30)
        // The car takes 6,210 W of the 6,300 W: the meter sees 90 W exported, the surplus is still 6,300 W.
        #expect(Self.told(driver) == 6_210)
        #expect(driver.core.surplusW(now: driver.now) == 6_300)
        #expect(driver.core.pvW(now: driver.now) == 7_000)
        let payload = try #require(driver.actions.published("chargebridge/site").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        #expect(object["surplus_w"] as? Double == 6_300)
        #expect(object["pv_w"] as? Double == 7_000)
        #expect(object["grid_w"] as? Double == -90)
        #expect(object["house_w"] as? Double == -6_300) // the house net of the PV
        // A PV payload that is not a number is ignored, logged once.
        let bad = driver.message("solar/ac/power", "sunny") + driver.message("solar/ac/power", "cloudy")
        #expect(bad.logs.filter { $0.hasPrefix("PV: ignored") }.count == 1)
    }

    @Test func homeAssistantGetsASolarPowerSensorWithAPVTopicAndTheSolarModes() throws {
        func sitePayloads(_ solar: String?) throws -> [String: String] {
            let config = try Self.config(SiteGuardTests.currentCar("car1"), solar: solar)
            return Dictionary(uniqueKeysWithValues: HomeAssistantDiscovery(config: config, prefix: "homeassistant").siteMessages().map { ($0.topic, $0.payload) })
        }
        #expect(try sitePayloads(nil).keys.allSatisfy { !$0.contains("/pv/") })
        #expect(try sitePayloads("{}").keys.allSatisfy { !$0.contains("/pv/") })
        let withPV = try sitePayloads("{pv_topic: solar/ac/power}")
        let pv = try #require(withPV["homeassistant/sensor/chargebridge_site_home/pv/config"])
        #expect(pv.contains("value_json.pv_w") && pv.contains(#""device_class":"power""#))
        // The mode select offers the solar modes.
        let config = try Self.config(SiteGuardTests.currentCar("car1"))
        let mode = try #require(HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages().first { $0.topic.hasSuffix("/mode/config") })
        #expect(mode.payload.contains(#"["smart","fast","solar","min_solar","off"]"#))
    }

    /// Random events on a site with all three kinds of charger in every mode, the sun and the
    /// house moving: the chargers stay within the room at powers they can draw, and the cars in
    /// a solar mode are told together no more than the surplus the bridge sees, or their
    /// minimums while they hold them, but for the deadband (a small reduction not sent).
    @Test(arguments: [21, 22, 23, 24] as [UInt64])
    func solarCarsTakeNoMoreThanTheSurplusOrTheirMinimumsAndTheRoomHolds(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let vehicles = [
            SiteGuardTests.currentCar("a", minSoc: 20),
            "  - {id: b, capacity_wh: 40000, min_soc: 15, topics: {command_power: '{\"w\": {power_w}}'}, max_power_w: 7400, min_power_w: 1400}",
            "  - {id: c, capacity_wh: 40000, max_power_w: 3680, phases: 1}",
            SiteGuardTests.currentCar("d"),
        ].joined(separator: "\n")
        let config = try BridgeFixtures.config(vehicles: vehicles, location: "max_power_w: \([11000, 16000, 7000][Int(seed % 3)])\n  grid: {topic: meter/grid}\n  solar: {enable_delay_s: 30, disable_delay_s: 90}",
                                               extra: "metering: {power_stale_after_s: 20}")
        let ids = ["a", "b", "c", "d"]
        var driver = CoreDriver(config: config, start: morning.addingTimeInterval(Double(seed) * 977))
        driver.send(.connected)
        var house = 500.0, pv = 4000.0
        for _ in 0..<1500 {
            let id = ids.randomElement(using: &random)!
            let event: BridgeEvent
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<6: event = .message(topic: "chargebridge/\(id)/plug", payload: BridgeFixtures.bytes(Bool.random(using: &random) ? "connected" : "disconnected"))
            case 6..<16: event = .message(topic: "chargebridge/\(id)/mode/set", payload: BridgeFixtures.bytes(["smart", "fast", "off", "solar", "min_solar", "solar", "min_solar"].randomElement(using: &random)!))
            case 16..<18: event = .message(topic: "chargebridge/\(id)/boost/set", payload: BridgeFixtures.bytes(Bool.random(using: &random) ? "ON" : "OFF"))
            case 18..<24: event = .message(topic: "chargebridge/\(id)/soc", payload: BridgeFixtures.bytes(String(Int.random(in: 0...100, using: &random))))
            case 24..<36:
                let told = Self.told(driver, id)
                event = .message(topic: "chargebridge/\(id)/power", payload: BridgeFixtures.bytes(String(Int(told * Double.random(in: 0.8...1.0, using: &random)))))
            case 36..<70:
                // Clouds and sun, a kettle now and then.
                if Int.random(in: 0..<4, using: &random) == 0 { pv = Double.random(in: 0...14000, using: &random) }
                if Int.random(in: 0..<8, using: &random) == 0 { house = Double.random(in: 200...6000, using: &random) }
                let chargers = driver.core.toldPowers().reduce(0) { $0 + $1.powerW }
                event = .message(topic: "meter/grid", payload: BridgeFixtures.bytes(String(Int(house + chargers - pv + Double.random(in: -50...50, using: &random)))))
            case 70..<72: event = .connected
            default: event = .tick
            }
            let step: TimeInterval = switch Int.random(in: 0..<20, using: &random) {
            case 0: Double.random(in: 20...600, using: &random)
            case 1..<5: Double.random(in: 2...30, using: &random)
            default: Double.random(in: 0...3, using: &random)
            }
            driver.now = driver.now.addingTimeInterval(step)
            driver.send(event)
            let told = driver.core.toldPowers()
            let room = try #require(driver.core.guardRoomW(now: driver.now))
            #expect(told.reduce(0) { $0 + $1.powerW } <= max(0, room) + 1e-6, "seed \(seed): over the room after \(event)")
            for car in told where car.powerW > 0 {
                #expect(SiteGuardTests.drawable(car.powerW, by: car.charger), "seed \(seed): \(car.vehicleId) told \(car.powerW) W")
            }
            let solar = told.filter { car in
                car.powerW > 0 && driver.actions.published("chargebridge/\(car.vehicleId)/state").last.map { $0.contains(#""mode":"solar""#) || $0.contains(#""mode":"min_solar""#) } == true
                    && driver.actions.published("chargebridge/\(car.vehicleId)/state").last?.contains(#""boost":true"#) == false
            }
            let solarW = solar.reduce(0) { $0 + $1.powerW }
            let minimumsW = solar.reduce(0) { $0 + $1.charger.minPowerW }
            let deadbandsW = solar.reduce(0) { $0 + SiteGuard.deadbandW($1.charger) }
            #expect(solarW <= max(driver.core.surplusW(now: driver.now), minimumsW) + deadbandsW + 1e-6,
                    "seed \(seed): solar cars told \(solarW) W with \(driver.core.surplusW(now: driver.now)) W of surplus after \(event)")
        }
    }
}
