import Documents
import Foundation
import Planning
import Logging
import Tariffs

/// Reads and validates a bridge configuration file (YAML or JSON).
public enum BridgeConfigLoader {
    /// Loads `path`; relative paths inside (tariff, database, credential files) are relative to
    /// the file. `environment` supplies `password_env`. Throws `ConfigError` naming the key.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BridgeConfig {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigError(file: path, key: "", problem: exists ? "cannot be read (permission denied or not UTF-8 text)" : "does not exist")
        }
        do {
            return try parse(text, baseDirectory: url.deletingLastPathComponent(), environment: environment)
        } catch var error as ConfigError {
            error.file = path
            throw error
        }
    }

    /// Parses configuration text held in memory.
    public static func parse(_ text: String, baseDirectory: URL, environment: [String: String] = [:]) throws -> BridgeConfig {
        let document: DocumentValue
        do {
            document = try DocumentValue.parse(text, preferJSON: false)
        } catch let error as DocumentSyntaxError {
            throw ConfigError(key: "", problem: error.description)
        }
        var reader = Reader(baseDirectory: baseDirectory, environment: environment)
        return try reader.config(document)
    }
}

/// Typed access to the document with the key path in every error.
struct Reader {
    var baseDirectory: URL
    var environment: [String: String]

    mutating func config(_ root: DocumentValue) throws -> BridgeConfig {
        if root.isNull {
            throw ConfigError(key: "", problem: "is empty; it needs at least broker, tariff and vehicles (see Config/chargebridge.yaml)")
        }
        guard case .object = root else { throw ConfigError(key: "(top level)", problem: "must be a mapping of keys") }
        try known(root, "", ["broker", "base_topic", "home_assistant", "location", "tariff", "database", "vehicles", "metering", "log_level"])

        let broker = try self.broker(try required(root, "broker", ""))
        let baseTopic = try string(root["base_topic"], "base_topic") ?? "chargebridge"
        try checkTopic(baseTopic, "base_topic")

        var discovery: BridgeConfig.Discovery? = BridgeConfig.Discovery(prefix: "homeassistant")
        if let ha = root["home_assistant"], !ha.isNull {
            try known(ha, "home_assistant", ["discovery_prefix", "discovery"])
            if try bool(ha["discovery"], "home_assistant.discovery") == false {
                discovery = nil
            } else if let prefix = try string(ha["discovery_prefix"], "home_assistant.discovery_prefix") {
                try checkTopic(prefix, "home_assistant.discovery_prefix")
                discovery = .init(prefix: prefix)
            }
        }

        var location = BridgeConfig.Location(id: "home", maxPowerW: nil)
        var locationZone: String?
        var locationCurrency: String?
        if let value = root["location"], !value.isNull {
            try known(value, "location", ["id", "max_power_w", "time_zone", "timezone", "currency", "grid", "solar"])
            location.id = try identifier(value["id"], "location.id") ?? "home"
            location.maxPowerW = try number(value["max_power_w"], "location.max_power_w", positive: true)
            location.grid = try gridMeter(value["grid"], "location.grid")
            location.solar = try solar(value["solar"], "location.solar", grid: location.grid)
            locationZone = try string(value["time_zone"] ?? value["timezone"], "location.time_zone")
            locationCurrency = try string(value["currency"], "location.currency")
        }

        let tariffs = try tariffSet(try required(root, "tariff", ""))
        for source in tariffs.livePriceSources where source.kind == .mqtt {
            try checkTopic(source.topic ?? "", "tariff.dynamic.topic")
        }
        guard let tariff = tariffs.importTariff else {
            throw ConfigError(key: "tariff", problem: "has no IMPORT tariff to plan and price charging with")
        }
        if let locationZone, locationZone != tariff.timeZone.identifier {
            throw ConfigError(key: "location.time_zone", problem: "is \(locationZone) but the tariff's timeZone is \(tariff.timeZone.identifier)")
        }
        if let locationCurrency, locationCurrency != tariff.currency {
            throw ConfigError(key: "location.currency", problem: "is \(locationCurrency) but the tariff's currency is \(tariff.currency)")
        }

        let database = resolve(try string(root["database"], "database") ?? "chargebridge.sqlite")

        var metering = BridgeConfig.MeteringOptions(flushIntervalSeconds: 1, powerStaleAfterSeconds: 120, publishIntervalSeconds: 1)
        if let value = root["metering"], !value.isNull {
            try known(value, "metering", ["flush_interval_s", "power_stale_after_s", "publish_interval_s"])
            if let flush = try number(value["flush_interval_s"], "metering.flush_interval_s", positive: true) {
                guard flush <= 1 else { throw ConfigError(key: "metering.flush_interval_s", problem: "must be at most 1 second (energy is flushed at least every second)") }
                metering.flushIntervalSeconds = flush
            }
            metering.powerStaleAfterSeconds = try number(value["power_stale_after_s"], "metering.power_stale_after_s", positive: true) ?? metering.powerStaleAfterSeconds
            metering.publishIntervalSeconds = try number(value["publish_interval_s"], "metering.publish_interval_s", positive: true) ?? metering.publishIntervalSeconds
        }

        guard case let .array(items)? = root["vehicles"], !items.isEmpty else {
            throw ConfigError(key: "vehicles", problem: "must list at least one vehicle, each with an id")
        }
        var vehicles: [VehicleConfig] = []
        for (index, item) in items.enumerated() {
            let vehicle = try self.vehicle(item, "vehicles[\(index)]", baseTopic: baseTopic, siteLimit: location.maxPowerW)
            if vehicles.contains(where: { $0.id == vehicle.id }) {
                throw ConfigError(key: "vehicles[\(index)].id", problem: "'\(vehicle.id)' is used by another vehicle; ids must be unique")
            }
            vehicles.append(vehicle)
        }
        var logLevel: Logger.Level?
        if let name = try string(root["log_level"], "log_level") {
            guard let level = Logger.Level(rawValue: name.lowercased()) else {
                throw ConfigError(key: "log_level", problem: "'\(name)' must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            logLevel = level
        }
        return BridgeConfig(
            broker: broker, baseTopic: baseTopic, discovery: discovery, location: location,
            tariffs: tariffs, tariff: tariff, tariffPath: root["tariff"]?.text.map(resolve),
            databasePath: database, metering: metering, vehicles: vehicles, logLevel: logLevel
        )
    }

    // MARK: Sections

    func broker(_ value: DocumentValue) throws -> BridgeConfig.Broker {
        try known(value, "broker", ["url", "client_id", "username", "password", "password_env", "password_file",
                                    "ca_file", "cert_file", "key_file", "insecure", "protocol", "keepalive_s"])
        guard let urlText = try string(value["url"], "broker.url") else {
            throw ConfigError(key: "broker.url", problem: "is required, e.g. mqtt://127.0.0.1:1883")
        }
        guard let components = URLComponents(string: urlText), let scheme = components.scheme?.lowercased(),
              scheme == "mqtt" || scheme == "mqtts", let host = components.host, !host.isEmpty else {
            throw ConfigError(key: "broker.url", problem: "'\(Self.redactingCredentials(urlText))' must look like mqtt://host:1883 or mqtts://host:8883")
        }
        if components.user != nil || components.password != nil {
            throw ConfigError(key: "broker.url", problem: "must not hold credentials; use broker.username and password_env or password_file")
        }
        let port = components.port ?? (scheme == "mqtts" ? 8883 : 1883)
        guard (1...65535).contains(port) else { throw ConfigError(key: "broker.url", problem: "has port \(port), which is not between 1 and 65535") }

        let sources = ["password", "password_env", "password_file"].filter { value[$0] != nil && !(value[$0]!.isNull) }
        guard sources.count <= 1 else {
            throw ConfigError(key: "broker.\(sources[1])", problem: "cannot be combined with broker.\(sources[0]); give the password one way")
        }
        var password: Secret?
        if let text = try string(value["password"], "broker.password") {
            password = Secret(text)
        } else if let name = try string(value["password_env"], "broker.password_env") {
            guard let text = environment[name], !text.isEmpty else {
                throw ConfigError(key: "broker.password_env", problem: "names the environment variable \(name), which is not set")
            }
            password = Secret(text)
        } else if let file = try string(value["password_file"], "broker.password_file") {
            let path = resolve(file)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(key: "broker.password_file", problem: "'\(path)' cannot be read")
            }
            password = Secret(text.trimmingCharacters(in: .newlines))
        }
        let username = try string(value["username"], "broker.username")
        if password != nil, username == nil {
            throw ConfigError(key: "broker.username", problem: "is required when a password is given")
        }

        var files: [String: String] = [:]
        for key in ["ca_file", "cert_file", "key_file"] {
            if let file = try string(value[key], "broker.\(key)") {
                let path = resolve(file)
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw ConfigError(key: "broker.\(key)", problem: "'\(path)' does not exist or cannot be read")
                }
                files[key] = path
            }
        }
        if (files["cert_file"] == nil) != (files["key_file"] == nil) {
            throw ConfigError(key: files["cert_file"] == nil ? "broker.cert_file" : "broker.key_file", problem: "is required with broker.\(files["cert_file"] == nil ? "key_file" : "cert_file") (a client certificate needs both)")
        }
        if scheme == "mqtt", !files.isEmpty {
            throw ConfigError(key: "broker.url", problem: "uses mqtt:// but TLS files are given; use mqtts://")
        }

        var version = BridgeConfig.Broker.ProtocolVersion.v5
        if let protocolValue = value["protocol"], !protocolValue.isNull {
            switch protocolValue.text ?? protocolValue.number.map({ String($0) }) {
            case "5", "5.0", "v5": version = .v5
            case "3.1.1", "311", "v3.1.1", "4": version = .v311
            default: throw ConfigError(key: "broker.protocol", problem: "must be 5 or 3.1.1")
            }
        }
        let keepAlive = try number(value["keepalive_s"], "broker.keepalive_s", positive: true) ?? 30
        let clientId = try string(value["client_id"], "broker.client_id") ?? "chargebridge"
        guard !clientId.isEmpty, clientId.utf8.count <= 65535 else {
            throw ConfigError(key: "broker.client_id", problem: "must not be empty")
        }
        return .init(
            scheme: scheme, host: host, port: port, clientId: clientId, username: username, password: password,
            caFile: files["ca_file"], certFile: files["cert_file"], keyFile: files["key_file"],
            insecure: try bool(value["insecure"], "broker.insecure") ?? false,
            protocolVersion: version, keepAliveSeconds: Int(keepAlive)
        )
    }

