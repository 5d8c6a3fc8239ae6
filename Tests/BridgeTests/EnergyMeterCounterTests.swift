import Foundation
import Testing
@testable import Bridge

/// The energy counter's readings: a reading that arrives late (lower than the last one, but not
/// a restart from zero) adds nothing, and a real reset counts what the counter shows since.
struct EnergyMeterCounterTests {
    let start = Date(timeIntervalSince1970: 1_779_000_000)

    @Test func aLateReadingAddsNothingAndARestartCountsFromZero() {
        var meter = EnergyMeter(usesCounter: true, staleAfter: 120)
        meter.begin(at: start, counterWh: 10_000)
        #expect(meter.counter(10_000, at: start) == nil)
        #expect(meter.counter(12_000, at: start.addingTimeInterval(60)) == nil)
        // An older reading delivered after the newer one: no energy, no reset.
        #expect(meter.counter(11_900, at: start.addingTimeInterval(61)) == nil)
        #expect(meter.counter(12_500, at: start.addingTimeInterval(120)) == nil)
        #expect(abs(meter.pendingWh - 2_500) < 1e-9, "\(meter.pendingWh) Wh")
        // The charger restarted its counter: 300 Wh since.
        let note = meter.counter(300, at: start.addingTimeInterval(180))
        #expect(note == "energy counter went back from 12500.0 to 300.0 Wh; treating it as a reset")
        #expect(abs(meter.pendingWh - 2_800) < 1e-9, "\(meter.pendingWh) Wh")
    }
}
