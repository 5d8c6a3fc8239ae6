import Foundation

/// One figure of `make bench`, printed as one JSON line (docs/benchmarks.md).
struct BenchResult: Encodable {
    var bench: String
    var value: Double
    var unit: String
    var stat: String
    var runs: Int
    var target: Double?
    /// Extra context for some figures (for instance `vehicles`).
    var extra: [String: Double] = [:]

    func jsonLine() -> String {
        var object: [String: Any] = ["bench": bench, "value": value, "unit": unit, "stat": stat, "runs": runs]
        if let target { object["target"] = target }
        for (key, value) in extra { object[key] = value }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Times `body` `runs` times after `warmup` runs and returns the median in seconds.
func medianSeconds(runs: Int, warmup: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var samples: [Double] = []
    samples.reserveCapacity(runs)
    let clock = ContinuousClock()
    for _ in 0..<runs {
        let elapsed = try clock.measure { try body() }
        samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    samples.sort()
    return samples[samples.count / 2]
}
