import Foundation

// `make bench`: every suite prints its figures as JSON lines on stdout (docs/benchmarks.md).
// A suite is an async function returning its results; each module's issue adds its own.
// A suite is named `<group>.<part>`: `BENCH=bridge` runs the group, `BENCH=bridge.plug` one part.
let suites: [(name: String, run: () async throws -> [BenchResult])] = [
    ("plan", planBench),
    ("mqtt", mqttBench),
    ("ledger", ledgerBench),
    ("costs", costRefreshBench),
    ("forecast", forecastBench),
    ("tariff", tariffLoadBench),
    ("bridge.plug", bridgeBench),
    ("bridge.load", bridgeLoadBench),
    ("tick", bridgeTickBench),
    ("solar", solarBacktestBench),
]

// `make bench BENCH=plan,bridge` runs only the named suites (or groups).
let only = ProcessInfo.processInfo.environment["BENCH"].flatMap { $0.isEmpty ? nil : Set($0.split(separator: ",").map(String.init)) }

func selected(_ name: String) -> Bool {
    guard let only else { return true }
    return only.contains(name) || only.contains(String(name.prefix { $0 != "." }))
}

// A suite that fails does not stop the others: their figures are printed, the failure goes to
// stderr, and the exit status says that one failed.
var failed: [String] = []
for suite in suites where selected(suite.name) {
    do {
        for result in try await suite.run() {
            print(result.jsonLine())
        }
    } catch {
        failed.append(suite.name)
        FileHandle.standardError.write(Data("bench \(suite.name) failed: \(error)\n".utf8))
    }
}
if !failed.isEmpty {
    FileHandle.standardError.write(Data("bench: \(failed.count) suite(s) failed: \(failed.joined(separator: ", "))\n".utf8))
    exit(1)
}
