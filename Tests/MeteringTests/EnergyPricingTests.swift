import Foundation
import Metering
import Tariffs
import Testing

struct EnergyPricingTests {
    @Test func recordSpanningPriceChangesIsSplitProRataOfTime() {
        // 1 kWh over 01:05-01:35 against 15-min prices 0.10 / 0.20 / 0.40 from 01:00.
        let prices = timeline(from: "2025-10-07T01:00:00Z", prices: [0.10, 0.20, 0.40])
        let parts = EnergyPricing.parts(of: record("r", "2025-10-07T01:05:00Z", minutes: 30, energyWh: 1000),
                                        timeline: prices)
        #expect(parts.count == 3)
        #expect(parts.map(\.start) == [instant("2025-10-07T01:05:00Z"), instant("2025-10-07T01:15:00Z"), instant("2025-10-07T01:30:00Z")])
        #expect(parts.map(\.end) == [instant("2025-10-07T01:15:00Z"), instant("2025-10-07T01:30:00Z"), instant("2025-10-07T01:35:00Z")])
        let energies = parts.map(\.energyWh)
        #expect(abs(energies[0] - 1000.0 / 3) < 1e-9)
        #expect(abs(energies[1] - 500) < 1e-9)
        #expect(abs(energies[2] - 1000.0 / 6) < 1e-9)
        let cost = parts.reduce(0) { $0 + $1.cost }
        #expect(abs(cost - (1.0 / 3 * 0.10 + 0.5 * 0.20 + 1.0 / 6 * 0.40)) < 1e-12)
    }

    @Test func energyInAGapIsReportedUnpricedNotFree() {
        // Prices only for 01:00-01:15; the record runs to 01:30.
        let prices = timeline(from: "2025-10-07T01:00:00Z", prices: [0.30])
        var summary = CostSummary()
        for part in EnergyPricing.parts(of: record("r", "2025-10-07T01:00:00Z", minutes: 30, energyWh: 600), timeline: prices) {
            summary.add(part)
        }
        #expect(abs(summary.energyWh - 600) < 1e-9)
        #expect(abs(summary.unpricedEnergyWh - 300) < 1e-9)
        #expect(!summary.isComplete)
        #expect(summary.reportedConfidence == 0)
        #expect(summary.unpricedIntervals == [PriceGap(start: instant("2025-10-07T01:15:00Z"), end: instant("2025-10-07T01:30:00Z"))])
        #expect(abs(summary.cost - 0.3 * 0.30) < 1e-12)
    }

    @Test func noTimelineAtAllLeavesEverythingUnpriced() {
        let parts = EnergyPricing.parts(of: record("r", "2025-10-07T01:00:00Z", energyWh: 100), timeline: nil)
        #expect(parts.count == 1)
        #expect(parts[0].rate == nil)
        #expect(parts[0].cost == 0)
    }

    @Test func forecastPriceLowersConfidence() {
        let prices = timeline(from: "2025-10-07T01:00:00Z", prices: [0.3], confidence: 0.6)
        var summary = CostSummary()
        EnergyPricing.forEachPart(start: instant("2025-10-07T01:00:00Z"), end: instant("2025-10-07T01:15:00Z"),
                                  energyWh: 100, timeline: prices) { summary.add($0) }
        #expect(summary.confidence == 0.6)
        #expect(summary.isComplete)
    }

