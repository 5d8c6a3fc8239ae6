import Foundation

/// Day-ahead spot prices as read from a CSV file or an inline list: sorted,
/// non-overlapping `[start, end)` rows of any resolution (15, 30 or 60 minutes, mixed),
/// possibly with gaps. Looked up by binary search.
public struct SpotPriceSeries: Sendable, Hashable {
    /// One published price.
    public struct Row: Sendable, Hashable {
        public var start: Date
        public var end: Date
        /// Spot price in the source's unit (e.g. EUR/MWh).
        public var price: Double

        public init(start: Date, end: Date, price: Double) {
            self.start = start
            self.end = end
            self.price = price
        }
    }

    /// Rows sorted by start, never overlapping.
    public private(set) var rows: [Row]

    /// Sorts `rows` and checks they do not overlap; `source` names them in errors.
    public init(rows: [Row], source: String) throws {
        let sorted = rows.sorted { $0.start < $1.start }
        for (index, row) in sorted.enumerated() {
            guard row.end > row.start else {
                throw TariffError.invalidField(field: source, problem: "the price row starting \(Timestamp.format(row.start)) ends before it starts")
            }
            guard row.price.isFinite else {
                throw TariffError.invalidField(field: source, problem: "the price at \(Timestamp.format(row.start)) must be a finite number")
            }
            if index > 0, sorted[index - 1].end > row.start {
                throw TariffError.invalidField(
                    field: source,
                    problem: "the price rows starting \(Timestamp.format(sorted[index - 1].start)) and \(Timestamp.format(row.start)) overlap"
                )
            }
        }
        self.rows = sorted
    }

    /// Rows already sorted and checked.
    private init(checkedRows: [Row]) {
        rows = checkedRows
    }

    /// This series with `newer` rows laid over it: a newer row replaces every known row it
    /// overlaps (a corrected or re-published price wins); newer rows that are malformed
    /// (ending before they start, not finite) or overlap an earlier newer row are dropped.
    public func merging(_ newer: [Row]) -> SpotPriceSeries {
        var incoming: [Row] = []
        for row in newer.sorted(by: { $0.start < $1.start }) where row.end > row.start && row.price.isFinite {
            if let last = incoming.last, last.end > row.start { continue }
            incoming.append(row)
        }
        guard !incoming.isEmpty else { return self }
        // Keep the old rows that overlap no incoming row (incoming is sorted and disjoint).
        func overlapsIncoming(_ row: Row) -> Bool {
            let index = incoming.partitioningIndex { $0.end > row.start }
            return index < incoming.count && incoming[index].start < row.end
        }
        let kept = rows.filter { !overlapsIncoming($0) }
        return SpotPriceSeries(checkedRows: (kept + incoming).sorted { $0.start < $1.start })
    }

    /// This series with the rows of `earlier` that end before its first price put in front
    /// (a longer history, such as an hourly file, for learning the forecast where this
    /// series has none); `earlier`'s rows at or after this series' first price are ignored.
    public func prependingHistory(_ earlier: SpotPriceSeries) -> SpotPriceSeries {
        guard let first = firstStart else { return earlier }
        return SpotPriceSeries(checkedRows: earlier.rows.filter { $0.end <= first } + rows)
    }

    /// The first instant with a price, if any.
    public var firstStart: Date? { rows.first?.start }
    /// The end of the last known price, if any.
    public var lastEnd: Date? { rows.last?.end }

    /// Index of the first row that ends after `instant` (binary search).
    func firstIndex(endingAfter instant: Date) -> Int {
        rows.partitioningIndex { $0.end > instant }
    }

    /// Reads a CSV file of `start,end,<price>` rows (a header line is optional). Throws a
    /// `TariffError` naming the file and line when it cannot be read or a row is malformed.
    public static func load(csvPath path: String) throws -> (series: SpotPriceSeries, priceColumn: String?) {
        try readCSV(at: URL(fileURLWithPath: path), displayPath: path)
    }

