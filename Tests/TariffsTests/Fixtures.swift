import Foundation
@testable import Tariffs
import TestSupport

/// Helpers shared by the tariff tests: temp files, the real prices, instants.
enum Fixtures {
    /// A fresh temporary folder.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cb-tariffs-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to `name` in a fresh temporary folder and loads it as a tariff file.
    static func load(_ text: String, name: String = "tariff.json", files: [String: String] = [:]) throws -> TariffSet {
        let folder = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (fileName, content) in files {
            try content.write(to: folder.appendingPathComponent(fileName), atomically: true, encoding: .utf8)
        }
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return try TariffSet.load(path: url.path)
    }

    /// The loading error's message without the temp file's path.
    static func error(_ text: String, name: String = "tariff.json", files: [String: String] = [:]) -> String? {
        do {
            _ = try load(text, name: name, files: files)
            return nil
        } catch let error as TariffError {
            return error.withoutFile.description
        } catch {
            return "unexpected \(error)"
        }
    }

    static func at(_ text: String) -> Date {
        Timestamp.parse(text)!
    }

    /// The contract's Jedlix example.
    static let jedlix = """
    {
      "timeZone": "Europe/Amsterdam",
      "currency": "EUR",
      "tariffs": [
        {"currency": "EUR", "price": 0.4123, "type": "peak"},
        {"currency": "EUR", "price": 0.3242, "type": "offPeak"}
      ],
      "tariffIntervals": [
        {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday"],
         "startTime": "07:00", "endTime": "23:00", "tariffType": "peak"},
        {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday"],
         "startTime": "00:00", "endTime": "07:00", "tariffType": "offPeak"},
        {"daysOfWeek": ["monday","tuesday","wednesday","thursday","friday"],
         "startTime": "23:00", "endTime": "24:00", "tariffType": "offPeak"},
        {"daysOfWeek": ["saturday","sunday"],
         "startTime": "00:00", "endTime": "24:00", "tariffType": "offPeak"}
      ],
      "holidays": ["2025-12-25", "2025-12-26"],
      "holidayTariffIntervals": null,
      "offPeakChargingOnly": false
    }
    """

    /// A dynamic tariff over the real 15-minute DE-LU prices (or another file of `Examples/prices`).
    static func dynamicTariff(file: String = RepositoryPrices.quarterHours, charges: Double = 0.12, vat: Double = 0.19, extra: String = "") throws -> Tariff {
        try load("""
        {"timeZone": "Europe/Berlin", "currency": "EUR",
         "tariffs": [{"currency": "EUR", "type": "dynamic"}],
         "dynamic": {"prices": "\(RepositoryPrices.url(file).path)", "unit": "EUR/MWh", "charges": \(charges), "vat": \(vat)\(extra)}}
        """).importTariff!
    }
}

extension RateTimeline {
    /// Total seconds covered by slices.
    var pricedSeconds: TimeInterval { slices.reduce(0) { $0 + $1.duration } }
}
