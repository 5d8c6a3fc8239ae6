import Foundation
@testable import PriceSources
import Tariffs
import TestSupport

enum SourceFixtures {
    /// The real 15-minute and 60-minute DE-LU prices (Examples/prices), for comparing what the sources parsed.
    static let quarterHours = try! SpotPriceSeries.load(csvPath: RepositoryPrices.url(RepositoryPrices.quarterHours).path).series
    static let hours = try! SpotPriceSeries.load(csvPath: RepositoryPrices.url(RepositoryPrices.hours).path).series

    static func at(_ text: String) -> Date { Timestamp.parse(text)! }

    static let deLU = BiddingZone(named: "DE-LU")!

    /// The rows of `series` starting in `[from, to)`.
    static func rows(_ series: SpotPriceSeries, from: String, to: String) -> [SpotPriceSeries.Row] {
        series.rows.filter { $0.start >= at(from) && $0.start < at(to) }
    }

    /// A fresh temporary folder.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cb-prices-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A settable clock for the poller tests.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func set(_ instant: Date) { lock.withLock { current = instant } }
}

/// Collects callbacks in order.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Value] = []

    func append(_ value: Value) { lock.withLock { stored.append(value) } }

    var values: [Value] { lock.withLock { stored } }
}

extension LocalHTTPServer.Response {
    /// A recorded response from `Responses/`.
    static func recorded(_ name: String, status: Int = 200) -> Self {
        let url = Bundle.module.url(forResource: "Responses/\(name)", withExtension: nil)!
        let type = name.hasSuffix(".json") ? "application/json" : name.hasSuffix(".xml") ? "application/xml" : "text/html"
        return Self(status: status, contentType: type, body: try! Data(contentsOf: url))
    }
}
