import Foundation

/// A day-ahead market bidding zone: its name, its ENTSO-E area code (EIC) and, where
/// aWATTar serves it, aWATTar's market-data endpoint.
public struct BiddingZone: Sendable, Hashable, CustomStringConvertible {
    /// The short name, e.g. `DE-LU`.
    public var name: String
    /// The ENTSO-E energy identification code, e.g. `10Y1001A1001A82H`.
    public var eic: String
    /// aWATTar's `marketdata` URL for this zone, if aWATTar covers it.
    public var awattarURL: URL?

    public init(name: String, eic: String, awattarURL: URL? = nil) {
        self.name = name
        self.eic = eic
        self.awattarURL = awattarURL
    }

    public var description: String { name }

    /// The zones known by name (an unknown zone can still be given by its EIC code).
    public static let known: [BiddingZone] = [
        BiddingZone(name: "DE-LU", eic: "10Y1001A1001A82H", awattarURL: URL(string: "https://api.awattar.de/v1/marketdata")),
        BiddingZone(name: "AT", eic: "10YAT-APG------L", awattarURL: URL(string: "https://api.awattar.at/v1/marketdata")),
        BiddingZone(name: "NL", eic: "10YNL----------L"),
        BiddingZone(name: "BE", eic: "10YBE----------2"),
        BiddingZone(name: "FR", eic: "10YFR-RTE------C"),
        BiddingZone(name: "CH", eic: "10YCH-SWISSGRIDZ"),
        BiddingZone(name: "PL", eic: "10YPL-AREA-----S"),
        BiddingZone(name: "CZ", eic: "10YCZ-CEPS-----N"),
        BiddingZone(name: "DK1", eic: "10YDK-1--------W"),
        BiddingZone(name: "DK2", eic: "10YDK-2--------M"),
        BiddingZone(name: "SE3", eic: "10Y1001A1001A46L"),
        BiddingZone(name: "SE4", eic: "10Y1001A1001A47J"),
        BiddingZone(name: "NO1", eic: "10YNO-1--------2"),
        BiddingZone(name: "FI", eic: "10YFI-1--------U"),
        BiddingZone(name: "ES", eic: "10YES-REE------0"),
        BiddingZone(name: "PT", eic: "10YPT-REN------W"),
        BiddingZone(name: "IT-NORD", eic: "10Y1001A1001A73I"),
    ]

    /// The zone named `text` (`DE-LU`, case-insensitive) or with that EIC code; `nil` if unknown.
    public init?(named text: String) {
        let wanted = text.uppercased()
        if let zone = Self.known.first(where: { $0.name == wanted || $0.eic == wanted }) {
            self = zone
        } else if wanted.count == 16, wanted.hasPrefix("10Y") {
            self.init(name: wanted, eic: wanted)
        } else {
            return nil
        }
    }
}
