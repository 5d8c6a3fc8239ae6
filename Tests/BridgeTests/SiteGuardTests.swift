import Foundation
import Planning
import Testing
@testable import Bridge
import Tariffs
import TestSupport

/// The site guard (docs/site.md): what the chargers are told keeps them together at or under
/// the limit less the house load, by priority, at powers each charger can draw, stops and
/// reductions first. Broker-free: events in with their times, actions out.
@Suite struct SiteGuardTests {
    // Monday 2025-11-17, 18:00 local in Amsterdam: peak price, smart cars wait.
    let evening = BridgeFixtures.at("2025-11-17T17:00:00Z")

    /// A 6-16 A three-phase wallbox told a current (`{"current": N}`): 4,140 to 11,040 W.
    static let wallbox = Charger.current(phases: 3, maxCurrentA: 16)

    /// `vehicles` (YAML list items), then each vehicle's charger replaced by `chargers[id]`
    /// (max power following it), with an optional grid meter on `meter/grid`.
    static func config(_ vehicles: String, chargers: [String: Charger] = [:], limit: Double? = 11000,
                       grid: BridgeConfig.GridMeter? = nil, extra: String = "") throws -> BridgeConfig {
        var config = try BridgeFixtures.config(vehicles: vehicles, location: limit.map { "max_power_w: \(Int($0))" } ?? "", extra: extra)
        config.location.grid = grid
        for index in config.vehicles.indices {
            guard let charger = chargers[config.vehicles[index].id] else { continue }
            config.vehicles[index].charger = charger
            config.vehicles[index].maxPowerW = charger.maxPowerW
            config.vehicles[index].phases = charger.phases
        }
        return config
    }

    /// A vehicle entry whose charger takes `{"current": {current_a}}`.
    static func currentCar(_ id: String, minSoc: Int = 0) -> String {
        """
          - id: \(id)
            capacity_wh: 60000
            efficiency: 1.0
            min_soc: \(minSoc)
            phases: 3
            topics: {command_power: '{"current": {current_a}}'}
        """
    }

    /// A vehicle entry with a switch charger (start/stop).
    static func switchCar(_ id: String) -> String {
        """
          - id: \(id)
            capacity_wh: 60000
            efficiency: 1.0
        """
    }

    /// The commands in `actions`, in order, as (vehicle, payload).
    static func commands(_ actions: [BridgeAction]) -> [(String, String)] {
        actions.compactMap {
            guard case let .publish(topic, payload, _) = $0, topic.hasSuffix("/command") else { return nil }
            return (topic.split(separator: "/")[1].description, payload)
        }
    }

    static func total(_ core: BridgeCore) -> Double { core.toldPowers().reduce(0) { $0 + $1.powerW } }

    /// Whether `powerW` (above 0) is one `charger` can draw: a switch's full power, a current
    /// charger's step, a power charger's whole watts within its range.
    static func drawable(_ powerW: Double, by charger: Charger) -> Bool {
        switch charger.kind {
        case .switch: powerW == charger.maxPowerW
        case .current: charger.steps!.contains { abs($0 - powerW) < 1e-6 }
        case .power: powerW >= charger.minPowerW && powerW <= charger.maxPowerW && powerW == powerW.rounded()
        }
    }

