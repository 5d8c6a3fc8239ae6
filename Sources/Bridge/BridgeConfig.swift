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

/// One car and its charger.
public struct VehicleConfig: Sendable, Equatable {
    /// Unique id; also the `device_id` of its schedules and meter records.
    public var id: String
    public var name: String
    /// Usable battery capacity, Wh.
    public var capacityWh: Double
    /// The most the charger and car take together, W.
    public var maxPowerW: Double
    /// Grid-to-battery efficiency, 0 < e <= 1.
    public var efficiency: Double
    /// Default departure, local time of day in the tariff's zone.
    public var readyBy: TimeOfDay
    /// Percent the car should reach by `readyBy`.
    public var targetSoc: Double
    /// Percent charged at once whatever the price.
    public var minSoc: Double
    /// Phases the charger uses (for `{current_a}` in a power command), 1 or 3.
    public var phases: Int
    public var topics: VehicleTopics
}

/// The topics and payload mappings of one vehicle.
public struct VehicleTopics: Sendable, Equatable {
    /// An input: a topic and, for JSON payloads, the path of the value (`$.battery.level`).
    public struct Input: Sendable, Equatable {
        public var topic: String
        public var path: String?
        /// Multiplies the payload's number into the bridge's unit (1000 for kW or kWh).
        public var scale: Double = 1
    }

    public var plug: Input
    /// Payload words (case-insensitive) that mean "plugged in"; the bridge also understands
    /// connected/disconnected, ON/OFF, true/false and 1/0.
    public var plugConnected: [String]
    public var soc: Input
    public var power: Input
    /// The charger's cumulative energy counter, Wh; optional.
    public var energy: Input?
    public var readyBySet: String
    public var targetSocSet: String
    public var modeSet: String
    public var boostSet: String
    /// Where start/stop commands go.
    public var command: String
    public var commandStart: String
    public var commandStop: String
    /// Optional payload template for a power limit, with `{power_w}` or `{current_a}` placeholders.
    public var commandPower: String?
    public var schedule: String
    public var session: String
    public var costToday: String
    public var costMonth: String
    /// Retained state of the vehicle as the bridge sees it (mode, plugged, ready-by, target).
    public var state: String

    /// Every input topic with what it feeds.
    public var inputs: [(topic: String, kind: VehicleInput)] {
        var list: [(String, VehicleInput)] = [
            (plug.topic, .plug), (soc.topic, .soc), (power.topic, .power),
            (readyBySet, .readyBy), (targetSocSet, .targetSoc), (modeSet, .mode), (boostSet, .boost),
        ]
        if let energy { list.append((energy.topic, .energy)) }
        return list
    }
}

/// What an incoming topic of a vehicle carries.
public enum VehicleInput: String, Sendable, Hashable, CaseIterable {
    case plug, soc, power, energy, readyBy, targetSoc, mode, boost
}
