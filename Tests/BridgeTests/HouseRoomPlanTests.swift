import Foundation
import Planning
import Testing
@testable import Bridge
import Metering
import Tariffs
import TestSupport

/// Plans made on the room the grid meter shows (docs/site.md, "Plans on the room"): the plan's
/// limit is the connection less the live house load to the end of the quarter-hour, then less
/// the house's usual load learned over the last 7 days. Broker-free: events in with their
/// times, actions out; the car draws what it is told.
@Suite struct HouseRoomPlanTests {
    /// 23:00 to 03:00 cheap (0.10), dear (0.30) otherwise, UTC.
    static let tariff = """
      timeZone: UTC
      currency: EUR
      tariffs:
        - {type: peak, currency: EUR, price: 0.30}
        - {type: offPeak, currency: EUR, price: 0.10}
      tariffIntervals:
        - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "00:00", endTime: "03:00", tariffType: offPeak}
        - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "03:00", endTime: "23:00", tariffType: peak}
        - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "23:00", endTime: "24:00", tariffType: offPeak}
    """

    /// One car on a 6-16 A three-phase wallbox (4,140-11,040 W) under 11 kW, with a grid meter;
    /// no state of charge: it needs 80 % of 37.5 kWh = 30 kWh by 07:00, less what it took.
    static func config() throws -> BridgeConfig {
        var config = try BridgeConfigLoader.parse("""
        broker:
          url: mqtt://127.0.0.1:1883
        location:
          id: home
          max_power_w: 11000
          grid: {topic: meter/grid}
        tariff:
        \(tariff)
        database: test.sqlite
        vehicles:
          - id: car1
            capacity_wh: 37500
            efficiency: 1.0
            ready_by: "07:00"
            target_soc: 80
            phases: 3
            max_current_a: 16
            topics: {command_power: '{"current": {current_a}}'}
        """, baseDirectory: FileManager.default.temporaryDirectory)
        config.vehicles[0].charger = .current(phases: 3, maxCurrentA: 16)
        config.vehicles[0].maxPowerW = 11040
        return config
    }

    /// A core at `start`, online, the meter reading `gridW` (the house: no car charges yet),
    /// then car1 plugged in.
    static func plugged(at start: Date, gridW: Int = 300) throws -> CoreDriver {
        var driver = CoreDriver(config: try config(), start: start)
        driver.send(.connected)
        driver.message("meter/grid", String(gridW))
        driver.message("chargebridge/car1/plug", "connected")
        return driver
    }

    /// Plays the night from `start` to 07:00 every `step` seconds: the car draws what it was told
    /// (reported on its power topic), the meter reads the house plus the car.
    static func night(
        _ driver: inout CoreDriver, until end: Date, step: TimeInterval = 10, houseW: (Date) -> Double
    ) -> Double {
        var energyWh = 0.0
        while driver.now < end {
            let told = driver.core.toldPowers()[0].powerW
            driver.advance(step, step: step)
            energyWh += told * step / 3600
            driver.message("chargebridge/car1/power", String(Int(told)))
            driver.message("meter/grid", String(Int(houseW(driver.now) + told)))
        }
        return energyWh
    }

    @Test func aHouseSpikeMidPlanIsMadeUpLater() throws {
        let start = BridgeFixtures.at("2026-01-05T23:00:00Z")
        let end = BridgeFixtures.at("2026-01-06T07:00:00Z")
        var driver = try Self.plugged(at: start)
        let first = try #require(driver.core.plan(vehicleId: "car1"))
        // 30 kWh in the cheap hours at 15 A (10,350 W): 2.9 h of the 4.
        #expect(first.shortfallWh < 1)
        #expect(first.slots.allSatisfy { $0.end <= BridgeFixtures.at("2026-01-06T03:00:00Z") })
        // The house takes 6 kW more for 45 minutes at 01:00, while the plan charges at full power.
        let spikeStart = BridgeFixtures.at("2026-01-06T01:00:00Z")
        let spikeEnd = spikeStart.addingTimeInterval(45 * 60)
        let before = driver.core.plansMade
        let energy = Self.night(&driver, until: end) { $0 >= spikeStart && $0 < spikeEnd ? 6300 : 300 }
        // The energy lost in the spike went to later slots (the dear hours: the cheap ones left
        // were full) and the car got all it needed.
        #expect(energy >= 30_000 - 60, "charged \(energy) Wh")
        let records = driver.actions.records.filter { $0.start >= BridgeFixtures.at("2026-01-06T03:00:00Z") }
        #expect(records.reduce(0) { $0 + $1.energyWh } > 3000)
        // Re-planned for the spike's quarters and for its end, not at every reading (2,880).
        let plans = driver.core.plansMade - before
        print("house spike: \(plans) plans over the night, \(Int(energy)) Wh charged")
        #expect(plans >= 3 && plans <= 20, "\(plans) plans")
    }

