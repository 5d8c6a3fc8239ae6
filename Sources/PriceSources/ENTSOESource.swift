import Foundation
import Tariffs

/// The ENTSO-E Transparency Platform's day-ahead prices (document type A44,
/// `Publication_MarketDocument` XML). The security token is read from an environment
/// variable at each request and sent as the `securityToken` parameter; it never appears in
/// an error or a log line.
public struct ENTSOESource: DayAheadPriceSource {
    public var zone: BiddingZone
    public var endpoint: URL
    /// The environment variable holding the token.
    public var tokenVariable: String
    /// The environment the token is read from (the process's by default).
    var environment: @Sendable () -> [String: String]
    var fetcher = HTTPFetcher()

    public static let defaultEndpoint = URL(string: "https://web-api.tp.entsoe.eu/api")!
    public static let defaultTokenVariable = "ENTSOE_SECURITY_TOKEN"

    public init(
        zone: BiddingZone, endpoint: URL = ENTSOESource.defaultEndpoint, tokenVariable: String = ENTSOESource.defaultTokenVariable,
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
    ) {
        self.zone = zone
        self.endpoint = endpoint
        self.tokenVariable = tokenVariable
        self.environment = environment
    }

    public var name: String { "ENTSO-E \(zone.name)" }

    public func prices(from: Date, to: Date) async throws(PriceSourceError) -> [SpotPriceSeries.Row] {
        guard let token = environment()[tokenVariable], !token.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .missingToken(source: name, variable: tokenVariable)
        }
        guard var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) else {
            throw .malformed(source: name, problem: "the endpoint \(endpoint) is not a URL")
        }
        components.queryItems = (components.queryItems ?? []) + [
            URLQueryItem(name: "securityToken", value: token.trimmingCharacters(in: .whitespaces)),
            URLQueryItem(name: "documentType", value: "A44"),
            URLQueryItem(name: "in_Domain", value: zone.eic),
            URLQueryItem(name: "out_Domain", value: zone.eic),
            URLQueryItem(name: "periodStart", value: Self.periodText(from)),
            URLQueryItem(name: "periodEnd", value: Self.periodText(to)),
        ]
        let response = try await fetcher.get(components.url!, source: name)
        // A server's own words may quote the request, token included: never pass that on.
        let secret = token.trimmingCharacters(in: .whitespaces)
        let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
        func redacted(_ text: String) -> String {
            text.replacingOccurrences(of: secret, with: "<redacted>").replacingOccurrences(of: encoded, with: "<redacted>")
        }
        var document: ENTSOEDocument?
        var problem = "the body is empty"
        if !response.body.isEmpty {
            do {
                document = try ENTSOEDocument.parse(response.body)
            } catch let failure as ENTSOEDocument.Failure {
                problem = failure.problem
            } catch {
                problem = "\(error)"
            }
        }
        switch (response.status, document) {
        case (200, .prices(let rows)?):
            return rows.filter { $0.end > from && $0.start < to }
        case (_, .acknowledgement(let code, let text)?) where code == "999" && text.localizedCaseInsensitiveContains("no matching data"):
            // "No matching data found": the day is not published (yet).
            return []
        case (401, _), (403, _):
            throw .unauthorized(source: name, status: response.status, hint: "check the security token in \(tokenVariable)")
        case (200, nil):
            throw .malformed(source: name, problem: redacted(problem))
        case (_, .acknowledgement(let code, let text)?):
            throw .rejected(source: name, reason: redacted("\(text.isEmpty ? "no reason given" : text) (reason code \(code))"))
        default:
            throw .http(source: name, status: response.status, detail: AWATTarSource.reasonPhrase(response.status))
        }
    }

    /// `yyyyMMddHHmm` in UTC, the API's period format.
    static func periodText(_ instant: Date) -> String {
        let text = Timestamp.format(instant) // 2025-10-26T22:00:00Z
        let digits = text.filter(\.isNumber)
        return String(digits.prefix(12))
    }
}
