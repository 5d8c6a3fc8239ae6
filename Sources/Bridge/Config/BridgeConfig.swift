import Foundation
import Logging
import Tariffs

/// The bridge's configuration (docs/bridge.md), validated and with defaults applied.
public struct BridgeConfig: Sendable {
    /// How to reach the MQTT broker.
    public struct Broker: Sendable, Equatable {
        public enum ProtocolVersion: String, Sendable, Equatable {
            case v5 = "5"
            case v311 = "3.1.1"
        }

        /// `mqtt` or `mqtts`.
        public var scheme: String
        public var host: String
        public var port: Int
        public var clientId: String
        public var username: String?
        public var password: Secret?
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        /// Skip certificate hostname checks (self-signed test set-ups only).
        public var insecure: Bool
        public var protocolVersion: ProtocolVersion
        public var keepAliveSeconds: Int

        /// Whether the connection uses TLS.
        public var usesTLS: Bool { scheme == "mqtts" }
        /// The URL without credentials, safe to log.
        public var displayURL: String { "\(scheme)://\(host):\(port)" }
    }

    /// Home Assistant MQTT discovery; `nil` when switched off.
    public struct Discovery: Sendable, Equatable {
        public var prefix: String
    }

    /// The home's connection.
    public struct Location: Sendable, Equatable {
        public var id: String
        /// The connection's limit shared by all vehicles, W; `nil` for none.
        public var maxPowerW: Double?
        /// The home's meter at the connection (`location.grid`), if there is one.
        public var grid: GridMeter? = nil
        /// The home's PV (`location.solar`), if the solar modes are set up; needs ``grid``.
        public var solar: SolarConfig? = nil
    }

    /// The home's meter at the connection (docs/site.md): W now, import positive.
    public struct GridMeter: Sendable, Equatable {
        public var topic: String
        /// JSON path of the power in the payload; nil for a bare number.
        public var path: String?
        /// Multiplies the reading into W (1000 for kW).
        public var scale: Double = 1
        /// Whether the meter reports export as positive (the bridge then negates its readings).
        public var exportPositive: Bool = false

        public init(topic: String, path: String? = nil, scale: Double = 1, exportPositive: Bool = false) {
            self.topic = topic
            self.path = path
            self.scale = scale
            self.exportPositive = exportPositive
        }
    }

    /// How energy is metered.
    public struct MeteringOptions: Sendable, Equatable {
        /// Energy is written to the ledger at least this often, seconds.
        public var flushIntervalSeconds: Double
        /// A power reading older than this counts as zero, seconds.
        public var powerStaleAfterSeconds: Double
        /// Session, cost/today and cost/month are published at most this often per vehicle, seconds.
        public var publishIntervalSeconds: Double
    }

    public var broker: Broker
    public var baseTopic: String
    public var discovery: Discovery?
    public var location: Location
    public var tariffs: TariffSet
    /// The import tariff the bridge plans and prices with.
    public var tariff: Tariff
    /// The tariff file, when the configuration names one (re-read when its prices change).
    public var tariffPath: String?
    /// Absolute path of the SQLite ledger.
    public var databasePath: String
    public var metering: MeteringOptions
    public var vehicles: [VehicleConfig]
    /// `log_level`: how much `chargebridge run` logs unless `--log-level` says otherwise (nil: info).
    public var logLevel: Logger.Level? = nil

    /// Reads the tariff file again (nil when the tariff is inline).
    public func reloadTariffs() throws -> TariffSet? {
        guard let tariffPath else { return nil }
        return try TariffSet.load(path: tariffPath)
    }
}
