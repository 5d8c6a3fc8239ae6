import Documents
import Foundation

/// The tariffs of one location: what it pays for imported energy and, optionally, what it
/// earns for exported energy. Loaded from a tariff file (JSON or YAML; docs/tariff-file.md).
public struct TariffSet: Sendable, Equatable {
    /// The import tariff; `nil` only for a file that holds just an export tariff.
    public let importTariff: Tariff?
    /// The export tariff, if any.
    public let exportTariff: Tariff?

    public init(importTariff: Tariff?, exportTariff: Tariff?) {
        self.importTariff = importTariff
        self.exportTariff = exportTariff
    }

    /// The tariff for a direction, if the file defines one.
    public func tariff(for direction: EnergyDirection) -> Tariff? {
        direction == .import ? importTariff : exportTariff
    }

    /// The import tariff if there is one, else the export tariff.
    public var primary: Tariff {
        (importTariff ?? exportTariff)!
    }

    /// Reads and validates a tariff file. Relative CSV paths are resolved against the
    /// file's folder. Throws `TariffError` naming the file, the field and what is wrong.
    public static func load(path: String) throws -> TariffSet {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let reason = !exists ? "no such file" : isDirectory.boolValue ? "it is a folder" : "permission denied"
            throw TariffError.unreadable(path: path, reason: reason)
        }
        do {
            return try parse(data, preferJSON: url.pathExtension.lowercased() == "json", baseDirectory: url.deletingLastPathComponent())
        } catch let error as TariffError {
            if case .unreadable = error { throw error }
            throw TariffError.inFile(path: path, error)
        }
    }

    /// Parses a tariff document held in memory (`baseDirectory` resolves relative CSV paths).
    public static func parse(_ data: Data, preferJSON: Bool = false, baseDirectory: URL) throws -> TariffSet {
        guard let text = String(data: data, encoding: .utf8) else {
            throw TariffError.syntax(format: "JSON or YAML", detail: "the file is not UTF-8 text")
        }
        let document: DocumentValue
        do {
            document = try DocumentValue.parse(text, preferJSON: preferJSON)
        } catch let error as DocumentSyntaxError {
            throw TariffError.syntax(format: error.format, detail: error.detail)
        }
        return try parse(document: document, baseDirectory: baseDirectory)
    }

    /// Validates a tariff already parsed as a document (for instance inline in a bridge config).
    public static func parse(document: DocumentValue, baseDirectory: URL) throws -> TariffSet {
        var parser = TariffParser(baseDirectory: baseDirectory)
        return try parser.parseSet(document)
    }
}
