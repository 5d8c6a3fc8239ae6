import Documents
import Foundation
import Tariffs

/// aWATTar's public market-data API (`GET /v1/marketdata?start=<ms>&end=<ms>`), which
/// answers `{"object": "list", "data": [{"start_timestamp", "end_timestamp", "marketprice",
/// "unit": "Eur/MWh"}]}` with epoch milliseconds. No credentials.
public struct AWATTarSource: DayAheadPriceSource {
    public var zone: BiddingZone
    /// The `marketdata` endpoint (the zone's by default; a test server's in tests).
    public var endpoint: URL
    var fetcher = HTTPFetcher()

    /// `nil` when aWATTar does not serve `zone` and no endpoint is given.
    public init?(zone: BiddingZone, endpoint: URL? = nil) {
        guard let url = endpoint ?? zone.awattarURL else { return nil }
        self.zone = zone
        self.endpoint = url
    }

    public var name: String { "aWATTar \(zone.name)" }

    public func prices(from: Date, to: Date) async throws(PriceSourceError) -> [SpotPriceSeries.Row] {
        guard var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) else {
            throw .malformed(source: name, problem: "the endpoint \(endpoint) is not a URL")
        }
        components.queryItems = (components.queryItems ?? []) + [
            URLQueryItem(name: "start", value: String(Int64(from.timeIntervalSince1970 * 1000))),
            URLQueryItem(name: "end", value: String(Int64(to.timeIntervalSince1970 * 1000))),
        ]
        let response = try await fetcher.get(components.url!, source: name)
        switch response.status {
        case 200:
            return try Self.parse(response.body, source: name)
        case 401, 403:
            throw .unauthorized(source: name, status: response.status, hint: "aWATTar needs no login; check the endpoint URL")
        default:
            throw .http(source: name, status: response.status, detail: Self.reasonPhrase(response.status))
        }
    }

    /// Parses a market-data answer into rows in EUR/MWh.
    static func parse(_ body: Data, source: String) throws(PriceSourceError) -> [SpotPriceSeries.Row] {
        let object: DocumentValue
        do {
            object = try DocumentValue.parse(String(decoding: body, as: UTF8.self), preferJSON: true)
        } catch {
            throw .malformed(source: source, problem: "the body is not JSON")
        }
        guard case let .array(data)? = object.membersByKey?["data"] else {
            throw .malformed(source: source, problem: "expected an object with a \"data\" list")
        }
        var rows: [SpotPriceSeries.Row] = []
        for (index, item) in data.enumerated() {
            guard let entry = item.membersByKey,
                  case let .number(start)? = entry["start_timestamp"],
                  case let .number(end)? = entry["end_timestamp"],
                  case let .number(price)? = entry["marketprice"], price.isFinite else {
                throw .malformed(source: source, problem: "data[\(index)] needs start_timestamp, end_timestamp and marketprice numbers")
            }
            let unit: String = if case let .string(text)? = entry["unit"] { text.lowercased() } else { "eur/mwh" }
            let scale: Double
            switch unit {
            case "eur/mwh": scale = 1
            case "eur/kwh": scale = 1000
            default: throw .malformed(source: source, problem: "data[\(index)].unit '\(unit)' is neither Eur/MWh nor Eur/kWh")
            }
            guard end > start else {
                throw .malformed(source: source, problem: "data[\(index)] ends before it starts")
            }
            rows.append(SpotPriceSeries.Row(
                start: Date(timeIntervalSince1970: start / 1000), end: Date(timeIntervalSince1970: end / 1000), price: price * scale
            ))
        }
        return rows.sorted { $0.start < $1.start }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "bad request"
        case 404: "not found"
        case 429: "too many requests"
        case 500: "internal server error"
        case 502: "bad gateway"
        case 503: "service unavailable"
        case 504: "gateway timeout"
        default: ""
        }
    }
}
