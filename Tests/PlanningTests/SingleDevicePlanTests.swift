import Foundation
import Testing
@testable import Planning
import Tariffs

/// Hand-checked plans for one device.
struct SingleDevicePlanTests {
    func device(
        start: String = "2025-10-06T00:00:00Z", end: String = "2025-10-06T05:00:00Z", powerW: Double = 1000,
        energyWh: Double, minWh: Double = 0, continuous: Bool = false, preconditionMinutes: Double = 0,
        cap: Double? = nil
    ) -> DeviceRequest {
        DeviceRequest(
            deviceId: "car1", start: at(start), end: at(end), maxPowerW: powerW, energyWh: energyWh,
            minEnergyWh: minWh, continuous: continuous, preconditionMinutes: preconditionMinutes, priceCapPerKWh: cap)
    }

    func plan(_ device: DeviceRequest, _ rates: [RateSlice], site: Double? = nil, tariffCap: Double? = nil) throws -> DevicePlan {
        let request = ChargeRequest(sitePowerW: site, devices: [device])
        let plan = try Planner.plan(request, slices: rates, tariffCapPerKWh: tariffCap)
        checkConstraints(plan, request: request, slices: rates, tariffCap: tariffCap)
        return plan.devices[0]
    }

    func spans(_ plan: DevicePlan) -> [String] {
        plan.slots.map { "\(Timestamp.format($0.start))-\(Timestamp.format($0.end))@\(Int($0.powerW.rounded()))" }
    }

    let hourly = slices(from: "2025-10-06T00:00:00Z", prices: [0.5, 0.1, 0.3, 0.2, 0.4])

