import Foundation

/// A charger as its public interface describes it, for tests and the demo: told over MQTT what
/// to do, it draws exactly that, and nothing a real one would not.
///
/// - `switched`: a relay or smart plug (Zigbee2MQTT's `{"state": "ON"}` / `{"state": "OFF"}` on
///   `zigbee2mqtt/<friendly_name>/set`, zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages): the start payload draws all of
///   `powerW`, the stop payload nothing.
/// - `current`: an EVSE told a current per phase (OpenEVSE's `charge_current` on
///   `<base>/override/set`, openevse_esp32_firmware docs/mqtt.md; the IEC 61851 control pilot
///   signals 6 A at the least): it draws current x 230 V x phases; told less than its minimum
///   current it does not charge, told more than its maximum it draws its maximum.
/// - `power`: a charger told a power limit: it draws that power; below its minimum it does
///   not charge, above its maximum it draws its maximum.
///
/// A payload its configuration would not produce (another template, text where the number goes)
/// is ignored, as a device ignores what it cannot parse, and recorded as rejected.
public struct EmulatedCharger: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case switched(powerW: Double)
        case current(phases: Int, minCurrentA: Double, maxCurrentA: Double, stepA: Double)
        case power(minPowerW: Double, maxPowerW: Double)
    }

    /// The topics it reads and writes.
    public struct Topics: Sendable, Equatable {
        /// Where it takes commands.
        public var command: String
        /// Where it reports the power it draws, W (a bare number).
        public var power: String
        /// Where it reports its cumulative energy counter, Wh (a bare number), if it has one.
        public var energy: String?
        /// Where it reports whether a car is plugged in (`connected` / `disconnected`, retained).
        public var plug: String?
        /// Where the car's state of charge is reported, percent, if the car has a battery here.
        public var soc: String?

        public init(command: String, power: String, energy: String? = nil, plug: String? = nil, soc: String? = nil) {
            self.command = command
            self.power = power
            self.energy = energy
            self.plug = plug
            self.soc = soc
        }

        /// The bridge's default topics for vehicle `id` under `base`, with an energy counter.
        public static func bridgeDefaults(base: String = "chargebridge", id: String) -> Topics {
            Topics(command: "\(base)/\(id)/command", power: "\(base)/\(id)/power", energy: "\(base)/\(id)/energy",
                   plug: "\(base)/\(id)/plug", soc: "\(base)/\(id)/soc")
        }
    }

    /// The car behind the charger: when its battery is full it draws nothing, whatever it is told.
    public struct Battery: Sendable, Equatable {
        public var capacityWh: Double
        public var socPercent: Double
        /// Grid to battery.
        public var efficiency: Double

        public init(capacityWh: Double, socPercent: Double, efficiency: Double = 0.9) {
            self.capacityWh = capacityWh
            self.socPercent = socPercent
            self.efficiency = efficiency
        }
    }

    /// What a command made of the charger.
    public enum Outcome: Sendable, Equatable {
        /// Charge, drawing this power (when a car is plugged in and not full).
        case charge(powerW: Double)
        /// Stopped by the stop payload.
        case stop
        /// Told a current or power below its minimum: it does not charge.
        case belowMinimum
        /// A payload it does not understand: ignored, the charger keeps doing what it did.
        case rejected(reason: String)
    }

    /// One command as the charger took it.
    public struct Interpretation: Sendable, Equatable {
        public var outcome: Outcome
        /// What was asked for, W (a current converted to power), when the payload holds a number.
        public var toldW: Double?
        /// The charger was told more than its maximum (it draws its maximum).
        public var aboveMaximum = false
        /// A current charger was told a current between its steps (it draws what it was told).
        public var offStep = false
    }

    public static let voltage = 230.0

    public var id: String
    public var kind: Kind
    public var topics: Topics
    /// `switched`: the payload that switches it on.
    public var startPayload: String
    /// The payload that stops it.
    public var stopPayload: String
    /// `current` and `power`: the payload template, with `{current_a}` or `{power_w}` where the number goes.
    public var template: String?
    public var battery: Battery?

    /// A relay or smart plug, switched with `start` and `stop`.
    public static func switched(id: String, powerW: Double, topics: Topics, start: String = "start", stop: String = "stop", battery: Battery? = nil) -> EmulatedCharger {
        EmulatedCharger(id: id, kind: .switched(powerW: powerW), topics: topics, startPayload: start, stopPayload: stop, template: nil, battery: battery)
    }

    /// An EVSE told a current per phase with `template` (holding `{current_a}`).
    public static func current(id: String, phases: Int, minCurrentA: Double = 6, maxCurrentA: Double, stepA: Double = 1, topics: Topics,
                               template: String = "{current_a}", stop: String = "stop", battery: Battery? = nil) -> EmulatedCharger {
        EmulatedCharger(id: id, kind: .current(phases: phases, minCurrentA: minCurrentA, maxCurrentA: maxCurrentA, stepA: stepA),
                        topics: topics, startPayload: "", stopPayload: stop, template: template, battery: battery)
    }

    /// A charger told a power limit with `template` (holding `{power_w}`).
    public static func power(id: String, minPowerW: Double, maxPowerW: Double, topics: Topics, template: String = "{power_w}",
                             stop: String = "stop", battery: Battery? = nil) -> EmulatedCharger {
        EmulatedCharger(id: id, kind: .power(minPowerW: minPowerW, maxPowerW: maxPowerW), topics: topics,
                        startPayload: "", stopPayload: stop, template: template, battery: battery)
    }

    public init(id: String, kind: Kind, topics: Topics, startPayload: String, stopPayload: String, template: String?, battery: Battery?) {
        self.id = id
        self.kind = kind
        self.topics = topics
        self.startPayload = startPayload
        self.stopPayload = stopPayload
        self.template = template
        self.battery = battery
    }

    /// The most it ever draws, W.
    public var maxPowerW: Double {
        switch kind {
        case let .switched(powerW): powerW
        case let .current(phases, _, maxCurrentA, _): maxCurrentA * Self.voltage * Double(phases)
        case let .power(_, maxPowerW): maxPowerW
        }
    }

    /// The least it draws when it charges at all, W.
    public var minPowerW: Double {
        switch kind {
        case let .switched(powerW): powerW
        case let .current(phases, minCurrentA, _, _): minCurrentA * Self.voltage * Double(phases)
        case let .power(minPowerW, _): minPowerW
        }
    }

    /// What `payload` makes of this charger (pure: the state is the caller's).
    public func interpret(_ payload: String) -> Interpretation {
        if payload == stopPayload { return Interpretation(outcome: .stop) }
        switch kind {
        case let .switched(powerW):
            guard payload == startPayload else {
                return Interpretation(outcome: .rejected(reason: "neither the start nor the stop payload"))
            }
            return Interpretation(outcome: .charge(powerW: powerW), toldW: powerW)
        case let .current(phases, minCurrentA, maxCurrentA, stepA):
            guard let currentA = number(in: payload, placeholder: "{current_a}") else {
                return Interpretation(outcome: .rejected(reason: "does not match the template \(template ?? "-")"))
            }
            let perAmp = Self.voltage * Double(phases)
            guard currentA.isFinite, currentA >= 0 else { return Interpretation(outcome: .rejected(reason: "not a current")) }
            if currentA < minCurrentA - 1e-9 { return Interpretation(outcome: .belowMinimum, toldW: currentA * perAmp) }
            let steps = (currentA - minCurrentA) / stepA
            var result = Interpretation(outcome: .charge(powerW: min(currentA, maxCurrentA) * perAmp), toldW: currentA * perAmp)
            result.aboveMaximum = currentA > maxCurrentA + 1e-9
            result.offStep = abs(steps - steps.rounded()) > 1e-6
            return result
        case let .power(minPowerW, maxPowerW):
            guard let powerW = number(in: payload, placeholder: "{power_w}") else {
                return Interpretation(outcome: .rejected(reason: "does not match the template \(template ?? "-")"))
            }
            guard powerW.isFinite, powerW >= 0 else { return Interpretation(outcome: .rejected(reason: "not a power")) }
            if powerW < minPowerW - 1e-9 { return Interpretation(outcome: .belowMinimum, toldW: powerW) }
            var result = Interpretation(outcome: .charge(powerW: min(powerW, maxPowerW)), toldW: powerW)
            result.aboveMaximum = powerW > maxPowerW + 1e-9
            return result
        }
    }

    /// The number where `placeholder` stands in the template, when the rest of the payload is the
    /// template's text exactly.
    private func number(in payload: String, placeholder: String) -> Double? {
        guard let template, let range = template.range(of: placeholder) else { return nil }
        let prefix = template[..<range.lowerBound]
        let suffix = template[range.upperBound...]
        guard payload.hasPrefix(prefix), payload.hasSuffix(suffix), payload.count >= prefix.count + suffix.count else { return nil }
        let middle = payload.dropFirst(prefix.count).dropLast(suffix.count)
        guard !middle.isEmpty, middle.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return Double(middle)
    }
}
