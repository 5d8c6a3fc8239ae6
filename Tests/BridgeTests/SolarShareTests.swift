import Foundation
import Testing
@testable import Bridge

/// Each session counts its solar energy (docs/site.md, "Solar energy of a session"): the part of
/// each interval's energy that the surplus (what the home would export with no car charging,
/// `max(0, chargers - grid)`) covered, shared by the charging cars in proportion to their draw,
/// each at most its own draw. Broker-free: events in with their times, records out.
@Suite struct SolarShareTests {
    // Monday 2025-11-17, 12:00 local in Amsterdam.
    let noon = BridgeFixtures.at("2025-11-17T11:00:00Z")

    static let grid = BridgeConfig.GridMeter(topic: "meter/grid")

    static func car(_ id: String, powerW: Int, counter: Bool = false) -> String {
        """
          - id: \(id)
            capacity_wh: 60000
            max_power_w: \(powerW)
            efficiency: 1.0
        \(counter ? "    topics: {energy: chargebridge/\(id)/energy}" : "")
        """
    }

    /// The cars in `fast` (charging at once at their full power), plugged in after the meter's
    /// first reading of the house alone; each next car after two more readings (the guard starts
    /// nothing else until the meter has shown a start, docs/site.md).
    static func driver(_ vehicles: String, grid: BridgeConfig.GridMeter? = SolarShareTests.grid, houseW: Double, ids: [String], start: Date) throws -> CoreDriver {
        var config = try BridgeFixtures.config(vehicles: vehicles, location: "max_power_w: 22000")
        config.location.grid = grid
        var driver = CoreDriver(config: config, start: start)
        driver.send(.connected)
        if grid != nil { driver.message("meter/grid", String(Int(houseW))) }
        for id in ids {
            driver.message("chargebridge/\(id)/mode/set", "fast")
            driver.message("chargebridge/\(id)/plug", "connected")
            if grid != nil {
                for _ in 0..<2 { driver.message("meter/grid", String(Int(houseW))) }
            }
        }
        return driver
    }

    /// `seconds` of readings every 5 s: each car's power, then the grid meter's house + cars - PV.
    static func run(_ driver: inout CoreDriver, seconds: Int, powers: [String: Double], houseW: Double, pvW: Double, withMeter: Bool = true) {
        for _ in 0..<(seconds / 5) {
            for (id, power) in powers.sorted(by: { $0.key < $1.key }) { driver.message("chargebridge/\(id)/power", String(power)) }
            if withMeter { driver.message("meter/grid", String(houseW + powers.values.reduce(0, +) - pvW)) }
            driver.advance(5)
        }
    }

    static func totals(_ driver: CoreDriver, _ id: String) -> (energyWh: Double, solarWh: Double) {
        let records = driver.actions.records.filter { $0.vehicleId == id }
        return (records.reduce(0) { $0 + $1.energyWh }, records.reduce(0) { $0 + ($1.solarWh ?? 0) })
    }

