import Foundation
import Locking
import Logging
import MQTT

/// A go-eCharger (HOME/Gemini, firmware with MQTT API v2) on a real broker, emulated strictly
/// from go-e's public documentation, github.com/goecharger/go-eCharger-API-v2:
///
/// - mqtt-en.md: every api key is published under `go-eCharger/<serial>/<key>` and can be
///   written ("changing values via MQTT has to be enabled") by publishing JSON to
///   `go-eCharger/<serial>/<key>/set`; the charger answers on `go-eCharger/<serial>/<key>/result`
///   (`success`, else an error text, as http-en.md describes for /api/set: "true for success,
///   or a string error message"; the MQTT answer `success` as seen in
///   syssi/homeassistant-goecharger-mqtt issue #12).
/// - API_KEYS_FIRMWARE/apikeys-en.md:
///   - `car` (R, optional<uint8>): carState, null if internal error (Unknown/Error=0, Idle=1,
///     Charging=2, WaitCar=3, Complete=4, Error=5);
///   - `amp` (R/W, uint8): requested current in A; the charger takes 6..32 A (a value outside is
///     refused: "Value 5 exceeds range 6 to 32", evcc-io/evcc issue #15952); a JSON value that is
///     not an integer is refused;
///   - `frc` (R/W, uint8): forceState (Neutral=0, Off=1, On=2); Neutral charges by the
///     charger's own logic (here: at once, the default logic mode);
///   - `nrg` (R, array): U (L1, L2, L3, N), I (L1, L2, L3), P (L1, L2, L3, N, Total), pf (L1, L2,
///     L3, N): 16 numbers, a bare JSON array; P in W, so the total power is `$[11]`;
///   - `eto` (R, uint64): energy_total in Wh; `wh` (R, double): energy in Wh since the car connected;
///   - keys without a setter (`car`, `nrg`, `eto`, `wh`) refuse a set ("tried to set api key
///     without setter", go-eCharger-API-v1 issue #88).
/// - modbus-en.md, PHASE_SWITCH_MODE (holding register 40333): "Same as api key psm, only accepts
///   values 0, 1, 2 (Since Firmware 55.5)": `psm` 0 lets the charger choose (its `pwm`, "phase
///   wish mode", defaults to Force_3: three phases), 1 forces one phase, 2 three; any other value,
///   or a JSON value that is not an integer, is refused. (evcc's go-e driver sends psm 1 for one
///   phase and 2 for three, charger/go-e.go.) `pha`/`pnp` are not emulated.
///
/// It draws `amp` x 230 V x the phases in use while it charges (the car takes what the pilot
/// signals): one with psm 1, else all it is wired to. A psm that changes the phases while it
/// draws is taken (the real one pauses and switches by itself) and counted in
/// ``switchesWhileCharging``: a scheduler that stops first never makes one.
/// Its time is a ``DeviceClock`` (real time by default); ``draws`` logs every change of its draw.
public final class GoECharger: Sendable {
    /// One set request as the charger took it.
    public struct SetRequest: Sendable, Equatable {
        public var key: String
        public var payload: String
        /// nil when applied, else the error it answered.
        public var error: String?
    }

    private struct State {
        var plugged = false
        /// A forced raw car state (0, 5 or nil for null): the charger's error states.
        var forcedCar: Int?? = .none
        var amp = 16
        var frc = 0
        var etoWh: Double
        var sessionWh = 0.0
        var lastAdvance: Date
        var requests: [SetRequest] = []
        var drawW = 0.0
        var psm = 0
        var switchesWhileCharging = 0
        var draws: [(at: Date, watts: Double)] = []
    }

    public let serial: String
    public let phases: Int
    public let reportEverySeconds: Double
    public let clock: DeviceClock
    private let client: MQTTClient
    private let state: Locked<State>
    private let tasks = Locked<[Task<Void, Never>]>([])

    public var prefix: String { "go-eCharger/\(serial)" }

    public init(brokerURL: String, serial: String = "012345", phases: Int = 3, etoWh: Double = 1_234_000,
                reportEverySeconds: Double = 0.2, clock: DeviceClock = .wall) throws {
        self.serial = serial
        self.phases = phases
        self.reportEverySeconds = reportEverySeconds
        self.clock = clock
        var configuration = try MQTTConfiguration(url: brokerURL, clientID: "go-e-\(serial)")
        configuration.cleanStart = true
        var quiet = Logger(label: "go-e")
        quiet.logLevel = .warning
        client = try MQTTClient(configuration: configuration, logger: quiet)
        state = Locked(State(etoWh: etoWh, lastAdvance: clock.now()))
    }

    /// Connects, subscribes to its `set` topics and reports every `reportEverySeconds`.
    public func start() async throws {
        try await client.connect(timeout: .seconds(5))
        try await client.subscribe("\(prefix)/+/set")
        let listener = Task { [weak self] in
            guard let messages = self?.client.messages else { return }
            for await message in messages {
                await self?.receive(message)
            }
        }
        let reporter = Task { [weak self] in
            while !Task.isCancelled {
                await self?.report()
                guard let self else { return }
                try? await self.clock.sleep(self.reportEverySeconds)
            }
        }
        tasks.withLock { $0 += [listener, reporter] }
    }

    public func stop() async {
        for task in tasks.withLock({ $0 }) { task.cancel() }
        await client.shutdown()
    }

    /// A car is plugged in (`true`) or out.
    public func plug(_ plugged: Bool) async {
        state.withLock {
            advance(&$0)
            $0.plugged = plugged
            $0.sessionWh = 0
        }
        await report()
    }