    @Test func twoFastCarsUnderElevenKilowattsShareFairlyAtDrawableCurrents() throws {
        let config = try Self.config(Self.currentCar("car1") + "\n" + Self.currentCar("car2"), chargers: ["car1": Self.wallbox, "car2": Self.wallbox])
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "fast")
        driver.message("chargebridge/car2/mode/set", "fast")
        // Alone, car1 takes what the limit allows in whole amperes: 15 A x 690 W = 10,350 W.
        let first = driver.message("chargebridge/car1/plug", "connected")
        #expect(Self.commands(first).map(\.1) == [#"{"current": 15}"#])
        // car2 arrives: 11,000 W / 2 = 5,500 W = 7.97 A each; rounded down to 7 A, and the
        // 1,340 W left give car1 one step more. car1's reduction goes out before car2's start.
        let second = driver.message("chargebridge/car2/plug", "connected")
        #expect(Self.commands(second).map(\.0) == ["car1", "car2"])
        #expect(Self.commands(second).map(\.1) == [#"{"current": 8}"#, #"{"current": 7}"#])
        #expect(Self.total(driver.core) == 8 * 690 + 7 * 690)
        #expect(Self.total(driver.core) <= 11000)
        // car2 leaves: car1 goes back up to 15 A, after the 10 s raise delay of its reduction.
        driver.message("chargebridge/car2/plug", "disconnected")
        #expect(Self.commands(driver.advance(5)).isEmpty)
        #expect(Self.commands(driver.advance(6)).map(\.1) == [#"{"current": 15}"#])
    }

    @Test func boostBeatsFastBeatsMinimumSocBeatsSmart() throws {
        let oneSixteen = Charger.current(phases: 1, maxCurrentA: 16) // 1,380-3,680 W
        let vehicles = [Self.currentCar("smart", minSoc: 30), Self.currentCar("fast"), Self.currentCar("boost")].joined(separator: "\n")
        let config = try Self.config(vehicles, chargers: ["smart": oneSixteen, "fast": Self.wallbox, "boost": oneSixteen])
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("chargebridge/smart/soc", "10") // below its min_soc: charged at once
        driver.message("chargebridge/fast/mode/set", "fast")
        driver.message("chargebridge/boost/soc", "50")
        driver.message("chargebridge/boost/boost/set", "ON")
        driver.message("chargebridge/fast/plug", "connected")
        driver.message("chargebridge/boost/plug", "connected")
        driver.message("chargebridge/smart/plug", "connected")
        // Boost first (16 A on one phase: 3,680 W), then fast in what is left (7,320 W: 10 A
        // on three phases, 6,900 W), then the min_soc car: 420 W left is below its 6 A.
        var told = Dictionary(uniqueKeysWithValues: driver.core.toldPowers().map { ($0.vehicleId, $0.powerW) })
        #expect(told == ["boost": 3680, "fast": 6900, "smart": 0])
        #expect(driver.actions.published("chargebridge/boost/command").last == #"{"current": 16}"#)
        #expect(driver.actions.published("chargebridge/fast/command").last == #"{"current": 10}"#)
        #expect(driver.actions.published("chargebridge/smart/command").last == "stop")
        // The boost car leaves: fast gets 15 A; the min_soc car still nothing (650 W).
        driver.message("chargebridge/boost/plug", "disconnected")
        driver.advance(11)
        told = Dictionary(uniqueKeysWithValues: driver.core.toldPowers().map { ($0.vehicleId, $0.powerW) })
        #expect(told == ["boost": 0, "fast": 10350, "smart": 0])
        // Fast switched off: the min_soc car charges at full power at the peak price.
        let off = driver.message("chargebridge/fast/mode/set", "off")
        #expect(Self.commands(off).map(\.0) == ["fast", "smart"])
        #expect(driver.actions.published("chargebridge/smart/command").last == #"{"current": 16}"#)
        // Above min_soc it is a smart car again: its plan waits for the night (after the
        // minute a started charger stays on).
        let above = driver.message("chargebridge/smart/soc", "35")
        #expect(Self.commands(above).isEmpty)
        #expect(Self.commands(driver.advance(60)).map(\.1) == ["stop"])
    }

    @Test func aSmartPlanGetsWhatFastLeavesAtMostItsSlotPower() throws {
        // 05:00 local: off-peak, and 2 h to the departure are too few: the plan charges now.
        let night = BridgeFixtures.at("2025-11-18T04:00:00Z")
        let config = try Self.config(Self.currentCar("smart") + "\n" + Self.currentCar("fast"), chargers: ["smart": Self.wallbox, "fast": Self.wallbox])
        var driver = CoreDriver(config: config, start: night)
        driver.send(.connected)
        driver.message("chargebridge/smart/soc", "20")
        driver.message("chargebridge/smart/plug", "connected")
        let plan = try #require(driver.core.plan(vehicleId: "smart"))
        let slot = try #require(plan.slots.first { $0.start <= night && night < $0.end })
        let alone = try #require(driver.core.toldPowers().first { $0.vehicleId == "smart" }?.powerW)
        #expect(alone > 0 && alone <= slot.powerW)
        #expect(Self.wallbox.steps!.contains { abs($0 - alone) < 1e-6 })
        // A fast car comes: the smart one gives way (fast is served first), down to what is left.
        driver.message("chargebridge/fast/mode/set", "fast")
        let fast = driver.message("chargebridge/fast/plug", "connected")
        let told = Dictionary(uniqueKeysWithValues: driver.core.toldPowers().map { ($0.vehicleId, $0.powerW) })
        #expect(told["fast"] == 10350)
        #expect(told["smart"] == 0) // 650 W left: below 6 A
        #expect(Self.commands(fast).map(\.0) == ["smart", "fast"])
    }

    @Test func aSwitchChargerWaitsUntilItsFullPowerFits() throws {
        // car1: a switch charger of 7,400 W (no command_power); car2: a wallbox.
        let config = try Self.config(Self.switchCar("car1") + "\n" + Self.currentCar("car2"),
                                     chargers: ["car1": .switched(powerW: 7400, phases: 1), "car2": Self.wallbox])
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "fast")
        driver.message("chargebridge/car2/mode/set", "fast")
        driver.message("chargebridge/car2/plug", "connected")
        // car2 runs at 15 A; car1's 7,400 W does not fit beside car2's 4,140 W minimum: it waits.
        // (The plug-in says the stop again: a charger that starts by itself hears it.)
        let waits = driver.message("chargebridge/car1/plug", "connected")
        #expect(Self.commands(waits).map(\.1) == ["stop"])
        #expect(driver.actions.published("chargebridge/car1/command") == ["stop", "stop"])
        #expect(driver.advance(30).published("chargebridge/car1/command").isEmpty)
        // car2 is switched off: car1 starts at once, at its full power.
        let off = driver.message("chargebridge/car2/mode/set", "off")
        #expect(Self.commands(off).map(\.0) == ["car2", "car1"])
        #expect(Self.commands(off).map(\.1) == ["stop", "start"])
        #expect(Self.total(driver.core) == 7400)
    }

    /// car1 (a 7,400 W switch charger) and car2 (a wallbox, first in the file) plugged in fast
    /// beside a 300 W house: car1 runs, car2 waits for room.
    func switchCarRunningBesideAWaitingWallbox() throws -> CoreDriver {
        let config = try Self.config(Self.currentCar("car2") + "\n" + Self.switchCar("car1"),
                                     chargers: ["car1": .switched(powerW: 7400, phases: 1), "car2": Self.wallbox],
                                     grid: .init(topic: "meter/grid"))
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("meter/grid", "300")
        driver.message("chargebridge/car1/mode/set", "fast")
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car2/mode/set", "fast")
        driver.message("chargebridge/car2/plug", "connected")
        return driver
    }

    @Test func aHouseLoadJumpStopsAndReducesFirstWithinTheReadingsOwnHandle() throws {
        // car2 (a wallbox, first in the file) waits while car1's switch charger runs; the house
        // jumps: car1 no longer fits and stops, car2 starts in what is left, car1's stop first.
        var driver = try switchCarRunningBesideAWaitingWallbox()
        #expect(driver.actions.published("chargebridge/car1/command") == ["stop", "start"])
        #expect(driver.actions.published("chargebridge/car2/command") == ["stop", "stop"]) // on connect, at its plug-in
        driver.advance(2)
        driver.message("chargebridge/car1/power", "7400")
        driver.message("meter/grid", "7700") // house 300 W
        #expect(driver.core.guardHouseW(now: driver.now) == 300)
        // A cooker: the house takes 6,300 W. Acted on in this very call, not at a tick.
        driver.now = driver.now.addingTimeInterval(0.3)
        let jump = driver.message("meter/grid", "13700")
        #expect(driver.core.guardHouseW(now: driver.now) == 6300)
        #expect(Self.commands(jump).map(\.0) == ["car1", "car2"])
        #expect(Self.commands(jump).map(\.1) == ["stop", #"{"current": 6}"#])
        #expect(Self.total(driver.core) <= 11000 - 6300)
        // The site topic says so (within the second it allows).
        driver.advance(1)
        let site = try #require(driver.actions.published("chargebridge/site").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(site.utf8)) as? [String: Any])
        #expect(object["limit_w"] as? Double == 11000)
        #expect(object["house_w"] as? Double == 6300)
        #expect(object["available_w"] as? Double == 4700)
        #expect(object["grid_w"] as? Double == 13700)
        // The cooker goes off: car2, running, rises to 15 A; car1 (7,400 W beside car2's
        // 4,140 W minimum > 10,700 W) waits.
        driver.message("chargebridge/car1/power", "0")
        var later: [BridgeAction] = []
        for _ in 0..<130 {
            // car2 draws what it is told and says so; the meter sees it and the 300 W house.
            driver.now = driver.now.addingTimeInterval(1)
            let car2 = driver.core.toldPowers().first { $0.vehicleId == "car2" }!.powerW
            later += driver.message("chargebridge/car2/power", String(Int(car2)))
            later += driver.message("meter/grid", String(Int(car2 + 300)))
        }
        #expect(Self.commands(later).map(\.1) == [#"{"current": 15}"#])
        #expect(Self.total(driver.core) <= 11000 - 300)
        // car2 is switched off: car1, whose 2 minutes off are over, starts after car2's stop.
        let off = driver.message("chargebridge/car2/mode/set", "off")
        #expect(Self.commands(off).map(\.0) == ["car2", "car1"])
        #expect(Self.commands(off).map(\.1) == ["stop", "start"])
    }

    @Test func aChargersLaggingPowerReadingDoesNotHideTheHouse() throws {
        // car1 (switch, 7,400 W) was just stopped by a house jump; its power topic still says
        // 7,400 W when the meter already sees it at 0. Taking 7,400 W off that reading would
        // make the house 7,400 W smaller than it is, and car2 would be raised into room the fuse
        // does not have (seen end to end). The house is counted with what car1 was told (0 W).
        var driver = try switchCarRunningBesideAWaitingWallbox()
        driver.advance(2)
        driver.message("chargebridge/car1/power", "7400")
        driver.message("meter/grid", "7700") // house 300 W
        driver.now = driver.now.addingTimeInterval(0.3)
        driver.message("meter/grid", "13700") // house 6,300 W: car1 stops, car2 gets 6 A
        #expect(driver.core.guardHouseW(now: driver.now) == 6300)
        // car1 obeyed (the meter sees 6,300 W of house + car2's 4,140 W), but its power topic
        // has not spoken yet: the house is still 6,300 W, not 6,300 - 7,400.
        driver.now = driver.now.addingTimeInterval(0.5)
        driver.message("chargebridge/car2/power", "4140")
        let reading = driver.message("meter/grid", "10440")
        #expect(driver.core.guardHouseW(now: driver.now) == 6300)
        #expect(Self.commands(reading).isEmpty)
        #expect(Self.total(driver.core) <= 11000 - 6300)
    }

    @Test func aReadingTakenBeforeAStartDoesNotHandOutRoomTwice() throws {
        // car2 (a wallbox) starts at 15 A; its power topic says so before the meter's reading
        // that was taken just before it drew (two publishers, no order between them; seen end
        // to end). That reading less car2's 10,350 W makes the house -10,050 W: room for car1's
        // plug, which would then overload the connection by 1,950 W. Nothing else starts or
        // rises until a second reading after the start has shown it.
        let config = try Self.config(Self.currentCar("car2") + "\n" + Self.switchCar("car1"),
                                     chargers: ["car1": .switched(powerW: 2300, phases: 1), "car2": Self.wallbox],
                                     grid: .init(topic: "meter/grid"))
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("meter/grid", "300")
        driver.message("chargebridge/car2/mode/set", "fast")
        #expect(Self.commands(driver.message("chargebridge/car2/plug", "connected")).map(\.1) == [#"{"current": 15}"#])
        driver.now = driver.now.addingTimeInterval(0.5)
        driver.message("chargebridge/car2/power", "10350")
        driver.message("meter/grid", "300") // taken before car2 drew
        driver.message("chargebridge/car1/mode/set", "fast")
        #expect(Self.commands(driver.message("chargebridge/car1/plug", "connected")).allSatisfy { $0.1 == "stop" })
        #expect(Self.total(driver.core) <= 11000 - 300)
        // The next reading shows the house as it is: car1 gets its share now, car2 reduced first.
        driver.now = driver.now.addingTimeInterval(1)
        let shown = driver.message("meter/grid", "10650")
        #expect(driver.core.guardHouseW(now: driver.now) == 300)
        #expect(Self.commands(shown).map(\.0) == ["car2", "car1"])
        #expect(Self.total(driver.core) <= 11000 - 300)
        #expect(driver.core.toldPowers().first { $0.vehicleId == "car1" }?.powerW == 2300)
    }

    @Test func aStoppedChargerStaysOffTwoMinutesUnlessThePlugSaysNewCar() throws {
        let config = try Self.config(Self.currentCar("car1"), chargers: ["car1": Self.wallbox])
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/plug", "connected")
        #expect(Self.commands(driver.message("chargebridge/car1/mode/set", "fast")).map(\.1) == [#"{"current": 15}"#])
        #expect(Self.commands(driver.message("chargebridge/car1/mode/set", "off")).map(\.1) == ["stop"])
        // Fast again at once: the contactor just opened; the start waits 120 s.
        #expect(Self.commands(driver.message("chargebridge/car1/mode/set", "fast")).isEmpty)
        #expect(Self.commands(driver.advance(119)).isEmpty)
        #expect(Self.commands(driver.advance(1)).map(\.1) == [#"{"current": 15}"#])
        // Unplugged and plugged in again (a new car): no hold.
        driver.message("chargebridge/car1/plug", "disconnected")
        #expect(Self.commands(driver.message("chargebridge/car1/plug", "connected")).map(\.1) == [#"{"current": 15}"#])
    }

    @Test func aPlugInRepeatsTheStopWhenThePlanSaysNotNow() throws {
        // A charger that starts by itself at plug-in (OpenEVSE without an override) must hear
        // the stop again: the one it was told before was for the empty socket.
        let config = try Self.config(Self.currentCar("car1") + "\n" + Self.currentCar("car2"),
                                     chargers: ["car1": Self.wallbox, "car2": Self.wallbox])
        var driver = CoreDriver(config: config, start: evening)
        #expect(Self.commands(driver.send(.connected)).map(\.1) == ["stop", "stop"])
        driver.message("chargebridge/car2/plug", "connected")
        driver.message("chargebridge/car2/mode/set", "fast")
        #expect(Self.commands(driver.advance(60)).isEmpty)
        #expect(Self.total(driver.core) == 10_350) // 15 A under 11,000 W
        // car1 plugs in at the peak: no slot now (car2 takes the room); only car1 hears stop, once.
        let plugIn = Self.commands(driver.message("chargebridge/car1/plug", "connected"))
        #expect(plugIn.map(\.0) == ["car1"] && plugIn.map(\.1) == ["stop"])
        let plan = try #require(driver.core.plan(vehicleId: "car1"))
        #expect(!plan.slots.contains { $0.start <= driver.now && driver.now < $0.end })
        #expect(Self.commands(driver.advance(600)).isEmpty)
        #expect(Self.total(driver.core) == 10_350) // car2 kept its power, car1 nothing
        // Unplugged and in again: the stop again.
        driver.message("chargebridge/car1/plug", "disconnected")
        #expect(Self.commands(driver.message("chargebridge/car1/plug", "connected")).map(\.1) == ["stop"])
    }

    @Test func aStaleMeterCountsTheHouseAtItsHighestOfTheLastHour() throws {
        let config = try Self.config(Self.currentCar("car1"), chargers: ["car1": Self.wallbox], grid: .init(topic: "meter/grid", path: "$.power", scale: 1000),
                                     extra: "metering: {power_stale_after_s: 10}")
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "fast")
        driver.message("chargebridge/car1/plug", "connected")
        // No reading yet: the chargers wait for the meter (stopped on connect, not started).
        #expect(driver.actions.published("chargebridge/car1/command") == ["stop"])
        driver.message("meter/grid", #"{"power": 5.0}"#) // kW: a house of 5,000 W
        #expect(driver.actions.published("chargebridge/car1/command").last == #"{"current": 8}"#) // 6,000 W room: 8 A
        for _ in 0..<20 {
            driver.now = driver.now.addingTimeInterval(3)
            driver.message("chargebridge/car1/power", "5520")
            driver.message("meter/grid", #"{"power": 6.52}"#) // house 1,000 W
        }
        #expect(driver.core.guardHouseW(now: driver.now) == 1000)
        #expect(driver.actions.published("chargebridge/car1/command").last == #"{"current": 14}"#) // 10,000 W room
        // The meter goes silent: after 10 s the house counts at its 5,000 W of the last hour.
        let silent = driver.advance(11)
        #expect(abs((driver.core.guardHouseW(now: driver.now) ?? 0) - 5000) < 1e-6)
        #expect(Self.commands(silent).map(\.1) == [#"{"current": 8}"#])
        // A power reading alone does not wait for the tick either when the room shrank.
        #expect(driver.core.guardRoomW(now: driver.now) == 6000)
    }

    @Test func noPricesFastAndSmartShareAtTheSamePriority() throws {
        var config = try BridgeConfigLoader.parse("""
        broker: {url: "mqtt://127.0.0.1"}
        location: {max_power_w: 11000}
        tariff:
          timeZone: Europe/Berlin
          currency: EUR
          tariffs: [{type: dynamic, currency: EUR}]
          dynamic: {prices: [{start: "2020-01-01T00:00:00Z", end: "2020-01-01T01:00:00Z", price: 10}]}
        vehicles:
          - {id: car1, phases: 3, topics: {command_power: '{"amps": {current_a}}'}}
          - {id: car2, phases: 3, topics: {command_power: '{"amps": {current_a}}'}}
          - {id: car3}
        """, baseDirectory: URL(fileURLWithPath: "/tmp"))
        config.vehicles[2].charger = .switched(powerW: 3680, phases: 1)
        config.vehicles[2].maxPowerW = 3680
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "fast")
        driver.message("chargebridge/car3/plug", "connected") // smart, no prices: charges now
        driver.message("chargebridge/car1/plug", "connected")
        let both = driver.message("chargebridge/car2/plug", "connected") // smart, no prices
        #expect(both.logs.contains { $0.contains("cannot plan") })
        // One priority for all three: car3's switch (running) keeps its 3,680 W; the wallboxes
        // share 7,320 W: 5 A is below their minimum, so car1 (running) keeps 10 A and car2 waits.
        let told = Dictionary(uniqueKeysWithValues: driver.core.toldPowers().map { ($0.vehicleId, $0.powerW) })
        #expect(told == ["car1": 6900, "car2": 0, "car3": 3680])
        #expect(Self.total(driver.core) <= 11000)
        #expect(driver.actions.published("chargebridge/car1/command").last == #"{"amps": 10}"#)
    }

    @Test func theJointPlanReservesWhatTheGuardGivesTheFastCars() throws {
        // 05:00 local, 2 h before the departure: the smart car must charge now. Two fast cars
        // with 11 kW switch chargers on 16 kW: only one fits, so the plan reserves 11 kW (not
        // 22 kW, which would leave the smart car nothing) and plans the smart car in 5 kW.
        let night = BridgeFixtures.at("2025-11-18T04:00:00Z")
        let vehicles = [Self.switchCar("a"), Self.switchCar("b"), Self.currentCar("smart")].joined(separator: "\n")
        let config = try Self.config(vehicles, chargers: ["a": .switched(powerW: 11000), "b": .switched(powerW: 11000), "smart": Self.wallbox], limit: 16000)
        var driver = CoreDriver(config: config, start: night)
        driver.send(.connected)
        driver.message("chargebridge/a/mode/set", "fast")
        driver.message("chargebridge/b/mode/set", "fast")
        driver.message("chargebridge/a/plug", "connected")
        driver.message("chargebridge/b/plug", "connected")
        driver.message("chargebridge/smart/soc", "20")
        driver.message("chargebridge/smart/plug", "connected")
        let plan = try #require(driver.core.plan(vehicleId: "smart"))
        let now = try #require(plan.slots.first { $0.start <= driver.now && driver.now < $0.end })
        #expect(now.powerW > 4140 && now.powerW <= 5000 + 1e-6)
        let told = Dictionary(uniqueKeysWithValues: driver.core.toldPowers().map { ($0.vehicleId, $0.powerW) })
        #expect(told == ["a": 11000, "b": 0, "smart": 4830]) // 7 A: at most the slot's power
    }

    @Test func aMeterSilentSinceStartLeavesNoRoomAndSurplusIsWhatWouldBeExported() throws {
        let config = try Self.config(Self.currentCar("car1"), chargers: ["car1": Self.wallbox], grid: .init(topic: "meter/grid", exportPositive: true),
                                     extra: "metering: {power_stale_after_s: 10}")
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("chargebridge/car1/mode/set", "fast")
        driver.message("chargebridge/car1/plug", "connected")
        // Starts wait for the meter's first reading, up to its staleness limit ...
        #expect(driver.advance(9).published("chargebridge/car1/command").isEmpty)
        // ... then the meter is not trusted: no room, the charger stays stopped; logged once.
        let silent = driver.advance(2)
        #expect(silent.logs.filter { $0.contains("grid meter") }.count == 1)
        #expect(driver.actions.published("chargebridge/car1/command") == ["stop", "stop"]) // on connect, at the plug-in
        #expect(driver.core.guardRoomW(now: driver.now) == 0)
        // The meter speaks (export positive: 2,000 W exported by the solar panels).
        let reading = driver.message("meter/grid", "2000")
        #expect(reading.published("chargebridge/car1/command") == [#"{"current": 16}"#]) // 13,000 W room: its full 16 A
        driver.message("chargebridge/car1/power", "0")
        driver.advance(1)
        let site = try #require(driver.actions.published("chargebridge/site").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(site.utf8)) as? [String: Any])
        #expect(object["grid_w"] as? Double == -2000)
        #expect(object["surplus_w"] as? Double == 2000)
        #expect(object["house_w"] as? Double == -2000)
    }

    @Test func aRestartMidChargeWaitsForTheMeterButStopsAtOnce() throws {
        // Restarted while both cars charge fast; the meter has not spoken yet. Nothing is
        // started (the chargers keep what they were told before the restart), but the driver
        // switching car2 off is obeyed at once.
        let config = try Self.config(Self.currentCar("car1") + "\n" + Self.currentCar("car2"),
                                     chargers: ["car1": Self.wallbox, "car2": Self.wallbox], grid: .init(topic: "meter/grid"))
        var driver = CoreDriver(config: config, start: evening)
        driver.message("chargebridge/car1/state", #"{"mode": "fast"}"#)
        driver.message("chargebridge/car2/state", #"{"mode": "fast"}"#)
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car2/plug", "connected")
        #expect(Self.commands(driver.send(.connected)).isEmpty)
        #expect(Self.commands(driver.advance(3)).isEmpty)
        #expect(Self.commands(driver.message("chargebridge/car2/mode/set", "off")).map(\.1) == ["stop"])
        driver.message("chargebridge/car1/power", "10350")
        let reading = driver.message("meter/grid", "10650") // house 300 W: car1 may keep its 15 A
        #expect(Self.commands(reading).map(\.1) == [#"{"current": 15}"#])
    }

    @Test func aRunningChargerIsNotMovedByLessThanItsDeadbandUnlessTheRoomNeedsIt() throws {
        // A 1,400-7,400 W power charger in fast under 11 kW with a 5 kW house: it gets the room.
        let config = try Self.config("  - {id: c, capacity_wh: 40000, topics: {command_power: '{\"w\": {power_w}}'}}",
                                     chargers: ["c": .power(minPowerW: 1400, maxPowerW: 7400, phases: 1)],
                                     grid: .init(topic: "meter/grid"))
        #expect(SiteGuard.deadbandW(config.vehicles[0].charger) == 100)
        #expect(SiteGuard.deadbandW(.power(minPowerW: 1400, maxPowerW: 22000, phases: 3)) == 220)
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("meter/grid", "5000")
        driver.message("chargebridge/c/mode/set", "fast")
        driver.message("chargebridge/c/plug", "connected")
        #expect(driver.actions.published("chargebridge/c/command").last == #"{"w": 6000}"#)
        driver.advance(30)
        driver.message("chargebridge/c/power", "6000")
        // The house falls by 60 W: 6,060 W would fit, but 60 W is within the deadband.
        driver.now = driver.now.addingTimeInterval(1)
        #expect(Self.commands(driver.message("meter/grid", "10940")).isEmpty)
        #expect(Self.total(driver.core) == 6000)
        // The house rises 4 W above where it was: the room needs the reduction, however small.
        driver.now = driver.now.addingTimeInterval(1)
        #expect(Self.commands(driver.message("meter/grid", "11004")).map(\.1) == [#"{"w": 5996}"#])
        #expect(Self.total(driver.core) <= 11000 - 5004)
        // Beyond the deadband and the 10 s after that reduction, the raise goes out.
        driver.advance(10)
        driver.message("chargebridge/c/power", "5996")
        driver.now = driver.now.addingTimeInterval(1)
        #expect(Self.commands(driver.message("meter/grid", "10896")).map(\.1) == [#"{"w": 6100}"#])
    }

    @Test func aRaiseWaitsTenSecondsAfterAReductionWhateverEventAsksForIt() throws {
        let config = try Self.config(Self.currentCar("car1"), chargers: ["car1": Self.wallbox], grid: .init(topic: "meter/grid"))
        var driver = CoreDriver(config: config, start: evening)
        driver.send(.connected)
        driver.message("meter/grid", "300")
        driver.message("chargebridge/car1/mode/set", "fast")
        driver.message("chargebridge/car1/plug", "connected")
        #expect(driver.actions.published("chargebridge/car1/command").last == #"{"current": 15}"#)
        driver.advance(90)
        driver.message("chargebridge/car1/power", "10350")
        // A kettle: 2,300 W more. Reduced at once to 12 A (8,280 W of 8,400 W).
        let reducedAt = driver.now.addingTimeInterval(1)
        driver.now = reducedAt
        #expect(Self.commands(driver.message("meter/grid", "12950")).map(\.1) == [#"{"current": 12}"#])
        driver.message("chargebridge/car1/power", "8280")
        // The kettle is off 8 s later; readings, a state of charge and ticks ask for 15 A again
        // but none of them raises it before 10 s after the reduction.
        var early: [BridgeAction] = []
        for offset in [8.0, 8.5, 9.0, 9.5, 9.999] {
            driver.now = reducedAt.addingTimeInterval(offset)
            early += driver.message("meter/grid", "8580")
            early += driver.message("chargebridge/car1/soc", "40")
            early += driver.send(.tick)
        }
        #expect(Self.commands(early).isEmpty)
        driver.now = reducedAt.addingTimeInterval(10)
        #expect(Self.commands(driver.message("meter/grid", "8580")).map(\.1) == [#"{"current": 15}"#])
    }

    @Test func payloadsAreWholeStepsWithoutSpuriousDecimals() {
        var topics = try! BridgeFixtures.config().vehicles[0].topics
        topics.commandPower = #"{"a": {current_a}, "w": {power_w}}"#
        let half = Charger.current(phases: 1, minCurrentA: 6, maxCurrentA: 32, stepA: 0.5)
        #expect(ChargerCommand.start(powerW: 1495).payload(topics: topics, charger: half) == #"{"a": 6.5, "w": 1495}"#)
        // 1,600 W is 6.96 A: 6.5 A, and 1,495 W is what that draws.
        #expect(ChargerCommand.start(powerW: 1600).payload(topics: topics, charger: half) == #"{"a": 6.5, "w": 1495}"#)
        #expect(ChargerCommand.start(powerW: 11040).payload(topics: topics, charger: Self.wallbox) == #"{"a": 16, "w": 11040}"#)
        #expect(ChargerCommand.start(powerW: 5519.9999).payload(topics: topics, charger: Self.wallbox) == #"{"a": 8, "w": 5520}"#)
        #expect(ChargerCommand.stop.payload(topics: topics, charger: Self.wallbox) == "stop")
    }

    /// Random plug-ins, modes, boosts, states of charge, charger powers, grid readings that jump
    /// and fall (and go silent), reconnects and time: after every event the chargers together are
    /// told at most the limit less the house load the core counts with, each a power its charger
    /// can draw, and within each event no start or increase is published before a stop or reduction.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func theChargersNeverExceedTheRoom(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let chargers: [String: Charger] = [
            "a": Self.wallbox,
            "b": .current(phases: 1, minCurrentA: 6, maxCurrentA: 32, stepA: 0.5),
            "c": .power(minPowerW: 1400, maxPowerW: 7400, phases: 1),
            "d": .switched(powerW: 3680, phases: 1),
            "e": .switched(powerW: 11000, phases: 3),
        ]
        let vehicles = [
            Self.currentCar("a", minSoc: 20), Self.currentCar("b", minSoc: 10),
            "  - {id: c, capacity_wh: 40000, min_soc: 15, topics: {command_power: '{\"w\": {power_w}}'}}",
            Self.switchCar("d"), Self.switchCar("e"),
        ].joined(separator: "\n")
        let limit = [11000.0, 16000, 7000][Int(seed % 3)]
        let config = try Self.config(vehicles, chargers: chargers, limit: limit, grid: .init(topic: "meter/grid"), extra: "metering: {power_stale_after_s: 20}")
        let ids = ["a", "b", "c", "d", "e"]
        // From 20:00 local, through the off-peak night.
        var driver = CoreDriver(config: config, start: BridgeFixtures.at("2025-11-17T19:00:00Z").addingTimeInterval(Double(seed) * 1234))
        driver.send(.connected)
        var house = 500.0
        var sitePublished: Date?
        for _ in 0..<1500 {
            let id = ids.randomElement(using: &random)!
            let event: BridgeEvent
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<8: event = .message(topic: "chargebridge/\(id)/plug", payload: BridgeFixtures.bytes(Bool.random(using: &random) ? "connected" : "disconnected"))
            case 8..<16: event = .message(topic: "chargebridge/\(id)/mode/set", payload: BridgeFixtures.bytes(["smart", "fast", "off"].randomElement(using: &random)!))
            case 16..<20: event = .message(topic: "chargebridge/\(id)/boost/set", payload: BridgeFixtures.bytes(Bool.random(using: &random) ? "ON" : "OFF"))
            case 20..<28: event = .message(topic: "chargebridge/\(id)/soc", payload: BridgeFixtures.bytes(String(Int.random(in: 0...100, using: &random))))
            case 28..<40:
                let told = driver.core.toldPowers().first { $0.vehicleId == id }?.powerW ?? 0
                event = .message(topic: "chargebridge/\(id)/power", payload: BridgeFixtures.bytes(String(Int(told * Double.random(in: 0.8...1.0, using: &random)))))
            case 40..<65:
                // The house: mostly steady, sometimes a jump (a cooker, a heat pump) or a fall.
                if Int.random(in: 0..<5, using: &random) == 0 { house = Double.random(in: -2000...(limit + 2000), using: &random) }
                let chargers = driver.core.toldPowers().reduce(0) { $0 + $1.powerW }
                event = .message(topic: "meter/grid", payload: BridgeFixtures.bytes(String(Int(house + chargers + Double.random(in: -50...50, using: &random)))))
            case 65..<67: event = .connected
            default:
                event = .tick
            }
            let step: TimeInterval = switch Int.random(in: 0..<20, using: &random) {
            case 0: Double.random(in: 20...3000, using: &random) // silence: the meter goes stale
            case 1..<4: Double.random(in: 2...20, using: &random)
            default: Double.random(in: 0...1.5, using: &random)
            }
            driver.now = driver.now.addingTimeInterval(step)
            let before = Dictionary(uniqueKeysWithValues: driver.core.toldPowers().map { ($0.vehicleId, $0.powerW) })
            let actions = driver.send(event)
            let after = driver.core.toldPowers()
            let total = after.reduce(0) { $0 + $1.powerW }
            let room = try #require(driver.core.guardRoomW(now: driver.now))
            #expect(total <= max(0, room) + 1e-6, "seed \(seed) at \(Timestamp.format(driver.now)): \(total) W told, room \(room) W after \(event)")
            for told in after where told.powerW > 0 {
                #expect(Self.drawable(told.powerW, by: told.charger), "seed \(seed): \(told.vehicleId) told \(told.powerW) W")
            }
            // <base>/site: at most once a second (a reconnect publishes it again at once).
            if case .connected = event { sitePublished = nil }
            if !actions.published("chargebridge/site").isEmpty {
                if let last = sitePublished { #expect(driver.now.timeIntervalSince(last) >= 1, "seed \(seed): site twice within a second") }
                sitePublished = driver.now
                #expect(actions.published("chargebridge/site").count == 1)
            }
            // Stops and reductions before starts and increases.
            let powers = Dictionary(uniqueKeysWithValues: after.map { ($0.vehicleId, $0.powerW) })
            var raised = false
            for (id, _) in Self.commands(actions) {
                let up = powers[id]! > 0 && powers[id]! >= before[id]!
                if up { raised = true } else { #expect(!raised, "seed \(seed): \(id) lowered after a raise in \(Self.commands(actions))") }
            }
        }
    }
}

