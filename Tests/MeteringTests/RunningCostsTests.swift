import Foundation
import Metering
import Tariffs
import Testing

/// The bridge's running costs, priced record by record as they arrive, against the same
/// figures read and priced whole from the ledger at every step.
struct RunningCostsTests {
    /// Records of `minutes` each from `from`, with energies that vary, so they cross quarter-hour
    /// price changes, midnight and (from late November) the end of the month.
    static func records(from: String, count: Int, minutes: Double = 7, device: String = "car1", session: String = "S1") -> [MeterRecord] {
        (0..<count).map { index in
            let start = instant(from).addingTimeInterval(Double(index) * minutes * 60)
            return MeterRecord(start: start, end: start.addingTimeInterval(minutes * 60), deviceId: device, sessionReferenceId: session,
                               recordReferenceId: "\(session)-\(index)", energyWh: Double(300 + (index * 137) % 900), counterWh: nil)
        }
    }

    /// The running figures equal the whole session's, day's and month's.
    static func expectSame(_ figures: RunningCosts.Figures, ledger: Ledger, session: String, device: String, now: Date,
                           tariffs: TariffSet, maximumPowerW: Double, _ context: String) throws {
        let whole = try ledger.sessionCost(session, tariffs: tariffs, maximumPowerW: maximumPowerW)
        let period = (day: try ledger.periodCost(.day, containing: now, deviceId: device, tariffs: tariffs),
                      month: try ledger.periodCost(.month, containing: now, deviceId: device, tariffs: tariffs))
        let running = try #require(figures.session, Comment(rawValue: context))
        var info = try #require(figures.info, Comment(rawValue: context))
        let stored = try ledger.session(session)
        #expect(abs(info.importEnergyWh - stored.importEnergyWh) < 1e-9, "\(context)")
        #expect(abs(info.exportEnergyWh - stored.exportEnergyWh) < 1e-9, "\(context)")
        info.importEnergyWh = stored.importEnergyWh
        info.exportEnergyWh = stored.exportEnergyWh
        #expect(info == stored, "\(context)")
        #expect(abs(running.cost - whole.total.cost) < 1e-9, "\(context)")
        #expect(abs(running.energyWh - whole.total.energyWh) < 1e-9, "\(context)")
        #expect(running.reportedConfidence == whole.total.reportedConfidence, "\(context)")
        if let savings = whole.savings {
            #expect(abs((figures.savings ?? .infinity) - savings) < 1e-9, "\(context)")
        } else {
            #expect(figures.savings == nil, "\(context)")
        }
        #expect(abs(figures.day.cost - period.day.cost) < 1e-9, "\(context)")
        #expect(abs(figures.day.energyWh - period.day.energyWh) < 1e-9, "\(context)")
        #expect(abs(figures.month.cost - period.month.cost) < 1e-9, "\(context)")
        #expect(abs(figures.month.energyWh - period.month.energyWh) < 1e-9, "\(context)")
    }

