import Documents
import Foundation

extension SpotPriceSeries {
    /// Prices from a list of `{start, end, price}` objects (a tariff's inline `dynamic.prices`,
    /// or a message on an MQTT price topic): ISO 8601 instants with an offset, a finite price
    /// in the tariff's unit. Throws a `TariffError` naming the item (`field[3].start`) and what
    /// is wrong.
    public init(list items: [DocumentValue], field: String) throws {
        var rows: [Row] = []
        rows.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let itemPath = "\(field)[\(index)]"
            guard case .object = item else {
                throw TariffError.invalidField(field: itemPath, problem: "must be an object {start, end, price}")
            }
            var instants: [Date] = []
            for key in ["start", "end"] {
                guard let text = item[key]?.text, let instant = Timestamp.parse(text) else {
                    throw TariffError.invalidField(field: "\(itemPath).\(key)", problem: "must be an ISO 8601 instant with an offset, such as 2025-10-07T01:00:00Z")
                }
                instants.append(instant)
            }
            guard let priceValue = item["price"] else {
                throw TariffError.invalidField(field: "\(itemPath).price", problem: "is required")
            }
            let price = try TariffError.reading { () throws(DocumentFieldError) in try priceValue.finiteNumber(at: "\(itemPath).price") }
            rows.append(Row(start: instants[0], end: instants[1], price: price))
        }
        try self.init(rows: rows, source: field)
    }

    /// Prices from the payload of an MQTT price topic: a JSON array of `{start, end, price}`
    /// (how a Home Assistant automation forwards Nord Pool or Tibber prices). `topic` names
    /// the payload in errors.
    public init(jsonPayload text: String, topic: String) throws {
        let document: DocumentValue
        do {
            document = try DocumentValue.parse(text, preferJSON: true)
        } catch let error as DocumentSyntaxError {
            throw TariffError.invalidField(field: topic, problem: "is not JSON (\(error.detail))")
        }
        guard case let .array(items) = document else {
            throw TariffError.invalidField(field: topic, problem: "must be a JSON array of {start, end, price}, found \(document.kindDescription)")
        }
        try self.init(list: items, field: topic)
    }
}