/// ``SiteGuard/divide(_:roomW:)`` alone, on random demands: every power is 0 or one its charger
/// can draw, at most its ceiling, together at most the room; a higher priority is never cut for
/// a lower one; identical chargers of one priority that both charge are at most a step apart.
@Suite struct SiteGuardDivisionTests {
    static let kinds: [Charger] = [
        .current(phases: 3, maxCurrentA: 16), .current(phases: 1, minCurrentA: 6, maxCurrentA: 32, stepA: 0.5),
        .power(minPowerW: 1400, maxPowerW: 7400, phases: 1), .switched(powerW: 3680, phases: 1), .switched(powerW: 11000),
    ]

    @Test func aStaleMeterCountsTheHighestOfTheHourUpToItsLastReadingAndNeverAnExport() {
        let start = Date(timeIntervalSince1970: 1_763_398_800)
        var house = HouseLoad(staleAfter: 10)
        #expect(house.houseW(at: start) == nil)
        house.reading(gridW: -3000, chargersW: 0, at: start) // solar exports 3 kW
        #expect(house.houseW(at: start.addingTimeInterval(5)) == -3000)
        #expect(house.houseW(at: start.addingTimeInterval(11)) == 0)
        house.reading(gridW: 4000, chargersW: 1000, at: start.addingTimeInterval(20)) // house 3,000 W
        house.reading(gridW: 1000, chargersW: 0, at: start.addingTimeInterval(30)) // house 1,000 W
        #expect(house.houseW(at: start.addingTimeInterval(35)) == 1000)
        #expect(house.houseW(at: start.addingTimeInterval(45)) == 3000)
        // An hour on, the 3,000 W have left the hour up to the last reading.
        house.reading(gridW: 500, chargersW: 0, at: start.addingTimeInterval(20 + 3601))
        #expect(house.houseW(at: start.addingTimeInterval(20 + 3601 + 11)) == 1000)
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func divisionsAreDrawableWithinTheRoomByPriorityAndFair(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<2000 {
            let count = Int.random(in: 1...6, using: &random)
            let demands: [SiteGuard.Demand] = (0..<count).map { _ in
                let charger = Self.kinds.randomElement(using: &random)!
                return SiteGuard.Demand(
                    priority: SiteGuard.Priority.allCases.randomElement(using: &random)!, charger: charger,
                    ceilingW: Bool.random(using: &random) ? charger.maxPowerW : Double.random(in: 0...charger.maxPowerW, using: &random),
                    currentW: Bool.random(using: &random) ? 0 : charger.minPowerW, mayStart: Int.random(in: 0..<5, using: &random) > 0)
            }
            let room = Double.random(in: -1000...30000, using: &random)
            let powers = SiteGuard.divide(demands, roomW: room)
            #expect(powers.reduce(0, +) <= max(0, room) + 1e-6)
            for (demand, power) in zip(demands, powers) where power > 0 {
                #expect(power <= demand.ceilingW + 1e-6)
                #expect(demand.currentW > 0 || demand.mayStart)
                switch demand.charger.kind {
                case .switch: #expect(power == demand.charger.maxPowerW)
                case .current: #expect(demand.charger.steps!.contains { abs($0 - power) < 1e-6 })
                case .power: #expect(power >= demand.charger.minPowerW && power <= demand.charger.maxPowerW && power == power.rounded())
                }
            }
            // A vehicle left without power while room remains that its minimum would fit in,
            // with everyone of a lower priority getting nothing, means a priority was skipped.
            let left = max(0, room) - powers.reduce(0, +)
            for (index, demand) in demands.enumerated() where powers[index] == 0 && (demand.currentW > 0 || demand.mayStart) {
                let ceiling = SiteGuard.drawableCeiling(demand)
                #expect(ceiling == 0 || demand.charger.minPowerW > left + 1e-6, "a vehicle waits although \(left) W are left")
            }
            // Identical chargers of one priority, both charging, same ceiling: at most one step apart.
            for a in demands.indices {
                for b in demands.indices where b > a && powers[a] > 0 && powers[b] > 0 {
                    guard demands[a].charger == demands[b].charger, demands[a].priority == demands[b].priority,
                          demands[a].ceilingW == demands[b].ceilingW, demands[a].charger.kind == .current else { continue }
                    let step = demands[a].charger.power(currentA: demands[a].charger.currentStepA)
                    #expect(abs(powers[a] - powers[b]) <= step + 1e-6)
                }
            }
        }
    }
}
