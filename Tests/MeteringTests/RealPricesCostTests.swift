import Foundation
import Metering
import Tariffs
import Testing
import TestSupport

/// The real DE-LU day-ahead prices, read independently of the tariff engine.
enum RealPrices {
    static let path = RepositoryPrices.url(RepositoryPrices.quarterHours).path

    /// EUR per MWh by slot start.
    static let spot: [Date: Double] = {
        let text = try! RepositoryPrices.text(RepositoryPrices.quarterHours)
        var result: [Date: Double] = [:]
        // The file has CRLF line ends.
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            result[instant(String(fields[0]))] = Double(fields[2])!
        }
        return result
    }()

    /// The contract's price per kWh for the slot starting at `start`: (spot + charges) * (1 + vat).
    static func price(at start: Date) -> Double {
        (spot[start]! / 1000 + 0.12) * 1.19
    }

    /// A dynamic tariff file in `folder` on these prices; `export` adds a flat export tariff.
    static func tariffFile(in folder: TemporaryDirectory, prices: String = path, export: Double? = nil, forecast: Bool = true) -> String {
        let importTariff = """
            {"timeZone": "Europe/Berlin", "currency": "EUR",
             "tariffs": [{"currency": "EUR", "price": 0, "type": "dynamic"}],
             "dynamic": {"prices": "\(prices)", "unit": "EUR/MWh", "charges": 0.12, "vat": 0.19, "forecast": \(forecast)}}
            """
        let text = export.map { price in
            """
            {"import": \(importTariff),
             "export": {"timeZone": "Europe/Berlin", "currency": "EUR", "direction": "EXPORT",
               "tariffs": [{"currency": "EUR", "price": \(price), "type": "standard"}],
               "tariffIntervals": [{"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday","saturday","sunday"],
                                    "startTime": "00:00", "endTime": "24:00", "tariffType": "standard"}]}}
            """
        } ?? importTariff
        let file = folder.file("tariff-\(UUID().uuidString).json")
        try! text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// Records of `energyWh` every 15 minutes over `[from, to)`.
func quarterHourRecords(from: String, to: String, energyWh: Double = 100, device: String = "car1",
                        session: String = "S1", direction: EnergyDirection = .import, prefix: String = "q") -> [MeterRecord] {
    var records: [MeterRecord] = []
    var start = instant(from)
    let end = instant(to)
    while start < end {
        records.append(MeterRecord(start: start, end: start.addingTimeInterval(900), deviceId: device,
                                   sessionReferenceId: session, recordReferenceId: "\(prefix)-\(device)-\(Int(start.timeIntervalSince1970))",
                                   direction: direction, energyWh: energyWh))
        start = start.addingTimeInterval(900)
    }
    return records
}

struct RealPricesCostTests {
    @Test func recordSpanningQuarterHourPriceChangesIsSplitAtEach() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        // 01:05 to 01:50 UTC: 45 minutes at 4 kW = 3000 Wh across four 15-min prices.
        try ledger.append([record("r1", "2025-10-07T01:05:00Z", minutes: 45, energyWh: 3000)])
        let cost = try ledger.sessionCost("S1", tariffs: tariffs)
        let starts = ["2025-10-07T01:05:00Z", "2025-10-07T01:15:00Z", "2025-10-07T01:30:00Z", "2025-10-07T01:45:00Z"]
        #expect(cost.parts.map(\.priced.start) == starts.map(instant))
        let energies = cost.parts.map(\.priced.energyWh)
        #expect(zip(energies, [666.666, 1000, 1000, 333.333]).allSatisfy { abs($0 - $1) < 0.001 })
        let slots = ["2025-10-07T01:00:00Z", "2025-10-07T01:15:00Z", "2025-10-07T01:30:00Z", "2025-10-07T01:45:00Z"].map(instant)
        let expected = zip(energies, slots).reduce(0) { $0 + $1.0 / 1000 * RealPrices.price(at: $1.1) }
        #expect(abs(cost.total.cost - expected) < 1e-9)
        #expect(cost.total.isComplete)
        #expect(Set(cost.parts.compactMap { $0.priced.rate?.pricePerKWh }).count == 4)
    }

    @Test(arguments: [
        ("2025-10-25T00:00:00+02:00", "2025-10-28T00:00:00+01:00", [96, 100, 96]),
        ("2026-03-28T00:00:00+01:00", "2026-03-31T00:00:00+02:00", [96, 92, 96]),
    ])
    func localDaysFollowDaylightSavingTime(from: String, to: String, quarterHours: [Int]) throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let records = quarterHourRecords(from: from, to: to)
        try ledger.append(records)
        let days = try ledger.intervalCost(from: instant(from), to: instant(to), period: .day, tariffs: tariffs)
        #expect(days.count == 3)
        #expect(days.map { Int(($0.summary.energyWh / 100).rounded()) } == quarterHours)
        #expect(days.map { $0.end.timeIntervalSince($0.start) / 3600 } == quarterHours.map { Double($0) / 4 })
        for day in days {
            let expected = records.filter { $0.start >= day.start && $0.start < day.end }
                .reduce(0) { $0 + $1.energyWh / 1000 * RealPrices.price(at: $1.start) }
            #expect(abs(day.summary.cost - expected) < 1e-9)
            #expect(day.summary.isComplete)
        }
    }

    @Test func monthsAndYearsSumTheSameEnergyAndCost() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        let from = "2025-11-15T00:00:00+01:00"
        let to = "2026-02-10T00:00:00+01:00"
        let records = quarterHourRecords(from: from, to: to, energyWh: 50) + quarterHourRecords(from: from, to: to, energyWh: 25, device: "car2", session: "S2")
        try ledger.append(records)
        let window = (instant("2025-10-01T00:00:00+02:00"), instant("2026-04-01T00:00:00+02:00"))
        let months = try ledger.intervalCost(from: window.0, to: window.1, period: .month, tariffs: tariffs)
        let years = try ledger.intervalCost(from: window.0, to: window.1, period: .year, tariffs: tariffs)
        #expect(months.map { Timestamp.format($0.start) } == [
            "2025-09-30T22:00:00Z", "2025-10-31T23:00:00Z", "2025-11-30T23:00:00Z", "2025-12-31T23:00:00Z",
            "2026-01-31T23:00:00Z", "2026-02-28T23:00:00Z",
        ])
        #expect(years.map { Timestamp.format($0.start) } == ["2025-09-30T22:00:00Z", "2025-12-31T23:00:00Z"])
        let expectedCost = records.reduce(0) { $0 + $1.energyWh / 1000 * RealPrices.price(at: $1.start) }
        #expect(abs(months.reduce(0) { $0 + $1.summary.cost } - expectedCost) < 1e-6)
        #expect(abs(years.reduce(0) { $0 + $1.summary.cost } - expectedCost) < 1e-6)
        // December: 31 days of 96 quarter-hours at 75 Wh.
        #expect(abs(months[2].summary.energyWh - 31 * 96 * 75) < 1e-6)
        let december = records.filter { $0.start >= months[2].start && $0.start < months[2].end }
            .reduce(0) { $0 + $1.energyWh / 1000 * RealPrices.price(at: $1.start) }
        #expect(abs(months[2].summary.cost - december) < 1e-9)
        // One device only.
        let car2 = try ledger.intervalCost(from: window.0, to: window.1, period: .year, deviceId: "car2", tariffs: tariffs)
        #expect(abs(car2.reduce(0) { $0 + $1.summary.energyWh } - records.filter { $0.deviceId == "car2" }.reduce(0) { $0 + $1.energyWh }) < 1e-6)
        // The bridge's day and month figures.
        let today = try ledger.periodCost(.day, containing: instant("2025-12-24T12:00:00Z"), deviceId: "car1", tariffs: tariffs)
        #expect(abs(today.energyWh - 96 * 50) < 1e-9)
    }

    @Test func exportIsPricedWithTheExportTariffUnderItsOwnDirection() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir, export: 0.08))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append(quarterHourRecords(from: "2025-12-01T10:00:00Z", to: "2025-12-01T12:00:00Z", energyWh: 500,
                                             direction: .export, prefix: "x"))
        try ledger.append(quarterHourRecords(from: "2025-12-01T20:00:00Z", to: "2025-12-01T21:00:00Z", energyWh: 1000))
        let exported = try ledger.intervalCost(from: instant("2025-12-01T00:00:00+01:00"), to: instant("2025-12-02T00:00:00+01:00"),
                                               period: .day, direction: .export, tariffs: tariffs)
        #expect(exported.count == 1)
        #expect(abs(exported[0].summary.energyWh - 4000) < 1e-9)
        #expect(abs(exported[0].summary.cost - 4 * 0.08) < 1e-12)
        let imported = try ledger.intervalCost(from: instant("2025-12-01T00:00:00+01:00"), to: instant("2025-12-02T00:00:00+01:00"),
                                               period: .day, direction: .import, tariffs: tariffs)
        #expect(abs(imported[0].summary.energyWh - 4000) < 1e-9)
        let session = try ledger.sessionCost("S1", direction: .export, tariffs: tariffs)
        #expect(session.direction == .export)
        #expect(abs(session.total.cost - 0.32) < 1e-12)
        #expect(session.baseline == nil)
    }

    @Test func correctedPriceChangesAPastCost() throws {
        let dir = TemporaryDirectory()
        let csv = dir.file("prices.csv")
        let original = "start,end,eur_per_mwh\n2025-10-07T01:00:00Z,2025-10-07T01:15:00Z,100\n2025-10-07T01:15:00Z,2025-10-07T01:30:00Z,200\n"
        try original.write(toFile: csv, atomically: true, encoding: .utf8)
        let tariffFile = RealPrices.tariffFile(in: dir, prices: csv)
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append([record("r1", "2025-10-07T01:00:00Z", minutes: 30, energyWh: 2000)])
        let before = try ledger.sessionCost("S1", tariffs: TariffSet.load(path: tariffFile)).total.cost
        #expect(abs(before - ((0.1 + 0.12) * 1.19 + (0.2 + 0.12) * 1.19)) < 1e-12)
        // The market operator corrects the second slot from 200 to 50 EUR/MWh.
        try original.replacingOccurrences(of: ",200\n", with: ",50\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let after = try ledger.sessionCost("S1", tariffs: TariffSet.load(path: tariffFile)).total.cost
        #expect(abs(after - ((0.1 + 0.12) * 1.19 + (0.05 + 0.12) * 1.19)) < 1e-12)
        #expect(abs((before - after) - 0.15 * 1.19) < 1e-12)
    }

    @Test func energyBeyondTheKnownPricesIsUnpricedNotFree() throws {
        let dir = TemporaryDirectory()
        let csv = dir.file("prices.csv")
        try "start,end,eur_per_mwh\n2025-10-07T01:00:00Z,2025-10-07T01:15:00Z,100\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir, prices: csv))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        try ledger.append([record("r1", "2025-10-07T01:00:00Z", minutes: 30, energyWh: 2000)])
        let cost = try ledger.sessionCost("S1", tariffs: tariffs)
        // The tariff engine reports a gap after its last price: never a silent zero.
        #expect(!cost.total.isComplete)
        #expect(abs(cost.total.unpricedEnergyWh - 1000) < 1e-9)
        #expect(cost.total.unpricedIntervals == [PriceGap(start: instant("2025-10-07T01:15:00Z"), end: instant("2025-10-07T01:30:00Z"))])
        #expect(abs(cost.total.cost - (0.1 + 0.12) * 1.19) < 1e-12)
        #expect(cost.savings == nil)
    }

    @Test func sessionOnRealPricesSavesAgainstChargingAtOnce() throws {
        let dir = TemporaryDirectory()
        let tariffs = try TariffSet.load(path: RealPrices.tariffFile(in: dir))
        let ledger = try Ledger(path: dir.file("ledger.sqlite"))
        // Plugged in at 17:00 local; charged 11 kW in the cheapest two hours before 07:00.
        let slots = quarterHourRecords(from: "2025-11-12T17:00:00+01:00", to: "2025-11-13T07:00:00+01:00", energyWh: 0)
        let cheapest = Set(slots.sorted { RealPrices.price(at: $0.start) < RealPrices.price(at: $1.start) }.prefix(8).map(\.recordReferenceId))
        let records = slots.map { slot in
            var copy = slot
            if cheapest.contains(slot.recordReferenceId) { copy.energyWh = 2750 }
            return copy
        }
        try ledger.append(records)
        let cost = try ledger.sessionCost("S1", tariffs: tariffs)
        #expect(abs(cost.total.energyWh - 22000) < 1e-9)
        #expect(abs(cost.peakPowerW - 11000) < 1e-9)
        let atOnce = slots.prefix(8).reduce(0) { $0 + 2.75 * RealPrices.price(at: $1.start) }
        #expect(abs(cost.baseline!.cost - atOnce) < 1e-9)
        #expect(cost.savings! > 0)
        #expect(abs(cost.total.averagePricePerKWh! - cost.total.cost / 22) < 1e-12)
    }
}