    @Test func aLearnedProfileShapesTomorrowsPlan() throws {
        // A day of readings: the house takes 8.3 kW from 23:00 to 24:00, 300 W otherwise.
        let start = BridgeFixtures.at("2026-01-04T23:00:00Z")
        var driver = CoreDriver(config: try Self.config(), start: start)
        driver.send(.connected)
        func house(_ at: Date) -> Double { Calendar.utc.component(.hour, from: at) == 23 ? 8300 : 300 }
        var stored: [HouseLoadQuarter] = []
        while driver.now < BridgeFixtures.at("2026-01-05T23:00:30Z") {
            driver.now = driver.now.addingTimeInterval(60)
            for action in driver.message("meter/grid", String(Int(house(driver.now)))) {
                if case let .storeHouseQuarter(quarter, _) = action { stored.append(quarter) }
            }
        }
        #expect(stored.count == 96)
        #expect(stored.filter { $0.averageW == 8300 }.count == 4)
        // The next evening at 23:00 the car plugs in: the house is at 300 W now, but the plan
        // counts on its usual 8.3 kW from 23:15 to 24:00 (2.7 kW of room: below the wallbox's 6 A).
        driver.message("meter/grid", "300")
        driver.message("chargebridge/car1/plug", "connected")
        let plan = try #require(driver.core.plan(vehicleId: "car1"))
        #expect(plan.shortfallWh < 1)
        let usual = (BridgeFixtures.at("2026-01-05T23:15:00Z"), BridgeFixtures.at("2026-01-06T00:00:00Z"))
        for slot in plan.slots where slot.end > usual.0 && slot.start < usual.1 {
            Issue.record("charges \(slot.powerW) W from \(slot.start) in the house's usual hour")
        }
        // A restart keeps what was learned: the quarters come back from the ledger.
        var restarted = CoreDriver(config: try Self.config(), start: driver.now)
        restarted.send(.houseLoadRestored(stored))
        restarted.send(.connected)
        restarted.message("meter/grid", "300")
        restarted.message("chargebridge/car1/plug", "connected")
        #expect(restarted.core.plan(vehicleId: "car1")?.slots == plan.slots)
    }

    @Test func aPlanMadeInTheLastSecondOfAQuarterHour() throws {
        // The live house's piece ends at the quarter-hour, however close: the limit's pieces
        // never overlap (an overlap would be a request the planner refuses).
        let driver = try Self.plugged(at: BridgeFixtures.at("2026-01-05T23:14:59.5Z"))
        let plan = try #require(driver.core.plan(vehicleId: "car1"))
        #expect(plan.shortfallWh < 1)
        #expect(!driver.actions.logs.contains { $0.contains("cannot plan") })
    }

    @Test func aNoisyMeterDoesNotReplanAtEveryReading() throws {
        let start = BridgeFixtures.at("2026-01-05T23:00:00Z")
        var driver = try Self.plugged(at: start, gridW: 1800)
        let before = driver.core.plansMade
        // The house jumps between 300 W and 3.3 kW at random every 2 s for two hours.
        var rng = SeededGenerator(seed: 0x0015_E000)
        _ = Self.night(&driver, until: start.addingTimeInterval(7200), step: 2) { _ in Double(Int.random(in: 300...3300, using: &rng)) }
        let plans = driver.core.plansMade - before
        print("noisy meter: \(plans) plans for 3,600 readings")
        // 3,600 readings: at most a few plans a quarter-hour (the noise's highs, and the profile
        // it learns, not each reading).
        #expect(plans <= 40, "\(plans) plans for 3,600 readings")
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
