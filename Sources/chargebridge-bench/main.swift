import Foundation

// `make bench`: every suite prints its figures as JSON lines on stdout (docs/benchmarks.md).
// A suite is an async function returning its results; each module's issue adds its own.
let suites: [(name: String, run: () async throws -> [BenchResult])] = [
    ("plan", planBench),
    ("mqtt", mqttBench),
    ("ledger", ledgerBench),
    ("costs", costRefreshBench),
    ("forecast", forecastBench),
    ("tariff", tariffLoadBench),
    ("bridge", bridgeBench),
    ("bridge", bridgeLoadBench),
    ("tick", bridgeTickBench),
]

// `make bench BENCH=plan,bridge` runs only the named suites.
let only = ProcessInfo.processInfo.environment["BENCH"].flatMap { $0.isEmpty ? nil : Set($0.split(separator: ",").map(String.init)) }

for suite in suites where only?.contains(suite.name) ?? true {
    do {
        for result in try await suite.run() {
            print(result.jsonLine())
        }
    } catch {
        FileHandle.standardError.write(Data("bench \(suite.name) failed: \(error)\n".utf8))
        exit(1)
    }
}
