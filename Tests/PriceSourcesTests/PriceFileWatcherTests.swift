import Foundation
import Testing
@testable import PriceSources
import Tariffs

@Suite struct PriceFileWatcherTests {
    @Test func rereadsOnlyWhenTheFileChanges() throws {
        let folder = SourceFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("prices.csv").path
        let header = "start,end,eur_per_mwh\n"
        try (header + "2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,80\n").write(toFile: path, atomically: true, encoding: .utf8)
        var watcher = PriceFileWatcher(path: path)
        #expect(try watcher.reloadIfChanged()?.rows.count == 1)
        #expect(try watcher.reloadIfChanged() == nil)
        try (header + "2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,80\n2026-01-01T01:00:00Z,2026-01-01T02:00:00Z,75.5\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let updated = try #require(try watcher.reloadIfChanged())
        #expect(updated.rows.map(\.price) == [80, 75.5])
        #expect(try watcher.reloadIfChanged() == nil)
    }

    @Test func aBrokenFileIsReportedAndReadAgainNextTime() throws {
        let folder = SourceFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("prices.csv").path
        try "start,end,eur_per_mwh\n2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,cheap\n".write(toFile: path, atomically: true, encoding: .utf8)
        var watcher = PriceFileWatcher(path: path)
        #expect(throws: TariffError.self) { try watcher.reloadIfChanged() }
        do {
            _ = try watcher.reloadIfChanged()
        } catch {
            #expect("\(error)".contains("line 2"))
        }
        try "start,end,eur_per_mwh\n2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,12\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try watcher.reloadIfChanged()?.rows.first?.price == 12)
    }
}
