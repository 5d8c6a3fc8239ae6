import Foundation
import Testing
@testable import Bridge
import Tariffs

/// Behaviour that `make load` (1,000 vehicles on one bridge) showed to matter: per-message work
/// must not grow with the number of vehicles, and nothing is republished that did not change.
@Suite struct BridgeCoreLoadTests {
    // Monday 2025-11-17, 23:00 local in Amsterdam (UTC+1): off-peak, a plug-in charges at once.
    let night = BridgeFixtures.at("2025-11-17T22:00:00Z")

    static func fleet(_ count: Int) -> String {
        (1...count).map { "  - {id: car\($0), capacity_wh: 50000, max_power_w: 7000, efficiency: 1.0, target_soc: 80}" }.joined(separator: "\n")
    }

    @Test func aReadingOnlyFeedsTheMeterAndTheNextTickFlushesIt() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: Self.fleet(50), location: ""), start: night)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "40")
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car1/power", "7000")
        driver.now = night.addingTimeInterval(1.2)
        // Not even car1's flush comes with a reading: readings arrive by the thousand a second.
        #expect(driver.message("chargebridge/car1/power", "7000").isEmpty)
        #expect(driver.message("chargebridge/car2/power", "0").isEmpty)
        let ticked = driver.send(.tick)
        let records = ticked.compactMap { if case let .record(record) = $0 { record } else { nil } }
        #expect(records.count == 1)
        #expect(records.first?.vehicleId == "car1")
        #expect(abs((records.first?.energyWh ?? 0) - 7000 * 1.2 / 3600) < 1e-6)
    }

    @Test func aMessageForOneVehicleLeavesTheOthersAlone() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: Self.fleet(50), location: ""), start: night)
        driver.send(.connected)
        driver.advance(1)
        driver.message("chargebridge/car7/soc", "30")
        let actions = driver.message("chargebridge/car7/plug", "connected")
        let topics = Set(actions.compactMap { if case let .publish(topic, _, _) = $0 { topic } else { nil } })
        #expect(topics.contains("chargebridge/car7/schedule"))
        #expect(topics.contains("chargebridge/car7/state"))
        #expect(topics.allSatisfy { $0.hasPrefix("chargebridge/car7/") || $0 == "chargebridge/price" })
    }

    @Test func theStateOfAChargingVehicleIsNotRepublishedEveryTick() throws {
        let vehicle = "  - {id: car1, capacity_wh: 50000, max_power_w: 7000, efficiency: 1.0, target_soc: 80, min_soc: 75}"
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: vehicle, location: ""), start: night)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "70")
        driver.message("chargebridge/car1/plug", "connected")
        // Below min_soc: the plan's first slot runs from now; next_start must not follow the clock.
        #expect(driver.actions.published("chargebridge/car1/command").last == "start")
        let states = driver.advance(30, step: 0.5).published("chargebridge/car1/state")
        #expect(states.count == 0, "the state was republished in 30 s without a change")
    }

    @Test func energyReachesTheLedgerEverySecondWhenTicksComeAHairEarly() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: Self.fleet(1), location: ""), start: night)
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "40")
        driver.message("chargebridge/car1/plug", "connected")
        driver.message("chargebridge/car1/power", "7000")
        // The service ticks every half flush interval; timers fire a little early or late.
        let records = driver.advance(10, step: 0.499).records
        #expect(records.count >= 9)
        #expect(records.allSatisfy { $0.end.timeIntervalSince($0.start) < 1.01 })
    }

    /// Every vehicle flushes on the same ticks, whenever it was plugged in, so the readings of a
    /// second reach the ledger with one flush. (Each on the phase of its own plug-in, half the
    /// vehicles flushed on odd ticks and half on even ones: `make load`'s last readings waited
    /// 0.5-1 s for the ledger, 0.8 s on average, where one phase makes it 0-1 s.)
    @Test func everyVehicleFlushesOnTheSameTicks() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(vehicles: Self.fleet(3), location: ""), start: night)
        driver.send(.connected)
        driver.message("chargebridge/car1/plug", "connected")
        driver.advance(0.5, step: 0.5)
        driver.message("chargebridge/car2/plug", "connected")
        driver.advance(0.25, step: 0.25)
        driver.message("chargebridge/car3/plug", "connected")
        for car in ["car1", "car2", "car3"] { driver.message("chargebridge/\(car)/power", "7000") }
        // Ticks every half interval for 4 s: every tick that flushes, flushes all three.
        let ticks = (0..<8).map { _ in driver.advance(0.5, step: 0.5).records }
        let flushes = ticks.filter { !$0.isEmpty }
        #expect(flushes.count == 4)
        for records in flushes {
            #expect(records.map(\.vehicleId).sorted() == ["car1", "car2", "car3"])
            #expect(records.allSatisfy { abs($0.energyWh - 7000.0 / 3600) < 1e-6 })
        }
    }

    /// The state is written again only when an input changes or the clock passes a departure or
    /// a slot's end; those moments must still update it.
    @Test func theStateFollowsTheDepartureAndTheSlotsWithoutBeingRewrittenInBetween() throws {
        var driver = CoreDriver(config: try BridgeFixtures.config(location: ""), start: BridgeFixtures.at("2025-11-17T17:00:00Z"))
        driver.send(.connected)
        driver.message("chargebridge/car1/soc", "40")
        driver.message("chargebridge/car1/plug", "connected")
        let first = try #require(driver.actions.published("chargebridge/car1/state").last)
        #expect(first.contains(#""departure":"2025-11-18T06:00:00Z""#))
        // Nothing new half a minute later: no state.
        driver.now = driver.now.addingTimeInterval(30)
        #expect(driver.send(.tick).published("chargebridge/car1/state").isEmpty)
        // The slot starts: the charger is told to start, and the state says it charges.
        let slotStart = try #require(driver.core.plan(vehicleId: "car1")?.slots.first?.start)
        driver.now = slotStart.addingTimeInterval(1)
        #expect(driver.send(.tick).published("chargebridge/car1/state").last?.contains(#""charging":true"#) == true)
        driver.now = driver.now.addingTimeInterval(10)
        #expect(driver.send(.tick).published("chargebridge/car1/state").isEmpty)
        // Past 07:00 local the departure is the next morning's.
        driver.now = BridgeFixtures.at("2025-11-18T06:00:01Z")
        let nextDay = driver.send(.tick).published("chargebridge/car1/state")
        #expect(nextDay.last?.contains(#""departure":"2025-11-19T06:00:00Z""#) == true)
    }
}