    @Test func recordByRecordEqualsTheWholeAcrossMidnightAndTheMonthsEnd() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.openSession("S1", deviceId: "car1", at: instant("2025-11-30T21:00:00+01:00"))
        let mine = Self.records(from: "2025-11-30T21:03:00+01:00", count: 40)
        // Another car charging alongside: not in car1's figures.
        try ledger.append(Self.records(from: "2025-11-30T21:00:00+01:00", count: 40, minutes: 5, device: "car2", session: "S2"))
        var running = RunningCosts(deviceId: "car1", maximumPowerW: 7400)
        var next = mine[...]
        var step = 1
        var sawAMonth = Set<Date>()
        while !next.isEmpty {
            let batch = next.prefix(step)
            next = next.dropFirst(batch.count)
            step = step % 3 + 1
            try ledger.append(Array(batch))
            let now = batch.last!.end
            let figures = try running.refresh(ledger: ledger, sessionId: "S1", now: now, tariffs: tariffs, pricesVersion: 0)
            try Self.expectSame(figures, ledger: ledger, session: "S1", device: "car1", now: now, tariffs: tariffs, maximumPowerW: 7400, "at \(now)")
            sawAMonth.insert(CostPeriod.month.interval(containing: now, calendar: tariffs.primary.calendar).from)
        }
        // The session ran into December: the month's figure then holds only December's energy.
        #expect(sawAMonth.count == 2)
        let december = try running.refresh(ledger: ledger, sessionId: "S1", now: mine.last!.end, tariffs: tariffs, pricesVersion: 0)
        #expect(december.month.energyWh < december.session!.energyWh)
        #expect(december.month.energyWh > 0)
    }

    @Test func aRecordStoredOutOfOrderCountsAtTheNextRecompute() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let mine = Self.records(from: "2025-12-10T18:00:00+01:00", count: 12)
        // The fifth record comes last (an import of a missed record).
        try ledger.append(Array(mine.prefix(4) + mine.dropFirst(5)))
        var running = RunningCosts(deviceId: "car1", maximumPowerW: 11000, recomputeInterval: 60)
        let now = mine.last!.end
        _ = try running.refresh(ledger: ledger, sessionId: "S1", now: now, tariffs: tariffs, pricesVersion: 0)
        try ledger.append([mine[4]])
        // Running figures take records after the last one read: the late one waits for the recompute.
        let before = try running.refresh(ledger: ledger, sessionId: "S1", now: now.addingTimeInterval(59), tariffs: tariffs, pricesVersion: 0)
        #expect(abs(before.session!.energyWh + mine[4].energyWh - mine.reduce(0.0) { $0 + $1.energyWh }) < 1e-9)
        let later = now.addingTimeInterval(60)
        let figures = try running.refresh(ledger: ledger, sessionId: "S1", now: later, tariffs: tariffs, pricesVersion: 0)
        try Self.expectSame(figures, ledger: ledger, session: "S1", device: "car1", now: later, tariffs: tariffs, maximumPowerW: 11000, "after the recompute")
        let energy = mine.reduce(0.0) { $0 + $1.energyWh }
        #expect(abs(figures.session!.energyWh - energy) < 1e-9)
    }

    @Test func newPricesPriceEverythingAgain() throws {
        let dir = TemporaryDirectory()
        let dynamic = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let flat = try TariffSet.parse(Data("""
            {"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "price": 0.30, "type": "standard"}],
             "tariffIntervals": [{"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"],
                                  "startTime": "00:00", "endTime": "24:00", "tariffType": "standard"}]}
            """.utf8), baseDirectory: URL(fileURLWithPath: dir.path))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let mine = Self.records(from: "2025-12-10T18:00:00+01:00", count: 10)
        try ledger.append(mine)
        let now = mine.last!.end
        var running = RunningCosts(deviceId: "car1", maximumPowerW: 11000)
        _ = try running.refresh(ledger: ledger, sessionId: "S1", now: now, tariffs: dynamic, pricesVersion: 0)
        let figures = try running.refresh(ledger: ledger, sessionId: "S1", now: now, tariffs: flat, pricesVersion: 1)
        try Self.expectSame(figures, ledger: ledger, session: "S1", device: "car1", now: now, tariffs: flat, maximumPowerW: 11000, "flat")
        let energy = mine.reduce(0.0) { $0 + $1.energyWh }
        #expect(abs(figures.session!.cost - energy / 1000 * 0.30) < 1e-9)
    }

    @Test func withoutASessionOnlyTheDayAndMonth() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append(Self.records(from: "2025-12-10T18:00:00+01:00", count: 5))
        var running = RunningCosts(deviceId: "car1", maximumPowerW: nil)
        let now = instant("2025-12-11T09:00:00+01:00")
        let figures = try running.refresh(ledger: ledger, sessionId: nil, now: now, tariffs: tariffs, pricesVersion: 0)
        let month = try ledger.periodCost(.month, containing: now, deviceId: "car1", tariffs: tariffs)
        #expect(figures.session == nil)
        #expect(figures.day.energyWh == 0)
        #expect(abs(figures.month.cost - month.cost) < 1e-9)
        #expect(figures.month.cost > 0)
    }
}
