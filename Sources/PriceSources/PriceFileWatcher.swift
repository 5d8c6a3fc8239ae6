import Foundation
import Tariffs

/// Re-reads a prices CSV when it changes on disk (its modification time or size), so
/// prices dropped into the file by another tool are picked up without a restart.
public struct PriceFileWatcher: Sendable {
    public let path: String
    private var stamp: Stamp?

    /// What tells a changed file: its modification time and size.
    public struct Stamp: Sendable, Equatable {
        public var modified: Date
        public var size: Int

        /// The file's stamp now; `nil` when it cannot be read.
        public static func of(_ path: String) -> Stamp? {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let modified = attributes[.modificationDate] as? Date else { return nil }
            return Stamp(modified: modified, size: (attributes[.size] as? NSNumber)?.intValue ?? -1)
        }
    }

    /// Watches `path`; the first `reloadIfChanged()` reads it.
    public init(path: String) {
        self.path = path
    }

    /// The prices when the file changed since the last read, `nil` when it did not.
    /// Throws a `TariffError` naming the file and line when it cannot be read or parsed
    /// (and reads it again next time).
    public mutating func reloadIfChanged() throws -> SpotPriceSeries? {
        let current = Stamp.of(path)
        guard current == nil || current != stamp else { return nil }
        let series = try SpotPriceSeries.load(csvPath: path).series
        stamp = current
        return series
    }

}