    @Test func cheapestSlotsBeforeDeadline() throws {
        let result = try plan(device(energyWh: 2000), hourly)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@1000",
                                  "2025-10-06T03:00:00Z-2025-10-06T04:00:00Z@1000"])
        #expect(abs(result.cost - 0.3) < 1e-12)
        #expect(result.shortfallWh == 0)
    }

    @Test func partialSlotRunsAtFullPowerNextToItsNeighbour() throws {
        // 2.5 kWh: hours 1 and 3 whole, half of hour 2 (0.3) at full power beside hour 3.
        let result = try plan(device(energyWh: 2500), hourly)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@1000",
                                  "2025-10-06T02:30:00Z-2025-10-06T04:00:00Z@1000"])
        #expect(abs(result.cost - (0.1 + 0.15 + 0.2)) < 1e-12)
    }

    @Test func partialSlotJoinsTheEarlierNeighbourWhenTheLaterIsIdle() throws {
        let rates = slices(from: "2025-10-06T00:00:00Z", prices: [0.5, 0.1, 0.2, 0.9, 0.4])
        let result = try plan(device(energyWh: 1250), rates)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T02:15:00Z@1000"])
    }

    @Test func equalPricesPreferTheLaterSchedule() throws {
        let flat = slices(from: "2025-10-06T00:00:00Z", prices: [0.3, 0.3, 0.3, 0.3, 0.3])
        let result = try plan(device(energyWh: 1500), flat)
        #expect(spans(result) == ["2025-10-06T03:30:00Z-2025-10-06T05:00:00Z@1000"])
    }

    @Test func windowMayStartAndEndMidSlot() throws {
        let result = try plan(device(start: "2025-10-06T01:07:30Z", end: "2025-10-06T03:30:00Z", energyWh: 1500), hourly)
        // Cheapest: 01:07:30-02:00 (0.1, 0.875 kWh), then 03:00-03:30 (0.2, 0.5 kWh), then 0.125 kWh at 0.3.
        #expect(spans(result) == ["2025-10-06T01:07:30Z-2025-10-06T02:00:00Z@1000",
                                  "2025-10-06T02:52:30Z-2025-10-06T03:30:00Z@1000"])
        #expect(abs(result.cost - (0.0875 + 0.1 + 0.0375)) < 1e-12)
    }

    @Test func continuousTakesTheCheapestBlockEvenMidSlot() throws {
        // Prices 3,1,1,2 (per kWh x 0.1); 2.5 h at 1 kW: [01:00, 03:30) costs 0.1+0.1+0.1.
        let rates = slices(from: "2025-10-06T00:00:00Z", prices: [0.3, 0.1, 0.1, 0.2])
        let result = try plan(device(end: "2025-10-06T04:00:00Z", energyWh: 2500, continuous: true), rates)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T03:30:00Z@1000"])
        #expect(abs(result.cost - 0.3) < 1e-12)
    }

    @Test func continuousBlockMayEndOnABoundaryAndStartMidSlot() throws {
        // 1.5 h: ending at 03:00 costs 0.5*0.9 + 0.1 = 0.55 ... ending at 04:00 costs 0.5*0.1+0.2... pick min.
        let rates = slices(from: "2025-10-06T00:00:00Z", prices: [0.2, 0.9, 0.1, 0.5])
        let result = try plan(device(end: "2025-10-06T04:00:00Z", energyWh: 1500, continuous: true), rates)
        // Candidates: [00:00,01:30) 0.2+0.45=0.65; [01:30,03:00) 0.45+0.1=0.55; [02:00,03:30) 0.1+0.25=0.35;
        // [02:30,04:00) 0.05+0.5=0.55; [01:00,02:30) 0.9+0.05=0.95. Best [02:00, 03:30).
        #expect(spans(result) == ["2025-10-06T02:00:00Z-2025-10-06T03:30:00Z@1000"])
        #expect(abs(result.cost - 0.35) < 1e-12)
    }

    @Test func continuousPrefersTheLaterOfEqualBlocks() throws {
        let flat = slices(from: "2025-10-06T00:00:00Z", prices: [0.3, 0.3, 0.3, 0.3, 0.3])
        let result = try plan(device(energyWh: 1250, continuous: true), flat)
        #expect(spans(result) == ["2025-10-06T03:45:00Z-2025-10-06T05:00:00Z@1000"])
    }

    @Test func preconditionChargesTheLastMinutesWhateverThePrice() throws {
        // Last 30 min (price 0.4) always charged; the other 1 kWh in the cheapest hour.
        let result = try plan(device(energyWh: 1500, preconditionMinutes: 30), hourly)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@1000",
                                  "2025-10-06T04:30:00Z-2025-10-06T05:00:00Z@1000"])
        #expect(abs(result.cost - (0.1 + 0.2)) < 1e-12)
    }

    @Test func preconditionWithLittleEnergyRunsTheWholeStretchAtLowerPower() throws {
        let result = try plan(device(energyWh: 250, preconditionMinutes: 30), hourly)
        #expect(spans(result) == ["2025-10-06T04:30:00Z-2025-10-06T05:00:00Z@500"])
    }

    @Test func minimumEnergyChargesAtOnceAtFullPower() throws {
        // 0.5 kWh at once from 00:00 (price 0.5), the other 1 kWh in hour 1 (0.1).
        let result = try plan(device(energyWh: 1500, minWh: 500), hourly)
        #expect(spans(result) == ["2025-10-06T00:00:00Z-2025-10-06T00:30:00Z@1000",
                                  "2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@1000"])
        #expect(abs(result.cost - (0.25 + 0.1)) < 1e-12)
    }

    @Test func priceCapLeavesWhatDoesNotFitAsShortfall() throws {
        let result = try plan(device(energyWh: 3000, cap: 0.25), hourly)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@1000",
                                  "2025-10-06T03:00:00Z-2025-10-06T04:00:00Z@1000"])
        #expect(abs(result.shortfallWh - 1000) < 1e-9)
    }

    @Test func priceCapDoesNotHoldBackTheMinimum() throws {
        let result = try plan(device(energyWh: 1500, minWh: 500, cap: 0.15), hourly)
        #expect(spans(result) == ["2025-10-06T00:00:00Z-2025-10-06T00:30:00Z@1000",
                                  "2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@1000"])
        #expect(result.shortfallWh == 0)
    }

    @Test func offPeakOnlyTariffActsAsACap() throws {
        let result = try plan(device(energyWh: 3000), hourly, tariffCap: 0.2)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@1000",
                                  "2025-10-06T03:00:00Z-2025-10-06T04:00:00Z@1000"])
        #expect(abs(result.shortfallWh - 1000) < 1e-9)
    }

    @Test func unreachableTargetChargesEverythingAndReportsShortfall() throws {
        let result = try plan(device(energyWh: 9000), hourly)
        #expect(spans(result) == ["2025-10-06T00:00:00Z-2025-10-06T05:00:00Z@1000"])
        #expect(abs(result.shortfallWh - 4000) < 1e-9)
    }

    @Test func continuousThatCannotFitTakesTheLongestAllowedRunEarliest() throws {
        let rates = slices(from: "2025-10-06T00:00:00Z", prices: [0.1, 0.9, 0.1, 0.1, 0.9])
        let result = try plan(device(energyWh: 3000, continuous: true, cap: 0.5), rates)
        #expect(spans(result) == ["2025-10-06T02:00:00Z-2025-10-06T04:00:00Z@1000"])
        #expect(abs(result.shortfallWh - 1000) < 1e-9)
    }

    @Test func gapsInThePricesAreNeverCharged() throws {
        var rates = hourly
        rates.remove(at: 1)
        let result = try plan(device(energyWh: 2000), rates)
        #expect(spans(result) == ["2025-10-06T02:00:00Z-2025-10-06T04:00:00Z@1000"])
        #expect(abs(result.cost - 0.5) < 1e-12)
    }

    @Test func exportSellsInTheDearestSlots() throws {
        var export = device(energyWh: 1500)
        export.direction = .export
        let result = try plan(export, hourly)
        #expect(spans(result) == ["2025-10-06T00:00:00Z-2025-10-06T01:00:00Z@1000",
                                  "2025-10-06T04:30:00Z-2025-10-06T05:00:00Z@1000"])
        #expect(abs(result.cost - 0.7) < 1e-12)
    }

    @Test func savingsAreAgainstChargingAtOnce() throws {
        let result = try plan(device(energyWh: 2000), hourly)
        #expect(abs(result.baselineCost - 0.6) < 1e-12)
        #expect(abs(result.savings - 0.3) < 1e-12)
    }

    @Test func confidenceIsEnergyWeighted() throws {
        let rates = slices(from: "2025-10-06T00:00:00Z", prices: [0.1, 0.2], confidence: 1)
            + slices(from: "2025-10-06T02:00:00Z", prices: [0.1], confidence: 0.5)
        let result = try plan(device(end: "2025-10-06T03:00:00Z", energyWh: 2000), rates)
        #expect(abs(result.confidence - 0.75) < 1e-12)
    }

    @Test func siteLimitBelowDevicePowerLimitsTheDevice() throws {
        let result = try plan(device(powerW: 2000, energyWh: 1000), hourly, site: 500)
        #expect(spans(result) == ["2025-10-06T01:00:00Z-2025-10-06T02:00:00Z@500",
                                  "2025-10-06T03:00:00Z-2025-10-06T04:00:00Z@500"])
    }
}