    /// Reads a CSV file of `start,end,<price>` rows (a header line is optional), plain or
    /// gzip-compressed. Returns the series and the header's price column name, if there was a header.
    static func readCSV(at url: URL, displayPath: String) throws -> (series: SpotPriceSeries, priceColumn: String?) {
        let (rows, header) = try PriceFile.withContents(of: url, displayPath: displayPath) { bytes in
            try parseCSV(bytes, displayPath: displayPath)
        }
        do {
            return (try SpotPriceSeries(rows: rows, source: "prices"), header)
        } catch let error as TariffError {
            throw TariffError.inFile(path: displayPath, error)
        }
    }

    /// The rows and the header's price column of CSV text, parsed on its bytes: lines end in LF
    /// or CRLF, blank lines and lines starting with `#` are skipped, fields are trimmed of spaces
    /// and tabs. Throws naming the file and line of a malformed row.
    static func parseCSV(_ bytes: UnsafeBufferPointer<UInt8>, displayPath: String) throws -> (rows: [Row], header: String?) {
        var rows: [Row] = []
        var header: String?
        var lineNumber = 0
        rows.reserveCapacity(bytes.count / 48)
        func text(_ field: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[field]), as: UTF8.self)
        }
        func instant(_ field: Range<Int>) -> Date? {
            Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: bytes[field]))
        }
        func number(_ field: Range<Int>) -> Double? {
            parseDouble(UnsafeBufferPointer(rebasing: bytes[field]))
        }
        func problem(_ text: String) -> TariffError {
            .inFile(path: displayPath, .invalidField(field: "line \(lineNumber)", problem: text))
        }
        var fields: [Range<Int>] = []
        fields.reserveCapacity(4)
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 10 { lineEnd += 1 }
            lineNumber += 1
            var contentEnd = lineEnd
            while contentEnd > lineStart, bytes[contentEnd - 1] == 13 || bytes[contentEnd - 1] == 32 { contentEnd -= 1 }
            let content = lineStart..<contentEnd
            lineStart = lineEnd + 1
            if content.isEmpty || bytes[content.lowerBound] == UInt8(ascii: "#") { continue }
            fields.removeAll(keepingCapacity: true)
            var fieldStart = content.lowerBound
            for index in content where bytes[index] == UInt8(ascii: ",") {
                fields.append(trimmed(bytes, fieldStart..<index))
                fieldStart = index + 1
            }
            fields.append(trimmed(bytes, fieldStart..<content.upperBound))
            if rows.isEmpty, header == nil, fields.count >= 3, instant(fields[0]) == nil, number(fields[2]) == nil {
                header = text(fields[2])
                continue
            }
            guard fields.count == 3 else {
                throw problem("expected 3 columns start,end,price but found \(fields.count)")
            }
            guard let start = instant(fields[0]) else {
                throw problem("'\(text(fields[0]))' is not an ISO 8601 instant with an offset")
            }
            guard let end = instant(fields[1]) else {
                throw problem("'\(text(fields[1]))' is not an ISO 8601 instant with an offset")
            }
            guard let price = number(fields[2]), price.isFinite else {
                throw problem("'\(text(fields[2]))' is not a finite number")
            }
            rows.append(Row(start: start, end: end, price: price))
        }
        return (rows, header)
    }

    /// `field` without the spaces and tabs around it.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ field: Range<Int>) -> Range<Int> {
        var lower = field.lowerBound
        var upper = field.upperBound
        while lower < upper, bytes[lower] == 32 || bytes[lower] == 9 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 32 || bytes[upper - 1] == 9 { upper -= 1 }
        return lower..<upper
    }

    /// `Double(text)` on UTF-8 bytes: plain decimals such as `-12.34` with at most 15
    /// significant digits directly (one correctly rounded division, so the same value), any
    /// other form through `Double(String)`.
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var integerDigits = 0
        while index < bytes.count, bytes[index] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 48)
            digits += 1
            integerDigits += 1
            index += 1
        }
        if integerDigits > 0, index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] &- 48 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 48)
                digits += 1
                fractionDigits += 1
                index += 1
            }
        }
        guard integerDigits > 0, index == bytes.count, digits <= 15 else {
            return Double(String(decoding: bytes, as: UTF8.self))
        }
        let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -magnitude : magnitude
    }

    /// 10^0 ... 10^15, each exact in a `Double`.
    private static let powersOfTen: [Double] = (0...15).map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }
}
