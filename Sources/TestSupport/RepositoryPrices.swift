import Foundation

/// The real DE-LU day-ahead prices committed in `Examples/prices/` (see its README), for the
/// tests, the bench and the campaigns: one place that knows where they are.
public enum RepositoryPrices {
    /// The 15-minute prices, 2025-09-29T22:00Z to 2026-05-31T22:00Z (23,352 rows).
    public static let quarterHours = "de-lu-dayahead-15min.csv.gz"
    /// The hourly prices, 2017-09-21T22:00Z to 2026-05-31T22:00Z (76,167 rows).
    public static let hours = "de-lu-dayahead-60min.csv.gz"

    /// The folder of the committed prices.
    public static let folder = ChargeBridgeBinary.packageRoot.appendingPathComponent("Examples/prices")

    /// `Examples/prices/<name>`, as committed (the long files gzip-compressed; the price
    /// reader takes them as they are).
    public static func url(_ name: String) -> URL {
        folder.appendingPathComponent(name)
    }

    /// The same path relative to the package root, for tariffs whose `prices` path is
    /// resolved against the root.
    public static func relativePath(_ name: String) -> String {
        "Examples/prices/\(name)"
    }

    /// The plain CSV of `name`, decompressed by the system's `gzip` (independently of the
    /// code under test) into the temporary folder once per process (written atomically under
    /// one name, so runs neither collide nor pile up copies).
    public static func plainCSV(_ name: String) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let url = decompressed[name] { return url }
        let source = url(name)
        guard name.hasSuffix(".gz") else { return source }
        let target = FileManager.default.temporaryDirectory
            .appendingPathComponent("chargebridge-prices-\(String(name.dropLast(3)))")
        let text = try runTool("/bin/gzip", ["-dc", source.path])
        try Data(text.utf8).write(to: target, options: .atomic)
        decompressed[name] = target
        return target
    }

    /// The text of `name`, decompressed (see `plainCSV`).
    public static func text(_ name: String) throws -> String {
        try String(contentsOf: plainCSV(name), encoding: .utf8)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var decompressed: [String: URL] = [:]
}
