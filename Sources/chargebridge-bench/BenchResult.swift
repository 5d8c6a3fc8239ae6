import Documents
import Foundation

/// One figure of `make bench`, printed as one JSON line (docs/benchmarks.md).
struct BenchResult {
    var bench: String
    var value: Double
    var unit: String
    var stat: String
    var runs: Int
    var target: Double?
    /// Extra context for some figures (for instance `vehicles`).
    var extra: [String: Double] = [:]

    func jsonLine() -> String {
        var object: [String: DocumentValue] = [
            "bench": .string(bench), "value": .number(value), "unit": .string(unit), "stat": .string(stat), "runs": .number(Double(runs)),
        ]
        if let target { object["target"] = .number(target) }
        for (key, value) in extra { object[key] = .number(value) }
        // Sorted keys and `\/`, as JSONSerialization wrote these lines.
        return JSONWriter(sortsKeys: true, escapesSlashes: true).text(.object(object.map { ($0.key, $0.value) }))
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