    func tariffSet(_ value: DocumentValue) throws -> TariffSet {
        do {
            if let path = value.text {
                return try TariffSet.load(path: resolve(path))
            }
            return try TariffSet.parse(document: value, baseDirectory: baseDirectory)
        } catch let error as TariffError {
            if value.text != nil {
                throw ConfigError(key: "tariff", problem: "is not usable: \(error)")
            }
            throw ConfigError(key: "tariff", problem: "is not valid: \(error)")
        }
    }

    /// `location.grid`: the home's meter at the connection (docs/site.md).
    func gridMeter(_ value: DocumentValue?, _ path: String) throws -> BridgeConfig.GridMeter? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else { throw ConfigError(key: path, problem: "must be a mapping with at least a topic, e.g. {topic: meter/grid}") }
        try known(value, path, ["topic", "path", "units", "export_positive"])
        guard let topic = try string(value["topic"], "\(path).topic") else {
            throw ConfigError(key: "\(path).topic", problem: "is required: the topic the meter publishes its power on (W now, import positive)")
        }
        try checkTopic(topic, "\(path).topic")
        var jsonPath: String?
        if let text = try string(value["path"], "\(path).path") {
            guard JSONPath(text) != nil else {
                throw ConfigError(key: "\(path).path", problem: "'\(text)' must be a JSON path such as $.power")
            }
            jsonPath = text
        }
        var scale = 1.0
        if let units = try string(value["units"], "\(path).units") {
            switch units.uppercased() {
            case "W": scale = 1
            case "KW": scale = 1000
            default: throw ConfigError(key: "\(path).units", problem: "'\(units)' must be W or kW")
            }
        }
        let exportPositive = try bool(value["export_positive"], "\(path).export_positive") ?? false
        return BridgeConfig.GridMeter(topic: topic, path: jsonPath, scale: scale, exportPositive: exportPositive)
    }

    /// `location.solar`: the PV and the solar modes' delays (docs/site.md, "Solar"); it needs
    /// the grid meter, whose export is the surplus.
    func solar(_ value: DocumentValue?, _ path: String, grid: BridgeConfig.GridMeter?) throws -> SolarConfig? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else { throw ConfigError(key: path, problem: "must be a mapping, e.g. {export_price: 0.08, pv_topic: solar/power}") }
        try known(value, path, ["export_price", "forecast_topic", "pv_topic", "pv_path", "pv_units", "house_base_w", "enable_delay_s", "disable_delay_s"])
        guard grid != nil else {
            throw ConfigError(key: path, problem: "needs location.grid (the grid meter): the surplus the solar modes follow is what it shows being exported")
        }
        var solar = SolarConfig()
        solar.exportPricePerKWh = try number(value["export_price"], "\(path).export_price", positive: false)
        for key in ["forecast_topic", "pv_topic"] {
            guard let topic = try string(value[key], "\(path).\(key)") else { continue }
            try checkTopic(topic, "\(path).\(key)")
            if key == "pv_topic" { solar.pvTopic = topic } else { solar.forecastTopic = topic }
        }
        if let text = try string(value["pv_path"], "\(path).pv_path") {
            guard solar.pvTopic != nil else { throw ConfigError(key: "\(path).pv_path", problem: "needs \(path).pv_topic (the topic it reads the PV power from)") }
            guard JSONPath(text) != nil else { throw ConfigError(key: "\(path).pv_path", problem: "'\(text)' must be a JSON path such as $.power") }
            solar.pvPath = text
        }
        if let units = try string(value["pv_units"], "\(path).pv_units") {
            switch units.uppercased() {
            case "W": solar.pvScale = 1
            case "KW": solar.pvScale = 1000
            default: throw ConfigError(key: "\(path).pv_units", problem: "'\(units)' must be W or kW")
            }
        }
        if let base = try number(value["house_base_w"], "\(path).house_base_w", positive: false) {
            guard base >= 0 else { throw ConfigError(key: "\(path).house_base_w", problem: "must be 0 or more watts") }
            solar.houseBaseW = base
        }
        for key in ["enable_delay_s", "disable_delay_s"] {
            guard let seconds = try number(value[key], "\(path).\(key)", positive: false) else { continue }
            guard seconds >= 0 else { throw ConfigError(key: "\(path).\(key)", problem: "must be 0 or more seconds") }
            if key == "enable_delay_s" { solar.enableDelaySeconds = seconds } else { solar.disableDelaySeconds = seconds }
        }
        return solar
    }

    func vehicle(_ value: DocumentValue, _ path: String, baseTopic: String, siteLimit: Double?) throws -> VehicleConfig {
        guard case .object = value else { throw ConfigError(key: path, problem: "must be a mapping with at least an id") }
        try known(value, path, ["id", "name", "capacity_wh", "max_power_w", "efficiency", "ready_by", "target_soc", "min_soc", "phases",
                                "min_current_a", "max_current_a", "current_step_a", "min_power_w", "topics", "whole_amps",
                                "phase_switch_interval_s"])
        guard let id = try identifier(value["id"], "\(path).id") else {
            throw ConfigError(key: "\(path).id", problem: "is required")
        }
        let capacity = try number(value["capacity_wh"], "\(path).capacity_wh", positive: true) ?? 60_000
        let givenMaxPower = try number(value["max_power_w"], "\(path).max_power_w", positive: true)
        var maxPower = givenMaxPower ?? min(11_000, siteLimit ?? 11_000)
        let efficiency = try number(value["efficiency"], "\(path).efficiency", positive: true) ?? 0.9
        guard efficiency <= 1 else { throw ConfigError(key: "\(path).efficiency", problem: "must be a fraction between 0 and 1, such as 0.9") }
        var readyBy = TimeOfDay("07:00")!
        if let text = try string(value["ready_by"], "\(path).ready_by") {
            guard let time = TimeOfDay(text), time.minutes < 1440 else {
                throw ConfigError(key: "\(path).ready_by", problem: "'\(text)' must be a local time HH:MM such as 07:00")
            }
            readyBy = time
        }
        let target = try number(value["target_soc"], "\(path).target_soc", positive: false) ?? 80
        let minimum = try number(value["min_soc"], "\(path).min_soc", positive: false) ?? 0
        guard (0...100).contains(target) else { throw ConfigError(key: "\(path).target_soc", problem: "must be a percentage from 0 to 100") }
        guard (0...100).contains(minimum) else { throw ConfigError(key: "\(path).min_soc", problem: "must be a percentage from 0 to 100") }
        guard minimum <= target else { throw ConfigError(key: "\(path).min_soc", problem: "(\(minimum)) must not be above target_soc (\(target))") }
        let givenPhases = try number(value["phases"], "\(path).phases", positive: true)
        let phases = givenPhases ?? 3
        guard phases == 1 || phases == 3 else { throw ConfigError(key: "\(path).phases", problem: "must be 1 or 3") }
        var topics = try self.topics(value["topics"], "\(path).topics", prefix: "\(baseTopic)/\(id)")
        topics.wholeAmps = try wholeAmps(value, path, topics: topics)
        let (charger, chargerMaxPower) = try self.charger(value, path, topics: topics, phases: Int(phases), phasesGiven: givenPhases != nil,
                                                         maxPowerW: maxPower, maxPowerGiven: givenMaxPower != nil)
        maxPower = chargerMaxPower
        var vehicle = VehicleConfig(
            id: id, name: try string(value["name"], "\(path).name") ?? id, capacityWh: capacity, maxPowerW: maxPower,
            efficiency: efficiency, readyBy: readyBy, targetSoc: target, minSoc: minimum, phases: Int(phases),
            charger: charger, topics: topics
        )
        if let interval = try number(value["phase_switch_interval_s"], "\(path).phase_switch_interval_s", positive: false) {
            guard topics.commandPhases != nil else {
                throw ConfigError(key: "\(path).phase_switch_interval_s", problem: "applies only to a charger that switches phases (topics.command_phases_topic)")
            }
            guard interval >= 60 else { throw ConfigError(key: "\(path).phase_switch_interval_s", problem: "must be 60 or more seconds (a switch stops the charge)") }
            vehicle.phaseSwitchIntervalSeconds = interval
        }
        return vehicle
    }

    /// The vehicle's charger (docs/site.md): its kind follows from `command_power` (none: switch;
    /// `{current_a}`: current; `{power_w}`: power), its limits from the keys of that kind, with the
    /// contract's defaults. Returns the vehicle's max power too: a current charger given
    /// `max_current_a` but no `max_power_w` draws at most what that current draws.
    func charger(_ value: DocumentValue, _ path: String, topics: VehicleTopics, phases: Int, phasesGiven: Bool,
                 maxPowerW: Double, maxPowerGiven: Bool) throws -> (Charger, Double) {
        let kind: Charger.Kind = switch topics.commandPower {
        case nil: .switch
        case let template? where template.contains("{current_a}"): .current
        default: .power
        }
        let minCurrent = try number(value["min_current_a"], "\(path).min_current_a", positive: true)
        let maxCurrent = try number(value["max_current_a"], "\(path).max_current_a", positive: true)
        let step = try number(value["current_step_a"], "\(path).current_step_a", positive: true)
        let minPower = try number(value["min_power_w"], "\(path).min_power_w", positive: true)
        // Keys that mean nothing for this kind of charger are a mistake to point out, not to ignore.
        let foreign: [(key: String, given: Bool)] = switch kind {
        case .switch: [("min_current_a", minCurrent != nil), ("max_current_a", maxCurrent != nil),
                       ("current_step_a", step != nil), ("min_power_w", minPower != nil)]
        case .current: [("min_power_w", minPower != nil)]
        case .power: [("max_current_a", maxCurrent != nil), ("current_step_a", step != nil)]
        }
        if let key = foreign.first(where: \.given)?.key {
            let why = switch kind {
            case .switch: "applies only to a charger told a current or a power (command_power); without command_power the charger is only switched on and off at max_power_w"
            case .current: "applies only to a charger told a power ({power_w}); a current charger's minimum is min_current_a x 230 V x phases"
            case .power: "applies only to a charger told a current ({current_a} in command_power)"
            }
            throw ConfigError(key: "\(path).\(key)", problem: why)
        }
        let perAmp = Charger.voltage * Double(phases)
        var charger: Charger
        var maxPower = maxPowerW
        switch kind {
        case .switch:
            charger = .switched(powerW: maxPowerW, phases: phases)
        case .current:
            guard phasesGiven else {
                throw ConfigError(key: "\(path).phases", problem: "is required with {current_a} in command_power (1 or 3: the current is per phase)")
            }
            // Whole amps at or under max_power_w (a step above it would draw more than allowed).
            let maximum = maxCurrent ?? (maxPowerW / perAmp + 1e-9).rounded(.down)
            if maxCurrent != nil, !maxPowerGiven { maxPower = maximum * perAmp }
            charger = .current(phases: phases, minCurrentA: minCurrent ?? 6, maxCurrentA: maximum, stepA: step ?? 1)
            if charger.maxPowerW > maxPower + 1e-6 {
                throw ConfigError(key: "\(path).max_current_a", problem: "(\(Self.text(maximum)) A x 230 V x \(phases) = \(Self.text(charger.maxPowerW)) W) must not draw more than max_power_w (\(Self.text(maxPower)) W)")
            }
        case .power:
            // The default minimum is what min_current_a signals, but never above the maximum.
            let minimum = minPower ?? min(maxPowerW, (minCurrent ?? 6) * perAmp)
            charger = .power(minPowerW: minimum, maxPowerW: maxPowerW, phases: phases)
        }
        if topics.commandPhases != nil { charger = charger.switchingPhases() }
        if let problem = charger.problem {
            if problem.key == "command_phases_topic" { throw ConfigError(key: "\(path).topics.command_phases_topic", problem: problem.message) }
            // The current charger's maximum defaults from max_power_w: say so when that is what is too low.
            if kind == .current, problem.key == "min_current_a", maxCurrent == nil {
                throw ConfigError(key: "\(path).max_power_w", problem: "(\(Self.text(maxPowerW)) W) is below what the charger draws at min_current_a (\(Self.text(charger.minCurrentA)) A x 230 V x \(phases) = \(Self.text(charger.minPowerW)) W)")
            }
            throw ConfigError(key: "\(path).\(problem.key)", problem: problem.message)
        }
        return (charger, maxPower)
    }

    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    func topics(_ value: DocumentValue?, _ path: String, prefix: String) throws -> VehicleTopics {
        let keys = ["plug", "plug_path", "plug_connected", "soc", "soc_path", "power", "power_path", "energy", "energy_path",
                    "power_units", "energy_units", "ready_by_set", "target_soc_set", "mode_set", "boost_set", "command", "command_start", "command_stop",
                    "command_power", "schedule", "session", "cost_today", "cost_month", "state"] + Self.deviceTopicKeys
        let value = value ?? .object([])
        try known(value, path, Set(keys))
        func topic(_ key: String, _ fallback: String) throws -> String {
            let text = try string(value[key], "\(path).\(key)") ?? fallback
            try checkTopic(text, "\(path).\(key)")
            return text
        }
        func jsonPath(_ key: String) throws -> String? {
            guard let text = try string(value[key], "\(path).\(key)") else { return nil }
            guard JSONPath(text) != nil else {
                throw ConfigError(key: "\(path).\(key)", problem: "'\(text)' must be a JSON path such as $.battery.level")
            }
            return text
        }
        let plugMapping = try plugMapping(value, path)
        func scale(_ key: String, base: String) throws -> Double {
            guard let text = try string(value[key], "\(path).\(key)") else { return 1 }
            switch text.uppercased() {
            case base.uppercased(): return 1
            case "K" + base.uppercased(): return 1000
            default: throw ConfigError(key: "\(path).\(key)", problem: "must be \(base) or k\(base)")
            }
        }
        var energy: VehicleTopics.Input?
        if value["energy"] != nil || value["energy_path"] != nil {
            energy = .init(topic: try topic("energy", "\(prefix)/energy"), path: try jsonPath("energy_path"), scale: try scale("energy_units", base: "Wh"))
        }
        let commandStart = try string(value["command_start"], "\(path).command_start") ?? "start"
        let commandStop = try string(value["command_stop"], "\(path).command_stop") ?? "stop"
        let commandPower = try string(value["command_power"], "\(path).command_power")
        if let commandPower, !commandPower.contains("{power_w}"), !commandPower.contains("{current_a}") {
            throw ConfigError(key: "\(path).command_power", problem: "must contain {power_w} or {current_a} where the limit goes")
        }
        var topics = VehicleTopics(
            plug: .init(topic: try topic("plug", "\(prefix)/plug"), path: try jsonPath("plug_path")),
            plugMapping: plugMapping,
            soc: .init(topic: try topic("soc", "\(prefix)/soc"), path: try jsonPath("soc_path")),
            power: .init(topic: try topic("power", "\(prefix)/power"), path: try jsonPath("power_path"), scale: try scale("power_units", base: "W")),
            energy: energy,
            readyBySet: try topic("ready_by_set", "\(prefix)/ready_by/set"),
            targetSocSet: try topic("target_soc_set", "\(prefix)/target_soc/set"),
            modeSet: try topic("mode_set", "\(prefix)/mode/set"),
            boostSet: try topic("boost_set", "\(prefix)/boost/set"),
            command: try topic("command", "\(prefix)/command"),
            commandStart: commandStart, commandStop: commandStop, commandPower: commandPower,
            schedule: try topic("schedule", "\(prefix)/schedule"),
            session: try topic("session", "\(prefix)/session"),
            costToday: try topic("cost_today", "\(prefix)/cost/today"),
            costMonth: try topic("cost_month", "\(prefix)/cost/month"),
            state: try topic("state", "\(prefix)/state")
        )
        try deviceCommands(value, path, into: &topics)
        return topics
    }

    // MARK: Typed fields

    func required(_ value: DocumentValue, _ key: String, _ path: String) throws -> DocumentValue {
        try ConfigError.reading { () throws(DocumentFieldError) in try value.required(key, at: path) }
    }

    func string(_ value: DocumentValue?, _ key: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        return try ConfigError.reading { () throws(DocumentFieldError) in try value.string(at: key, orNumber: true) }
    }

    func number(_ value: DocumentValue?, _ key: String, positive: Bool) throws -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let number = try? value.finiteNumber(at: key, orNumericText: true), !positive || number > 0 else {
            throw ConfigError(key: key, problem: positive ? "must be a positive number" : "must be a number")
        }
        return number
    }

    func bool(_ value: DocumentValue?, _ key: String) throws -> Bool? {
        guard let value, !value.isNull else { return nil }
        return try ConfigError.reading { () throws(DocumentFieldError) in try value.boolean(at: key) }
    }

    func identifier(_ value: DocumentValue?, _ key: String) throws -> String? {
        guard let text = try string(value, key) else { return nil }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw ConfigError(key: key, problem: "'\(text)' may hold only letters, digits, '_' and '-' (it is used in topics)")
        }
        return text
    }

    func checkTopic(_ topic: String, _ key: String) throws {
        guard !topic.isEmpty, !topic.contains("+"), !topic.contains("#"), !topic.contains("\0") else {
            throw ConfigError(key: key, problem: "'\(topic)' must be a plain MQTT topic without wildcards")
        }
    }

    func known(_ value: DocumentValue, _ path: String, _ keys: Set<String>) throws {
        do throws(DocumentFieldError) {
            try value.rejectUnknownKeys(keys, at: path)
        } catch {
            // `password:secret` (no space) is one key in YAML: name it without what follows the colon.
            let member = path.isEmpty ? error.path : String(error.path.dropFirst(path.count + 1))
            if case .unknownKey = error.problem, let colon = member.firstIndex(of: ":") {
                let name = String(member[..<colon])
                throw ConfigError(key: DocumentFieldError.path(path, name), problem: "needs a space after its colon (write '\(name): value'); the text after the colon is not shown")
            }
            throw ConfigError(error)
        }
    }

    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory.appendingPathComponent(path).standardizedFileURL.path
    }

    static func redactingCredentials(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "<redacted>"
        return components.string ?? url
    }
}
