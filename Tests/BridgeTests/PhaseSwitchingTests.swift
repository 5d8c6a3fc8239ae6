import Foundation
import Planning
import Testing
@testable import Bridge
import TestSupport

/// Phase switching (docs/site.md, "Phase switching"), broker-free: a 6-16 A wallbox on three
/// phases that switches to one (go-e's psm). The guard and the solar follower choose the phases:
/// below 4,140 W it charges on one. A switch is made only while the charger is stopped (a
/// running one is stopped first, two minutes off, the phase command, 10 s, the start), and at
/// most once in `phase_switch_interval_s`. A little site around the core: the charger draws
/// what it was last told and says so, the grid meter reads the house plus it less the PV every 5 s.
@Suite struct PhaseSwitchingTests {
    let morning = BridgeFixtures.at("2025-11-17T10:00:00Z")

    static func car(interval: Int? = nil) -> String {
        """
          - id: car1
            capacity_wh: 60000
            efficiency: 1.0
            phases: 3
            max_current_a: 16\(interval.map { "\n    phase_switch_interval_s: \($0)" } ?? "")
            topics: {command_power: '{"current": {current_a}}', command_phases_topic: chargebridge/car1/phases, command_phases_1: '1', command_phases_3: '3'}
        """
    }

    /// What car1's charger was sent, with the time: `phases 1`, `16` (a current), `stop`.
    struct Sent: Equatable, CustomStringConvertible {
        var at: Date
        var what: String
        var description: String { "\(Int(at.timeIntervalSince1970) % 100_000) \(what)" }
    }

    /// The site: `houseW`, `pvW`; runs `seconds`, ticking every second, the charger's report and
    /// the meter every 5 s. Checks at every step that the charger is never told a phase while it
    /// is told a power, and that the chargers stay within the room.
    struct Site {
        var houseW = 500.0
        var pvW = 0.0
        var limitW = 11_000.0
        var sent: [Sent] = []
        /// When the charger and the house took more than the limit, but for the meter's 5 s
        /// after the house jumped (the guard acts on the reading that shows it).
        var over: [Date] = []
        var lastHouseW: Double?
        var houseChangedAt: Date?

        mutating func run(_ driver: inout CoreDriver, _ seconds: Int) {
            if houseW != lastHouseW {
                lastHouseW = houseW
                houseChangedAt = driver.now
            }
            for second in 1...seconds {
                driver.now = driver.now.addingTimeInterval(1)
                var produced = driver.send(.tick)
                if second % 5 == 0 {
                    let told = PhaseSwitchingTests.told(driver)
                    produced += driver.message("chargebridge/car1/power", String(Int(told)))
                    produced += driver.message("meter/grid", String(Int((houseW + told - pvW).rounded())))
                }
                record(produced, at: driver.now)
                if houseW + PhaseSwitchingTests.told(driver) > limitW + 1e-6,
                   driver.now.timeIntervalSince(houseChangedAt ?? .distantPast) > 5 {
                    over.append(driver.now)
                }
            }
        }

        /// Notes what car1's charger was sent in `produced`.
        mutating func record(_ produced: [BridgeAction], at now: Date) {
            for action in produced {
                guard case let .publish(topic, payload, _) = action else { continue }
                if topic == "chargebridge/car1/phases" {
                    sent.append(Sent(at: now, what: "phases \(payload)"))
                } else if topic == "chargebridge/car1/command" {
                    sent.append(Sent(at: now, what: payload.hasPrefix("{") ? String(payload.dropFirst(12).dropLast()) : payload))
                }
            }
        }

        /// An event, recorded.
        mutating func send(_ driver: inout CoreDriver, _ topic: String, _ payload: String) {
            record(driver.message(topic, payload), at: driver.now)
        }

        /// Each phase command came while the charger was stopped (its last command before it a stop).
        var phasesOnlyWhileStopped: Bool {
            sent.indices.allSatisfy { index in
                !sent[index].what.hasPrefix("phases") || sent[..<index].last(where: { !$0.what.hasPrefix("phases") })?.what == "stop"
            }
        }
    }

    static func told(_ driver: CoreDriver) -> Double {
        driver.core.toldPowers().first { $0.vehicleId == "car1" }?.powerW ?? 0
    }

    static func config(interval: Int? = nil, solar: Bool = false) throws -> BridgeConfig {
        var location = "max_power_w: 11000\n  grid: {topic: meter/grid}"
        if solar { location += "\n  solar: {}" }
        return try BridgeFixtures.config(vehicles: car(interval: interval), location: location)
    }

