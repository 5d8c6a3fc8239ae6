import Foundation
import Tariffs

/// What the ENTSO-E API answers: day-ahead prices from a `Publication_MarketDocument`
/// (every `TimeSeries/Period` with its `timeInterval`, `resolution` and `Point`s of
/// `position` and `price.amount`), or an `Acknowledgement_MarketDocument` with a reason
/// (`999`: no matching data).
enum ENTSOEDocument: Equatable {
    case prices([SpotPriceSeries.Row])
    case acknowledgement(code: String, text: String)

    struct Failure: Error {
        var problem: String
    }

    /// Parses the XML; throws `Failure` when it is neither document.
    static func parse(_ data: Data) throws -> ENTSOEDocument {
        let delegate = Delegate()
        do {
            try XMLScanner.scan([UInt8](data)) { event in
                switch event {
                case let .start(name): delegate.didStart(name)
                case let .text(text): delegate.found(text)
                case let .end(name): delegate.didEnd(name)
                }
            }
        } catch {
            throw Failure(problem: "not well-formed XML")
        }
        if let failure = delegate.failure { throw failure }
        switch delegate.root {
        case "Publication_MarketDocument":
            return .prices(try rows(of: delegate.periods))
        case "Acknowledgement_MarketDocument":
            return .acknowledgement(code: delegate.reasonCode, text: delegate.reasonText.trimmingCharacters(in: .whitespacesAndNewlines))
        default:
            throw Failure(problem: "unexpected document \(delegate.root ?? "(none)")")
        }
    }

    struct Period {
        var start = ""
        var end = ""
        var resolution = ""
        var points: [(position: Int, price: Double)] = []
    }

    /// Prices of all periods; finer resolutions win where periods overlap (a zone may
    /// publish both a 15-minute and an hourly series). Positions left out (curve type A03)
    /// repeat the price before them.
    static func rows(of periods: [Period]) throws -> [SpotPriceSeries.Row] {
        var byResolution: [(seconds: TimeInterval, rows: [SpotPriceSeries.Row])] = []
        for period in periods {
            guard let start = parseInstant(period.start), let end = parseInstant(period.end), end > start else {
                throw Failure(problem: "a Period has no valid timeInterval start/end")
            }
            guard let step = duration(period.resolution) else {
                throw Failure(problem: "resolution '\(period.resolution)' is not PT15M, PT30M or PT60M")
            }
            let count = Int((end.timeIntervalSince(start) / step).rounded())
            let points = Dictionary(period.points.map { ($0.position, $0.price) }, uniquingKeysWith: { first, _ in first })
            guard points.keys.allSatisfy({ (1...count).contains($0) }) else {
                throw Failure(problem: "a Point position lies outside its Period \(period.start)/\(period.end)")
            }
            var rows: [SpotPriceSeries.Row] = []
            var price: Double?
            for position in 1...max(count, 1) {
                if let given = points[position] { price = given }
                guard let price else { continue }
                let slotStart = start.addingTimeInterval(Double(position - 1) * step)
                rows.append(.init(start: slotStart, end: slotStart.addingTimeInterval(step), price: price))
            }
            byResolution.append((step, rows))
        }
        var taken: [SpotPriceSeries.Row] = []
        for (_, rows) in byResolution.sorted(by: { $0.seconds < $1.seconds }) {
            for row in rows where !taken.contains(where: { $0.start < row.end && row.start < $0.end }) {
                taken.append(row)
            }
        }
        return taken.sorted { $0.start < $1.start }
    }

    /// `2025-10-25T22:00Z` (no seconds, as ENTSO-E writes it) or a full ISO 8601 instant.
    static func parseInstant(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let instant = Timestamp.parse(trimmed) { return instant }
        if trimmed.hasSuffix("Z"), trimmed.count == 17 {
            return Timestamp.parse(String(trimmed.dropLast()) + ":00Z")
        }
        return nil
    }

    static func duration(_ resolution: String) -> TimeInterval? {
        switch resolution.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "PT15M": 900
        case "PT30M": 1800
        case "PT60M", "PT1H": 3600
        default: nil
        }
    }

    /// Collects the few elements that matter, ignoring namespaces.
    final class Delegate {
        var root: String?
        var periods: [Period] = []
        var reasonCode = ""
        var reasonText = ""
        var failure: Failure?
        private var path: [String] = []
        private var text = ""
        private var period: Period?
        private var position: Int?
        private var price: Double?

        func didStart(_ elementName: String) {
            let name = elementName.split(separator: ":").last.map(String.init) ?? elementName
            if root == nil { root = name }
            path.append(name)
            text = ""
            switch name {
            case "Period": period = Period()
            case "Point": position = nil; price = nil
            default: break
            }
        }

        func found(_ string: String) {
            text += string
        }

        func didEnd(_ elementName: String) {
            let name = path.popLast() ?? elementName
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let parent = path.last
            switch (parent, name) {
            case ("timeInterval", "start") where period != nil: period?.start = value
            case ("timeInterval", "end") where period != nil: period?.end = value
            case ("Period", "resolution"): period?.resolution = value
            case ("Point", "position"):
                position = Int(value)
                if position == nil { failure = Failure(problem: "position '\(value)' is not a whole number") }
            case ("Point", "price.amount"):
                price = Double(value)
                if price?.isFinite != true { failure = Failure(problem: "price.amount '\(value)' is not a number") }
            case (_, "Point"):
                if let position, let price {
                    period?.points.append((position, price))
                } else if failure == nil {
                    failure = Failure(problem: "a Point lacks position or price.amount")
                }
            case (_, "Period"):
                if let period { periods.append(period) }
                period = nil
            case ("Reason", "code"): if reasonCode.isEmpty { reasonCode = value }
            case ("Reason", "text"): reasonText += reasonText.isEmpty ? value : " " + value
            default: break
            }
            text = ""
        }
    }
}

extension ENTSOEDocument {
    static func == (lhs: ENTSOEDocument, rhs: ENTSOEDocument) -> Bool {
        switch (lhs, rhs) {
        case let (.prices(a), .prices(b)): a == b
        case let (.acknowledgement(c1, t1), .acknowledgement(c2, t2)): c1 == c2 && t1 == t2
        default: false
        }
    }
}