    @Test(arguments: [0.0, 7.5, 14.999, 15.0, 44.0])
    func partsAlwaysAddUpToTheRecordsEnergy(offsetMinutes: Double) {
        let prices = timeline(from: "2025-10-07T00:00:00Z", prices: (0..<12).map { Double($0) / 10 })
        let start = instant("2025-10-07T00:00:00Z").addingTimeInterval(offsetMinutes * 60)
        let parts = EnergyPricing.parts(start: start, end: start.addingTimeInterval(3600 + 17), energyWh: 1234,
                                        timeline: prices)
        #expect(abs(parts.reduce(0) { $0 + $1.energyWh } - 1234) < 1e-9)
        for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.end == b.start) }
    }

    @Test func aggregatorCutsAtPeriodBoundariesAndClipsToTheWindow() {
        // Two 1-hour "days" as periods; a 2-hour record from 23:30 the day before spans three.
        let prices = timeline(from: "2025-10-06T00:00:00Z", minutes: 60, prices: Array(repeating: 0.2, count: 72))
        let boundaries = [instant("2025-10-07T00:00:00Z"), instant("2025-10-07T01:00:00Z"), instant("2025-10-07T02:00:00Z")]
        let interval = EnergyInterval(start: instant("2025-10-06T23:30:00Z"), end: instant("2025-10-07T01:30:00Z"), energyWh: 4000)
        let buckets = CostAggregator.aggregate([interval], boundaries: boundaries, timelines: [.import: prices])
        #expect(buckets.count == 2)
        #expect(abs(buckets[0].summary.energyWh - 2000) < 1e-9)
        #expect(abs(buckets[1].summary.energyWh - 1000) < 1e-9)
        #expect(abs(buckets[0].summary.cost - 0.4) < 1e-12)
    }

    @Test func exportEnergyIsPricedWithTheExportTimeline() {
        let importPrices = timeline(from: "2025-10-07T00:00:00Z", prices: [0.30])
        let exportPrices = timeline(from: "2025-10-07T00:00:00Z", prices: [0.08])
        let boundaries = [instant("2025-10-07T00:00:00Z"), instant("2025-10-07T00:15:00Z")]
        let buckets = CostAggregator.aggregate(
            [EnergyInterval(start: boundaries[0], end: boundaries[1], energyWh: 1000, tariffRate: .export)],
            boundaries: boundaries, timelines: [.import: importPrices, .export: exportPrices])
        #expect(abs(buckets[0].summary.cost - 0.08) < 1e-12)
    }

    @Test func breakdownGroupsByTypeAndPrice() {
        var slices = timeline(from: "2025-10-07T00:00:00Z", minutes: 60, prices: [0.2, 0.2, 0.4], type: .offPeak).slices
        slices[2].type = .peak
        let prices = RateTimeline(from: slices[0].start, to: slices[2].end, slices: slices, gaps: [])
        let breakdown = TariffBreakdown(EnergyPricing.parts(
            start: instant("2025-10-07T00:00:00Z"), end: instant("2025-10-07T03:00:00Z"), energyWh: 3000, timeline: prices))
        #expect(breakdown.lines.map(\.type) == [.peak, .offPeak])
        #expect(breakdown.lines.map(\.energyWh) == [1000, 2000])
        #expect(abs(breakdown.lines[1].cost - 0.4) < 1e-12)
    }

    @Test func sessionSavingsCompareWithChargingAtOnce() {
        // Prices: 0.40 for the first hour, 0.10 after. The session charged 11 kW from 01:00 to
        // 02:00 (11 kWh) at the cheap price; charging at once would have used the dear hour.
        let prices = timeline(from: "2025-10-07T00:00:00Z", minutes: 60, prices: [0.40, 0.10, 0.10])
        let records = [
            record("a", "2025-10-07T01:00:00Z", minutes: 30, energyWh: 5500),
            record("b", "2025-10-07T01:30:00Z", minutes: 30, energyWh: 5500),
            record("c", "2025-10-07T00:00:00Z", minutes: 60, energyWh: 0),
        ]
        let session = SessionCost(sessionReferenceId: "S1", direction: .import, records: records, timelines: [.import: prices])!
        #expect(session.start == instant("2025-10-07T00:00:00Z"))
        #expect(session.end == instant("2025-10-07T02:00:00Z"))
        #expect(abs(session.total.cost - 1.1) < 1e-12)
        #expect(abs(session.total.averagePricePerKWh! - 0.10) < 1e-12)
        #expect(abs(session.peakPowerW - 11000) < 1e-9)
        #expect(abs(session.baseline!.cost - 4.4) < 1e-12) // 11 kWh in the 0.40 hour
        #expect(abs(session.savings! - 3.3) < 1e-12)
        #expect(abs(session.savingsPercentage! - 75) < 1e-9)
    }

    @Test func sessionOfOtherDirectionOnlyIsNil() {
        let records = [record("a", "2025-10-07T01:00:00Z", energyWh: 5, direction: .export)]
        #expect(SessionCost(sessionReferenceId: "S1", direction: .import, records: records, timelines: [:]) == nil)
    }
}