    @Test func theGuardChargesOnOnePhaseWhenTheRoomIsSmallAndSwitchesUpAtMostEveryFiveMinutes() throws {
        var driver = CoreDriver(config: try Self.config(), start: morning)
        var site = Site(houseW: 8_000)
        site.record(driver.send(.connected), at: driver.now)
        site.run(&driver, 10)
        site.send(&driver, "chargebridge/car1/plug", "connected")
        site.send(&driver, "chargebridge/car1/mode/set", "fast")
        site.run(&driver, 30)
        // 3,000 W of room: below the three-phase minimum, 13 A on one phase; the phase first,
        // the start 10 s later.
        #expect(site.sent.map(\.what) == ["stop", "stop", "phases 1", "13"], "\(site.sent)")
        let onePhase = try #require(site.sent.first { $0.what == "phases 1" })
        #expect(site.sent.last!.at.timeIntervalSince(onePhase.at) >= 10)
        #expect(Self.told(driver) == 2_990)
        #expect(driver.actions.published("chargebridge/car1/state").last?.contains(#""phases":1"#) == true)

        // The house goes down to 1,000 W: three phases would draw 14 A (9,660 W), but the last
        // switch was less than 5 minutes ago: 16 A on one phase meanwhile.
        site.houseW = 1_000
        site.run(&driver, 60)
        #expect(Self.told(driver) == 3_680)
        site.run(&driver, 600)
        let up = Array(site.sent.drop { $0.what != "phases 1" }.dropFirst(2))
        #expect(up.map(\.what) == ["16", "stop", "phases 3", "14"], "\(site.sent)")
        // Stopped 5 minutes after the one-phase switch, two minutes off, the phase, 10 s, the start.
        #expect(up[1].at.timeIntervalSince(onePhase.at) >= 300 && up[1].at.timeIntervalSince(onePhase.at) <= 306)
        #expect(up[2].at.timeIntervalSince(up[1].at) >= 120 && up[2].at.timeIntervalSince(up[1].at) <= 126)
        #expect(up[3].at.timeIntervalSince(up[2].at) >= 10 && up[3].at.timeIntervalSince(up[2].at) <= 16)
        #expect(Self.told(driver) == 9_660)

        // The house takes 8,000 W again at once: three phases no longer fit: stopped (the fuse
        // does not wait); one phase only 5 minutes after the last switch.
        let threePhase = up[2].at
        site.houseW = 8_000
        let jump = driver.now
        site.run(&driver, 420)
        let down = site.sent.filter { $0.at > up[3].at }
        #expect(down.map(\.what) == ["stop", "phases 1", "13"], "\(site.sent)")
        #expect(down[0].at.timeIntervalSince(jump) <= 5) // at the meter's next reading
        #expect(down[1].at.timeIntervalSince(threePhase) >= 300)
        #expect(site.phasesOnlyWhileStopped)
        #expect(site.over.isEmpty, "over the limit at \(site.over)")
    }

    @Test func aSmallSolarSurplusIsFollowedOnOnePhaseALargeOneOnThree() throws {
        var driver = CoreDriver(config: try Self.config(solar: true), start: morning)
        var site = Site(houseW: 500, pvW: 3_000) // 2,500 W would be exported
        site.record(driver.send(.connected), at: driver.now)
        site.run(&driver, 10)
        site.send(&driver, "chargebridge/car1/plug", "connected")
        site.send(&driver, "chargebridge/car1/mode/set", "solar")
        site.run(&driver, 120)
        // Not stopped for a surplus below 4,140 W: 10 A on one phase after the enable delay.
        #expect(site.sent.map(\.what).suffix(2) == ["phases 1", "10"], "\(site.sent)")
        #expect(Self.told(driver) == 2_300)

        // Full sun: 8,500 W; after the 5 minutes since the switch, three phases at 12 A.
        site.pvW = 9_000
        site.run(&driver, 600)
        #expect(Self.told(driver) == 8_280)
        #expect(site.sent.map(\.what).suffix(4) == ["16", "stop", "phases 3", "12"], "\(site.sent)")

        // A long cloud: back to one phase (never more than once in 5 minutes).
        site.pvW = 3_000
        site.run(&driver, 900)
        #expect(Self.told(driver) == 2_300)
        #expect(site.sent.last?.what == "10")
        let switches = site.sent.filter { $0.what.hasPrefix("phases") }
        #expect(switches.map(\.what) == ["phases 1", "phases 3", "phases 1"])
        for (earlier, later) in zip(switches, switches.dropFirst()) {
            #expect(later.at.timeIntervalSince(earlier.at) >= 300)
        }
        #expect(site.phasesOnlyWhileStopped)
        #expect(site.over.isEmpty, "over the limit at \(site.over)")
    }

    @Test func theIntervalIsConfigurable() throws {
        var driver = CoreDriver(config: try Self.config(interval: 900), start: morning)
        var site = Site(houseW: 8_000)
        site.record(driver.send(.connected), at: driver.now)
        site.send(&driver, "chargebridge/car1/plug", "connected")
        site.send(&driver, "chargebridge/car1/mode/set", "fast")
        site.run(&driver, 30)
        site.houseW = 1_000
        site.run(&driver, 1_200)
        let switches = site.sent.filter { $0.what.hasPrefix("phases") }
        #expect(switches.map(\.what) == ["phases 1", "phases 3"])
        #expect(switches[1].at.timeIntervalSince(switches[0].at) >= 900 + 120)
    }
}
