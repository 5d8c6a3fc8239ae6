import Documents
import Foundation
import Planning

/// `chargebridge config check FILE`: every problem of a configuration at once, and what each
/// vehicle will read and send (docs/command-line.md).
public enum ConfigCheck {
    /// The outcome: the configuration when it loads, and every problem found.
    public struct Report: Sendable {
        public var config: BridgeConfig?
        public var problems: [ConfigError]
    }

    /// Loads `path` and collects its problems: after each one the key it names is taken out
    /// (its default then applies) and the file is read again, so one run names every key that
    /// is wrong. A missing required key ends the search (there is nothing to take out).
    public static func check(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Report {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: path)
            return Report(config: nil, problems: [ConfigError(file: path, key: "", problem: exists ? "cannot be read (permission denied or not UTF-8 text)" : "does not exist")])
        }
        var document: DocumentValue
        do {
            document = try DocumentValue.parse(text, preferJSON: false)
        } catch {
            return Report(config: nil, problems: [ConfigError(file: path, key: "", problem: "\(error)")])
        }
        var problems: [ConfigError] = []
        var removed: Set<String> = []
        for _ in 0..<100 {
            do {
                var reader = Reader(baseDirectory: url.deletingLastPathComponent(), environment: environment)
                let config = try reader.config(document)
                return Report(config: problems.isEmpty ? config : nil, problems: problems)
            } catch var error as ConfigError {
                error.file = path
                // A key taken out that turns out to be required: its first problem said it all.
                if removed.contains(error.key) { break }
                problems.append(error)
                removed.insert(error.key)
                guard let steps = Self.steps(error.key), let smaller = document.removing(steps), smaller != document else { break }
                document = smaller
            } catch {
                problems.append(ConfigError(file: path, key: "", problem: "\(error)"))
                break
            }
        }
        return Report(config: nil, problems: problems)
    }

    /// `vehicles[0].topics.plug` as steps: key `vehicles`, index 0, key `topics`, key `plug`.
    static func steps(_ key: String) -> [PathStep]? {
        guard !key.isEmpty, !key.hasPrefix("(") else { return nil }
        var steps: [PathStep] = []
        for part in key.split(separator: ".") {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                let name = rest[..<bracket]
                if !name.isEmpty { steps.append(.key(String(name))) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    guard let index = Int(rest[rest.index(after: rest.startIndex)..<close]) else { return nil }
                    steps.append(.index(index))
                    rest = rest[rest.index(after: close)...]
                }
                guard rest.isEmpty else { return nil }
            } else {
                steps.append(.key(String(rest)))
            }
        }
        return steps
    }

    enum PathStep: Equatable {
        case key(String)
        case index(Int)
    }

    // MARK: What each vehicle reads and sends

    /// The lines `config check` prints for a loaded configuration.
    public static func describe(_ config: BridgeConfig) -> [String] {
        var lines: [String] = []
        lines.append("broker \(config.broker.displayURL), base topic \(config.baseTopic), location \(config.location.id)"
            + (config.location.maxPowerW.map { ", limit \(text($0)) W" } ?? ", no connection limit"))
        if let grid = config.location.grid {
            lines.append("grid meter: reads \(input(grid.topic, grid.path, unit: grid.scale == 1000 ? "kW" : "W"))"
                + (grid.exportPositive ? ", export positive (negated)" : ", import positive"))
        }
        for vehicle in config.vehicles {
            let topics = vehicle.topics
            lines.append("vehicle \(vehicle.id) (\(vehicle.name)): \(chargerText(vehicle.charger))")
            lines.append("  reads plug:    \(input(topics.plug.topic, topics.plug.path, unit: nil))")
            lines.append("        plug values: \(plugText(topics.plugMapping))")
            lines.append("  reads soc:     \(input(topics.soc.topic, topics.soc.path, unit: "%"))")
            lines.append("  reads power:   \(input(topics.power.topic, topics.power.path, unit: topics.power.scale == 1000 ? "kW" : "W"))")
            if let energy = topics.energy {
                lines.append("  reads energy:  \(input(energy.topic, energy.path, unit: energy.scale == 1000 ? "kWh" : "Wh")) (a counter: the bridge meters its increase)")
            } else {
                lines.append("  reads energy:  none (energy is power integrated over time)")
            }
            lines.append("  reads wishes:  \(topics.readyBySet), \(topics.targetSocSet), \(topics.modeSet), \(topics.boostSet)")
            for topic in topics.commandResult {
                lines.append("  reads result:  \(topic) (an error answer is logged)")
            }
            if let template = topics.commandPower {
                let limit = template + (topics.wholeAmps ? " ({current_a} in whole amperes, rounded down)" : "")
                if let powerTopic = topics.commandPowerTopic, powerTopic != topics.command {
                    lines.append("  sends limit:   \(powerTopic) <- \(limit)")
                    lines.append("  sends on/off:  \(topics.command) <- on '\(topics.commandStart)', off '\(topics.commandStop)' (to start: the limit, then on)")
                } else {
                    lines.append("  sends:         \(topics.command) <- start \(limit), stop '\(topics.commandStop)'")
                }
            } else {
                lines.append("  sends:         \(topics.command) <- start '\(topics.commandStart)', stop '\(topics.commandStop)'")
            }
            if let phases = topics.commandPhases {
                lines.append("  phases:        \(phases.topic) <- 1 phase '\(phases.onePhase)', 3 phases '\(phases.threePhases)' (only while stopped, at most every \(text(vehicle.phaseSwitchIntervalSeconds)) s)")
            }
            lines.append("  publishes:     \(topics.schedule), \(topics.session), \(topics.costToday), \(topics.costMonth), \(topics.state)")
        }
        return lines
    }

    static func input(_ topic: String, _ path: String?, unit: String?) -> String {
        topic + (path.map { " at \($0)" } ?? " (the bare payload)") + (unit.map { " in \($0)" } ?? "")
    }

    static func plugText(_ mapping: PlugMapping) -> String {
        func list(_ tokens: [String]) -> String { tokens.joined(separator: ", ") }
        var parts: [String] = []
        if mapping.connected.isEmpty {
            parts.append("connected: 1, true, connected, on, plugged, plugged_in, yes")
        } else {
            parts.append("connected: \(list(mapping.connected))")
        }
        if let disconnected = mapping.disconnected {
            parts.append("disconnected: \(list(disconnected))")
            parts.append("unknown: null\(mapping.unknown.isEmpty ? "" : ", " + list(mapping.unknown)), anything else")
        } else {
            let numbers = mapping.connected.contains { Double($0) != nil }
            var disconnected = numbers ? "any other number" : "0"
            disconnected += ", false, disconnected, off, unplugged, no"
            if !mapping.connected.isEmpty { disconnected += ", any other word" }
            parts.append("disconnected: \(disconnected)")
            parts.append("unknown: null\(mapping.unknown.isEmpty ? "" : ", " + list(mapping.unknown))")
        }
        return parts.joined(separator: "; ")
    }

    static func chargerText(_ charger: Charger) -> String {
        switch charger.kind {
        case .switch:
            "a switch charger: off or \(text(charger.maxPowerW)) W"
        case .current:
            charger.switchesToOnePhase
                ? "a current charger: off or \(text(charger.minCurrentA))-\(text(charger.maxCurrentA)) A in steps of \(text(charger.currentStepA)) A on 3 phases (\(text(charger.threePhaseMinPowerW))-\(text(charger.maxPowerW)) W), below that \(text(charger.minCurrentA))-\(text(charger.on(phases: 1).maxCurrentA)) A on 1 phase (\(text(charger.minPowerW))-\(text(charger.on(phases: 1).maxPowerW)) W)"
                : "a current charger: off or \(text(charger.minCurrentA))-\(text(charger.maxCurrentA)) A in steps of \(text(charger.currentStepA)) A on \(charger.phases) phase\(charger.phases == 1 ? "" : "s") (\(text(charger.minPowerW))-\(text(charger.maxPowerW)) W)"
        case .power:
            "a power charger: off or \(text(charger.minPowerW))-\(text(charger.maxPowerW)) W"
        }
    }

    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension DocumentValue {
    /// This document without the member or item at `steps`; nil when there is none there.
    fileprivate func removing(_ steps: [ConfigCheck.PathStep]) -> DocumentValue? {
        guard let first = steps.first else { return nil }
        let rest = Array(steps.dropFirst())
        switch (first, self) {
        case let (.key(name), .object(members)):
            guard let position = members.lastIndex(where: { $0.key == name }) else { return nil }
            var copy = members
            if rest.isEmpty {
                copy.removeAll { $0.key == name }
            } else {
                guard let inner = members[position].value.removing(rest) else { return nil }
                copy[position].value = inner
            }
            return .object(copy)
        case let (.index(index), .array(items)):
            guard index < items.count else { return nil }
            var copy = items
            if rest.isEmpty {
                // An item is replaced, not removed: the items after it keep their numbers.
                return nil
            }
            guard let inner = items[index].removing(rest) else { return nil }
            copy[index] = inner
            return .array(copy)
        default:
            return nil
        }
    }
}
