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
///
/// It draws `amp` x 230 V x phases while it charges (the car takes what the pilot signals).
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
        var lastAdvance: ContinuousClock.Instant
        var requests: [SetRequest] = []
        var drawW = 0.0
    }

    public let serial: String
    public let phases: Int
    public let reportEverySeconds: Double
    private let client: MQTTClient
    private let state: Locked<State>
    private let tasks = Locked<[Task<Void, Never>]>([])

    public var prefix: String { "go-eCharger/\(serial)" }

    public init(brokerURL: String, serial: String = "012345", phases: Int = 3, etoWh: Double = 1_234_000,
                reportEverySeconds: Double = 0.2) throws {
        self.serial = serial
        self.phases = phases
        self.reportEverySeconds = reportEverySeconds
        var configuration = try MQTTConfiguration(url: brokerURL, clientID: "go-e-\(serial)")
        configuration.cleanStart = true
        var quiet = Logger(label: "go-e")
        quiet.logLevel = .warning
        client = try MQTTClient(configuration: configuration, logger: quiet)
        state = Locked(State(etoWh: etoWh, lastAdvance: .now))
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
                try? await Task.sleep(for: .seconds(self?.reportEverySeconds ?? 1))
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

    // MARK: Behaviour

    private func charging(_ state: State) -> Bool { state.plugged && state.frc != 1 }

    private func carState(_ state: State) -> String {
        if case let .some(forced) = state.forcedCar { return forced.map(String.init) ?? "null" }
        guard state.plugged else { return "1" }
        return charging(state) ? "2" : "3"
    }

    private func advance(_ state: inout State) {
        let now = ContinuousClock.now
        let seconds = Double((now - state.lastAdvance).components.attoseconds) / 1e18 + Double((now - state.lastAdvance).components.seconds)
        state.lastAdvance = now
        let energy = state.drawW * seconds / 3600
        state.etoWh += energy
        state.sessionWh += energy
        state.drawW = charging(state) ? Double(state.amp) * 230 * Double(phases) : 0
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

    /// Publishes `car`, `amp`, `frc`, `nrg`, `eto` and `wh`, as the charger does about every second.
    private func report() async {
        let snapshot = state.withLock { state -> (car: String, amp: Int, frc: Int, nrg: String, eto: Int, wh: Double) in
            advance(&state)
            let current = state.drawW > 0 ? Double(state.amp) : 0
            let perPhase = state.drawW / Double(phases)
            let l2l3 = phases == 3
            let nrg: [Double] = [230, l2l3 ? 230 : 0, l2l3 ? 230 : 0, 0,
                                 current, l2l3 ? current : 0, l2l3 ? current : 0,
                                 perPhase, l2l3 ? perPhase : 0, l2l3 ? perPhase : 0, 0, state.drawW,
                                 state.drawW > 0 ? 100 : 0, 0, 0, 0]
            let text = "[" + nrg.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }.joined(separator: ",") + "]"
            return (carState(state), state.amp, state.frc, text, Int(state.etoWh.rounded(.down)), (state.sessionWh * 1000).rounded() / 1000)
        }
        let messages = [("car", snapshot.car), ("amp", String(snapshot.amp)), ("frc", String(snapshot.frc)),
                        ("nrg", snapshot.nrg), ("eto", String(snapshot.eto)), ("wh", String(snapshot.wh))]
        for (key, payload) in messages {
            try? await client.publish(payload, to: "\(prefix)/\(key)", qos: .atMostOnce)
        }
    }
}
