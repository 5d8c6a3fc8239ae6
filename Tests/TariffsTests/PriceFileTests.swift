import Foundation
import Testing
import TestSupport
@testable import Tariffs

/// Price files as users give them: gzip-compressed or plain, with CRLF, comments and blanks;
/// the byte parser against `Double(String)`, `gzip -d` and the error messages.
@Suite struct PriceFileTests {
    /// Loads a dynamic tariff whose `prices` is `name` (relative to the tariff) holding `content`.
    private func tariff(prices content: Data, name: String) throws -> Tariff {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try content.write(to: folder.appendingPathComponent(name))
        let url = folder.appendingPathComponent("tariff.yaml")
        try """
            timeZone: Europe/Berlin
            currency: EUR
            tariffs: [{type: dynamic, currency: EUR}]
            dynamic: {prices: \(name), charges: 0.12, vat: 0.19}
            """.write(to: url, atomically: true, encoding: .utf8)
        return try TariffSet.load(path: url.path).importTariff!
    }

    /// The message of the error loading `content` as `name`, without the tariff file's path.
    private func error(prices content: Data, name: String) -> String? {
        do {
            _ = try tariff(prices: content, name: name)
            return nil
        } catch let error as TariffError {
            return error.withoutFile.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test(arguments: [RepositoryPrices.quarterHours, RepositoryPrices.hours])
    func theCommittedGzipFilesReadAsTheirPlainText(file: String) throws {
        let compressed = try SpotPriceSeries.load(csvPath: RepositoryPrices.url(file).path)
        let plain = try SpotPriceSeries.load(csvPath: RepositoryPrices.plainCSV(file).path)
        #expect(compressed.series == plain.series)
        #expect(compressed.priceColumn == "eur_per_mwh")
        #expect(compressed.series.rows.count == (file == RepositoryPrices.hours ? 76_167 : 23_352))
        // Every price as `Double(String)` reads the plain text (`gzip -d`, not our zlib code).
        let text = try RepositoryPrices.text(file)
        let expected = text.split(whereSeparator: \.isNewline).dropFirst().map { line in
            Double(line.split(separator: ",")[2].trimmingCharacters(in: .whitespaces))!
        }
        #expect(compressed.series.rows.map(\.price) == expected)
    }

    @Test func gzipIsKnownByItsBytesNotItsName() throws {
        let gzip = try Data(contentsOf: RepositoryPrices.url(RepositoryPrices.quarterHours))
        let plain = try Data(contentsOf: RepositoryPrices.plainCSV(RepositoryPrices.quarterHours))
        let reference = try tariff(prices: plain, name: "prices.csv").dynamic!.spot
        #expect(reference.rows.count == 23_352)
        #expect(try tariff(prices: gzip, name: "prices.csv.gz").dynamic!.spot == reference)
        #expect(try tariff(prices: gzip, name: "prices.csv").dynamic!.spot == reference)
        #expect(try tariff(prices: plain, name: "prices.csv.gz").dynamic!.spot == reference)
    }

    @Test func twoConcatenatedMembersReadAsOneFile() throws {
        // `cat a.gz b.gz` is a valid gzip file (as `gzip -d` reads it): the rows of both.
        let csv = "start,end,eur_per_mwh\n2025-10-01T00:00:00Z,2025-10-01T00:15:00Z,80.5\n"
        let more = "2025-10-01T00:15:00Z,2025-10-01T00:30:00Z,-1.25\n"
        var joined = try gzip(Data(csv.utf8))
        joined.append(try gzip(Data(more.utf8)))
        let rows = try tariff(prices: joined, name: "p.csv.gz").dynamic!.spot.rows
        #expect(rows.map(\.price) == [80.5, -1.25])
    }

    @Test func aCorruptGzipFileIsNamedAndSaysSo() throws {
        var damaged = try Data(contentsOf: RepositoryPrices.url(RepositoryPrices.quarterHours))
        for offset in stride(from: 1000, to: 1100, by: 1) { damaged[offset] ^= 0x5A }
        let message = try #require(error(prices: damaged, name: "p.csv.gz"))
        #expect(message.hasPrefix("p.csv.gz: not valid gzip: the compressed data is corrupt ("), "\(message)")

        let truncated = try Data(contentsOf: RepositoryPrices.url(RepositoryPrices.quarterHours)).prefix(50_000)
        #expect(error(prices: Data(truncated), name: "p.csv.gz") == "p.csv.gz: not valid gzip: the file ends inside the compressed data (truncated)")

        var trailing = try gzip(Data("start,end,eur_per_mwh\n".utf8))
        trailing.append(Data("garbage".utf8))
        #expect(error(prices: trailing, name: "p.csv.gz") == "p.csv.gz: not valid gzip: unexpected bytes after the compressed data")
    }

    @Test func anErrorInACompressedFileNamesItsLine() throws {
        let csv = "start,end,eur_per_mwh\n2025-10-01T00:00:00Z,2025-10-01T00:15:00Z,80.5\n2025-10-01T00:15:00Z,2025-10-01T00:30:00Z,eighty\n"
        #expect(error(prices: try gzip(Data(csv.utf8)), name: "p.csv.gz") == "p.csv.gz: line 3: 'eighty' is not a finite number")
    }

    @Test func linesAreNumberedAcrossCommentsBlanksAndCRLF() throws {
        let head = "# DE-LU\r\n\r\nstart , end , eur_per_mwh\r\n 2025-10-01T00:00:00Z ,\t2025-10-01T02:15:00+02:00, 80.5 \r\n   \r\n"
        let rows = try tariff(prices: Data(head.utf8), name: "p.csv").dynamic!.spot.rows
        #expect(rows == [SpotPriceSeries.Row(start: Fixtures.at("2025-10-01T00:00:00Z"), end: Fixtures.at("2025-10-01T00:15:00Z"), price: 80.5)])
        #expect(error(prices: Data((head + "2025-10-01T00:15:00Z,2025-10-01T00:30:00Z,1,2\r\n").utf8), name: "p.csv")
            == "p.csv: line 6: expected 3 columns start,end,price but found 4")
        #expect(error(prices: Data((head + "2025-10-01T00:15:00Z, 2025-10-01 00:30 ,1\r\n").utf8), name: "p.csv")
            == "p.csv: line 6: '2025-10-01 00:30' is not an ISO 8601 instant with an offset")
        #expect(error(prices: Data((head + "\n2025-10-01T00:15Z,2025-10-01T00:30:00Z, inf\r\n").utf8), name: "p.csv")
            == "p.csv: line 7: 'inf' is not a finite number")
    }

    @Test(arguments: ["80.5", "-0", "0", "+1.5", "1.", ".5", "-.5", "1e3", "2.5E-2", "0x1p3", "inf", "-infinity", "nan", "",
                      "-", "+", ".", "1.2.3", "12a", "123456789012345", "1234567890123456", "0.1234567890123456789",
                      "-498.65", "919.64", "99999999999.9999", "00012.50", "1_000", "١٢"])
    func numbersParseAsDoubleFromStringDoes(text: String) {
        var copy = text
        let parsed = copy.withUTF8 { SpotPriceSeries.parseDouble($0) }
        let expected = Double(text)
        #expect(parsed?.bitPattern == expected?.bitPattern || (parsed?.isNaN == true && expected?.isNaN == true), "\(text)")
    }

    /// `gzip -c` of `data`, by the system's gzip.
    private func gzip(_ data: Data) throws -> Data {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("p")
        try data.write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", file.path]
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: folder.appendingPathComponent("p.gz"))
    }
}
