import Foundation
import Tariffs
import TestSupport

/// `tariff.load.15min` and `tariff.load.60min`: reading the real day-ahead price files as
/// plain CSV (23,352 and 76,167 rows), median seconds per read; `.gz` the same files as
/// committed, gzip-compressed; `tariff.load.dynamic.15min` a whole dynamic tariff over the
/// 15-minute prices (read, validation, the forecast after the last price), as `tariff check`
/// and the bridge's start load it.
func tariffLoadBench() async throws -> [BenchResult] {
    var results: [BenchResult] = []
    for (name, file, rowCount, target) in [("15min", RepositoryPrices.quarterHours, 23_352, 0.010),
                                           ("60min", RepositoryPrices.hours, 76_167, 0.030)] {
        for (suffix, path, goal) in [("", try RepositoryPrices.plainCSV(file).path, target as Double?),
                                     (".gz", RepositoryPrices.url(file).path, nil)] {
            var rows = 0
            let runs = 30
            let median = try medianSeconds(runs: runs) { rows = try SpotPriceSeries.load(csvPath: path).series.rows.count }
            precondition(rows == rowCount, "\(path): \(rows) rows, not \(rowCount)")
            results.append(BenchResult(bench: "tariff.load.\(name)\(suffix)", value: median, unit: "s", stat: "median",
                                       runs: runs, target: goal, extra: ["rows": Double(rows)]))
        }
    }
    let folder = NSTemporaryDirectory() + "chargebridge-bench-tariff-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let runs = 15
    let whole = try medianSeconds(runs: runs) { _ = try realPriceTariffs(in: folder) }
    results.append(BenchResult(bench: "tariff.load.dynamic.15min", value: whole, unit: "s", stat: "median", runs: runs, target: nil))
    return results
}