    @Test func oneCarCountsTheSurplusItDraws() throws {
        var driver = try Self.driver(Self.car("car1", powerW: 7000), houseW: 500, ids: ["car1"], start: noon)
        // House 500 W, PV 3000 W: without the car the home would export 2500 W; the car draws
        // 7000 W, so 2500 W of it are solar (grid 4500 W).
        Self.run(&driver, seconds: 600, powers: ["car1": 7000], houseW: 500, pvW: 3000)
        let (energy, solar) = Self.totals(driver, "car1")
        #expect(abs(energy - 7000.0 * 600 / 3600) < 1e-6)
        #expect(abs(solar - 2500.0 * 600 / 3600) < 1e-6)
        for record in driver.actions.records { #expect((record.solarWh ?? 0) <= record.energyWh + 1e-9) }
    }

    @Test func twoCarsShareTheSurplusInProportionToTheirDraw() throws {
        var driver = try Self.driver(Self.car("car1", powerW: 7000) + "\n" + Self.car("car2", powerW: 3500), houseW: 500,
                                     ids: ["car1", "car2"], start: noon)
        // 6300 W of surplus over 10500 W drawn: 60 % of each car's power.
        Self.run(&driver, seconds: 600, powers: ["car1": 7000, "car2": 3500], houseW: 500, pvW: 6800)
        let car1 = Self.totals(driver, "car1"), car2 = Self.totals(driver, "car2")
        #expect(abs(car1.solarWh - 4200.0 * 600 / 3600) < 1e-6)
        #expect(abs(car2.solarWh - 2100.0 * 600 / 3600) < 1e-6)
        #expect(abs(car1.solarWh + car2.solarWh - 6300.0 * 600 / 3600) < 1e-6)
    }

    @Test func aSurplusLargerThanTheDrawCountsAllOfItAsSolarAndNoMore() throws {
        var driver = try Self.driver(Self.car("car1", powerW: 7000), houseW: 500, ids: ["car1"], start: noon)
        // PV 10 kW: the home exports 2500 W even with the car charging; all 7000 W are solar.
        Self.run(&driver, seconds: 300, powers: ["car1": 7000], houseW: 500, pvW: 10000)
        let (energy, solar) = Self.totals(driver, "car1")
        #expect(energy > 0)
        #expect(abs(solar - energy) < 1e-6)
    }

    @Test func aCloudHalfwayCountsSolarOnlyWhileTheSunShone() throws {
        var driver = try Self.driver(Self.car("car1", powerW: 7000), houseW: 500, ids: ["car1"], start: noon)
        Self.run(&driver, seconds: 300, powers: ["car1": 7000], houseW: 500, pvW: 7500)
        Self.run(&driver, seconds: 300, powers: ["car1": 7000], houseW: 500, pvW: 0)
        let (energy, solar) = Self.totals(driver, "car1")
        #expect(abs(energy - 7000.0 * 600 / 3600) < 1e-6)
        #expect(abs(solar - 7000.0 * 300 / 3600) < 1e-6)
    }

    @Test func aStaleMeterStopsCountingSolar() throws {
        var driver = try Self.driver(Self.car("car1", powerW: 7000), houseW: 500, ids: ["car1"], start: noon)
        Self.run(&driver, seconds: 60, powers: ["car1": 7000], houseW: 500, pvW: 10000)
        // The meter falls silent: its last reading holds for power_stale_after_s (120 s), then
        // no surplus is trusted.
        Self.run(&driver, seconds: 300, powers: ["car1": 7000], houseW: 500, pvW: 10000, withMeter: false)
        let (energy, solar) = Self.totals(driver, "car1")
        #expect(abs(energy - 7000.0 * 360 / 3600) < 1e-6)
        // Solar from the first reading with the car (t = 0) to 120 s after the last one (t = 55).
        #expect(abs(solar - 7000.0 * 175 / 3600) < 1e-6)
    }

    @Test func withoutAGridMeterRecordsCarryNoSolar() throws {
        var driver = try Self.driver(Self.car("car1", powerW: 7000), grid: nil, houseW: 0, ids: ["car1"], start: noon)
        Self.run(&driver, seconds: 120, powers: ["car1": 7000], houseW: 0, pvW: 5000, withMeter: false)
        #expect(!driver.actions.records.isEmpty)
        #expect(driver.actions.records.allSatisfy { $0.solarWh == nil })
    }

    @Test func aCountersEnergyTakesTheShareThePowerReadingsShow() throws {
        var driver = try Self.driver(Self.car("car1", powerW: 7000, counter: true), houseW: 500, ids: ["car1"], start: noon)
        driver.message("chargebridge/car1/energy", "1000")
        // The counter says 6000 W (the power topic reads high, 7000 W): 3500 W of surplus are
        // half of the power read, so half of the counter's energy is solar.
        var counter = 1000.0
        for _ in 0..<60 {
            driver.message("chargebridge/car1/power", "7000")
            driver.message("meter/grid", String(500 + 7000 - 4000))
            driver.advance(5)
            counter += 6000.0 * 5 / 3600
            driver.message("chargebridge/car1/energy", String(counter))
        }
        driver.advance(2)
        let (energy, solar) = Self.totals(driver, "car1")
        #expect(abs(energy - 6000.0 * 300 / 3600) < 1e-6)
        #expect(abs(solar - energy / 2) < 1e-6)
    }
}

/// The meter's own arithmetic: a share set in the middle of a stretch counts from then on.
@Suite struct EnergyMeterSolarTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func aShareCountsFromWhenItIsSet() {
        var meter = EnergyMeter(usesCounter: false, staleAfter: 120)
        meter.begin(at: start)
        meter.power(4000, at: start)
        meter.solar(fraction: 0.5, validUntil: start.addingTimeInterval(1000), at: start.addingTimeInterval(30))
        meter.advance(to: start.addingTimeInterval(60))
        let taken = meter.take(at: start.addingTimeInterval(60))
        #expect(abs((taken?.energyWh ?? 0) - 4000.0 * 60 / 3600) < 1e-9)
        #expect(abs((taken?.solarWh ?? 0) - 2000.0 * 30 / 3600) < 1e-9)
    }

    @Test func aShareEndsWhereItsReadingGoesStale() {
        var meter = EnergyMeter(usesCounter: false, staleAfter: 120)
        meter.begin(at: start)
        meter.power(4000, at: start)
        meter.solar(fraction: 1, validUntil: start.addingTimeInterval(20), at: start)
        meter.advance(to: start.addingTimeInterval(60))
        let taken = meter.take(at: start.addingTimeInterval(60))
        #expect(abs((taken?.solarWh ?? 0) - 4000.0 * 20 / 3600) < 1e-9)
    }
}