    /// The charger reports `car` as this raw value (0 unknown, 5 error, nil for JSON null)
    /// instead of its real state, until ``clearCarError()``.
    public func reportCarError(_ raw: Int?) async {
        state.withLock { $0.forcedCar = .some(raw) }
        await report()
    }

    public func clearCarError() async {
        state.withLock { $0.forcedCar = .none }
        await report()
    }

    /// Every set request so far.
    public var requests: [SetRequest] { state.value.requests }
    /// Its energy counter (`eto`), Wh.
    public var etoWh: Double { state.withLock { advance(&$0); return $0.etoWh } }
    /// What it draws now, W.
    public var drawW: Double { state.withLock { advance(&$0); return $0.drawW } }
    public var amp: Int { state.value.amp }
    public var frc: Int { state.value.frc }
    public var psm: Int { state.value.psm }
    /// The phases it charges on now: 1 with psm 1, else all it is wired to.
    public var activePhases: Int { Self.activePhases(psm: state.value.psm, wired: phases) }
    /// How often a psm changed the phases while it drew.
    public var switchesWhileCharging: Int { state.value.switchesWhileCharging }
    /// Every change of its draw, with its clock's time.
    public var draws: [(at: Date, watts: Double)] { state.withLock { advance(&$0); return $0.draws } }

    static func activePhases(psm: Int, wired: Int) -> Int { psm == 1 ? 1 : wired }

    // MARK: Behaviour

    private func charging(_ state: State) -> Bool { state.plugged && state.frc != 1 }

    private func carState(_ state: State) -> String {
        if case let .some(forced) = state.forcedCar { return forced.map(String.init) ?? "null" }
        guard state.plugged else { return "1" }
        return charging(state) ? "2" : "3"
    }

    private func advance(_ state: inout State) {
        let now = clock.now()
        let seconds = max(0, now.timeIntervalSince(state.lastAdvance))
        state.lastAdvance = now
        let energy = state.drawW * seconds / 3600
        state.etoWh += energy
        state.sessionWh += energy
        let draw = charging(state) ? Double(state.amp) * 230 * Double(Self.activePhases(psm: state.psm, wired: phases)) : 0
        if draw != state.drawW || state.draws.isEmpty { state.draws.append((now, draw)) }
        state.drawW = draw
    }

    private func receive(_ message: MQTTMessage) async {
        let parts = message.topic.split(separator: "/")
        guard parts.count == 4, parts[3] == "set" else { return }
        let key = String(parts[2])
        let payload = message.payloadText.trimmingCharacters(in: .whitespacesAndNewlines)
        let error: String? = state.withLock { state in
            advance(&state)
            let error = apply(key: key, payload: payload, to: &state)
            state.requests.append(SetRequest(key: key, payload: message.payloadText, error: error))
            advance(&state)
            return error
        }
        try? await client.publish(error ?? "success", to: "\(prefix)/\(key)/result", qos: .atMostOnce)
        await report()
    }

    /// Applies a set; returns the error the charger answers, nil on success.
    private func apply(key: String, payload: String, to state: inout State) -> String? {
        switch key {
        case "amp":
            guard let value = Self.integer(payload) else { return "amp: failed: invalid value \(payload), expected an integer" }
            guard (6...32).contains(value) else { return "amp: failed: Value \(value) exceeds range 6 to 32 (\(value))" }
            state.amp = value
        case "frc":
            guard let value = Self.integer(payload), (0...2).contains(value) else { return "frc: failed: invalid value \(payload)" }
            state.frc = value
        case "psm":
            guard let value = Self.integer(payload), (0...2).contains(value) else { return "psm: failed: invalid value \(payload), expected 0, 1 or 2" }
            if state.drawW > 0, Self.activePhases(psm: value, wired: phases) != Self.activePhases(psm: state.psm, wired: phases) {
                state.switchesWhileCharging += 1
            }
            state.psm = value
        case "car", "nrg", "eto", "wh":
            return "tried to set api key without setter"
        default:
            return "unknown api key \(key)"
        }
        return nil
    }

    /// A JSON integer: digits with an optional minus, nothing else (`16`, not `16.0` or `"16"`).
    static func integer(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.count < 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// Publishes `car`, `amp`, `frc`, `psm`, `nrg`, `eto` and `wh`, as the charger does about every second.
    private func report() async {
        let snapshot = state.withLock { state -> (car: String, amp: Int, frc: Int, psm: Int, nrg: String, eto: Int, wh: Double) in
            advance(&state)
            let current = state.drawW > 0 ? Double(state.amp) : 0
            let active = Self.activePhases(psm: state.psm, wired: phases)
            let perPhase = state.drawW / Double(active)
            let l2l3 = active == 3
            let nrg: [Double] = [230, l2l3 ? 230 : 0, l2l3 ? 230 : 0, 0,
                                 current, l2l3 ? current : 0, l2l3 ? current : 0,
                                 perPhase, l2l3 ? perPhase : 0, l2l3 ? perPhase : 0, 0, state.drawW,
                                 state.drawW > 0 ? 100 : 0, 0, 0, 0]
            let text = "[" + nrg.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }.joined(separator: ",") + "]"
            return (carState(state), state.amp, state.frc, state.psm, text, Int(state.etoWh.rounded(.down)), (state.sessionWh * 1000).rounded() / 1000)
        }
        let messages = [("car", snapshot.car), ("amp", String(snapshot.amp)), ("frc", String(snapshot.frc)), ("psm", String(snapshot.psm)),
                        ("nrg", snapshot.nrg), ("eto", String(snapshot.eto)), ("wh", String(snapshot.wh))]
        for (key, payload) in messages {
            try? await client.publish(payload, to: "\(prefix)/\(key)", qos: .atMostOnce)
        }
    }
}
