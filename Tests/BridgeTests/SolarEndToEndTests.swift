import Foundation
import Testing
import TestSupport
@testable import Bridge

/// A session's solar energy against real parts (docs/site.md, "Solar energy of a session"): a
/// real mosquitto, the real bridge services on a clock 120 times faster than real time, and the
/// test kit's emulated site with PV panels: the grid meter reads house + chargers - PV. The
/// emulated site integrates, from what the devices really draw, the reference: at each moment
/// the surplus `max(0, PV - house)` shared by the drawing chargers, each at most its draw.
@Suite(.serialized) struct SolarEndToEndTests {
    /// 2026-05-20 12:00 in Amsterdam: midday, the time-of-use tariff's peak.
    static let noon = Date(timeIntervalSince1970: 1_779_271_200)

    @Test func aCarChargingPartlyFromTheSurplusCountsItsSolarEnergy() async throws {
        let rig = try await SiteRig.start(houseW: 1_500, at: Self.noon)
        defer { rig.end() }
        // The power charger's car in fast: 7400 W at once, 5 minutes on the grid alone.
        try await rig.probe.publish("fast", to: "chargebridge/box/mode/set")
        try await rig.site.plug("box")
        try await rig.probe.waitFor("chargebridge/box/state") { $0.contains(#""plugged":true"#) }
        try await rig.run(minutes: 5)
        // The sun: 5 kW of PV over a 1.5 kW house leaves 3.5 kW of surplus, 47 % of the car's
        // draw, for 20 minutes; then 10 kW, more than the car draws, for 10 minutes; then a
        // cloud, 5 minutes on the grid again.
        rig.site.setPV(5_000)
        try await rig.run(minutes: 20)
        rig.site.setPV(10_000)
        try await rig.run(minutes: 10)
        rig.site.setPV(0)
        try await rig.run(minutes: 5)
        #expect(rig.site.status("box")?.drawW == 7_400)
        try await rig.site.unplug("box")
        let payload = try await rig.probe.waitFor("chargebridge/box/session", within: .seconds(15)) { $0.contains(#""state":"closed""#) }

        let session = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        let energy = try #require(session["energy_wh"] as? Double)
        let solar = try #require(session["solar_wh"] as? Double)
        let share = try #require(session["solar_share"] as? Double)
        let status = try #require(rig.site.status("box"))
        // What the emulated charger drew, and its surplus-covered part.
        let drawnWh = status.counterWh, solarReferenceWh = status.solarWh
        print("solar end to end: session \(energy) Wh, \(solar) Wh solar (\(share) %); emulated \(drawnWh) Wh, \(solarReferenceWh) Wh solar")
        // 3500 W x 20 min + 7400 W x 10 min = 2400 Wh by the script; the reference is what was drawn.
        #expect(abs(solarReferenceWh - 2_400) < 60)
        // The tolerance: the bridge sees a change of the PV, or of the charger's draw, at the
        // meter's next reading (every 5 s of the clock) and the charger's next report, and
        // messages take a few ms real (a few hundred ms to ~2 s of the clock at 120x). Four
        // changes (start, PV 5 kW, PV 10 kW, PV 0) at up to 7400 W x 8 s = 16 Wh each: 66 Wh.
        #expect(abs(energy - drawnWh) < 66)
        #expect(abs(solar - solarReferenceWh) < 66)
        #expect(solar <= energy)
        #expect(abs(share - solar / energy * 100) < 0.1)
        // The cost: the solar part at the export price (none in the example tariff: 0), the rest
        // at the peak price (0.4123); the savings against the same energy at once from the grid.
        let cost = try #require(session["cost"] as? Double)
        #expect(abs(cost - (energy - solar) / 1000 * 0.4123) < 0.001)
        let savings = try #require(session["savings"] as? Double)
        #expect(abs(savings - solar / 1000 * 0.4123) < 0.005)
    }
}
