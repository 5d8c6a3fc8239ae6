import Foundation

/// Where a dynamic tariff's spot prices come from, as configured in its `dynamic` section:
/// `source` (`file`, `awattar`, `entsoe` or `mqtt`), `zone` (the bidding zone), `tokenEnv`
/// (ENTSO-E: the environment variable with the security token) and `topic` (MQTT: a topic
/// carrying a JSON array of `{start, end, price}`). Validated when the tariff is loaded; the
/// `PriceSources` module turns it into a fetcher.
public struct PriceSourceSpec: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The CSV named by `prices`, re-read when it changes.
        case file
        /// aWATTar's market-data API (DE-LU, AT).
        case awattar
        /// The ENTSO-E Transparency Platform (day-ahead, document type A44).
        case entsoe
        /// A JSON array of `{start, end, price}` on an MQTT topic.
        case mqtt
    }

    public var kind: Kind
    /// The bidding zone (`file` and `mqtt`: only for the forecast's public holidays).
    public var zone: BiddingZone?
    /// ENTSO-E: the environment variable holding the security token.
    public var tokenVariable: String?
    /// MQTT: the topic carrying the prices.
    public var topic: String?
    /// `file`: the CSV path, resolved against the tariff file's folder.
    public var filePath: String?

    public init(kind: Kind, zone: BiddingZone? = nil, tokenVariable: String? = nil, topic: String? = nil, filePath: String? = nil) {
        self.kind = kind
        self.zone = zone
        self.tokenVariable = tokenVariable
        self.topic = topic
        self.filePath = filePath
    }

    /// Whether prices come while the bridge runs (`awattar`, `entsoe`, `mqtt`) rather than
    /// from the tariff's own file.
    public var isLive: Bool { kind != .file }

    /// A short, stable name: `awattar DE-LU`, `entsoe DE-LU`, `mqtt home/prices`, `file`.
    /// Prices received from the source are stored in the ledger under it.
    public var name: String {
        switch kind {
        case .awattar, .entsoe: "\(kind.rawValue) \(zone?.name ?? "?")"
        case .mqtt: "mqtt \(topic ?? "?")"
        case .file: "file"
        }
    }

    /// The default token variable for ENTSO-E.
    public static let defaultTokenVariable = "ENTSOE_SECURITY_TOKEN"
}
