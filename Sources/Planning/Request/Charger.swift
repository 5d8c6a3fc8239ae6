/// What a device's charger can draw (docs/site.md): 0, or one of the powers its kind allows.
///
/// - `switch`: only on or off, so 0 or its full `maxPowerW`.
/// - `current`: 0, or `minCurrentA`...`maxCurrentA` per phase in whole steps of `currentStepA`
///   counted from the minimum, times ``voltage`` times `phases`.
/// - `power`: 0, or any power from `minPowerW` to `maxPowerW`.
///
/// A charger told a current or power below its minimum does not charge (IEC 61851: no AC
/// charger signals less than 6 A), so nothing in the product plans or commands one.
public struct Charger: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case `switch`
        case current
        case power
    }

    /// The nominal voltage per phase the current of a `current` charger is converted with.
    public static let voltage = 230.0

    public var kind: Kind
    /// The most it draws, W (for a `current` charger: `maxCurrentA` x 230 V x `phases`).
    public var maxPowerW: Double
    /// The least it draws when it charges at all, W (a `switch` charger: its `maxPowerW`).
    public var minPowerW: Double
    /// Phases it charges on, 1 or 3 (what a current is multiplied by).
    public var phases: Int
    /// `current` chargers: the least current per phase it signals, A.
    public var minCurrentA: Double
    /// `current` chargers: the most current per phase, A.
    public var maxCurrentA: Double
    /// `current` chargers: the step between currents it can signal, A, counted from `minCurrentA`.
    public var currentStepA: Double

    /// A charger that is only switched on (at `powerW`) or off.
    public static func switched(powerW: Double, phases: Int = 3) -> Charger {
        Charger(kind: .switch, maxPowerW: powerW, minPowerW: powerW, phases: phases,
                minCurrentA: 0, maxCurrentA: 0, currentStepA: 0)
    }

    /// A charger told a current per phase (the usual wallbox: 6-16 A or 6-32 A in 1 A steps).
    public static func current(phases: Int, minCurrentA: Double = 6, maxCurrentA: Double, stepA: Double = 1) -> Charger {
        let perAmp = voltage * Double(phases)
        return Charger(kind: .current, maxPowerW: maxCurrentA * perAmp, minPowerW: minCurrentA * perAmp, phases: phases,
                       minCurrentA: minCurrentA, maxCurrentA: maxCurrentA, currentStepA: stepA)
    }

    /// A charger told a power limit, which it follows anywhere from `minPowerW` to `maxPowerW`.
    public static func power(minPowerW: Double, maxPowerW: Double, phases: Int = 3) -> Charger {
        Charger(kind: .power, maxPowerW: maxPowerW, minPowerW: minPowerW, phases: phases,
                minCurrentA: 0, maxCurrentA: 0, currentStepA: 0)
    }

    public init(kind: Kind, maxPowerW: Double, minPowerW: Double, phases: Int,
                minCurrentA: Double, maxCurrentA: Double, currentStepA: Double) {
        self.kind = kind
        self.maxPowerW = maxPowerW
        self.minPowerW = minPowerW
        self.phases = phases
        self.minCurrentA = minCurrentA
        self.maxCurrentA = maxCurrentA
        self.currentStepA = currentStepA
    }

    /// What is wrong with these settings, naming the key (`min_current_a`, `current_step_a`, ...),
    /// or nil when the charger is usable.
    public var problem: (key: String, message: String)? {
        switch kind {
        case .switch:
            if !(maxPowerW > 0) { return ("max_power_w", "must be above 0") }
        case .current:
            if phases != 1, phases != 3 { return ("phases", "must be 1 or 3") }
            if !(minCurrentA > 0) { return ("min_current_a", "must be above 0 A") }
            if !(maxCurrentA >= minCurrentA) {
                return ("min_current_a", "(\(Self.text(minCurrentA)) A) must not be above max_current_a (\(Self.text(maxCurrentA)) A)")
            }
            if !(currentStepA > 0) { return ("current_step_a", "must be above 0 A") }
            let steps = (maxCurrentA - minCurrentA) / currentStepA
            if abs(steps - steps.rounded()) > 1e-6 {
                return ("current_step_a", "(\(Self.text(currentStepA)) A) must divide max_current_a - min_current_a (\(Self.text(maxCurrentA - minCurrentA)) A) into whole steps")
            }
        case .power:
            if !(minPowerW > 0) { return ("min_power_w", "must be above 0 W") }
            if !(maxPowerW >= minPowerW) {
                return ("min_power_w", "(\(Self.text(minPowerW)) W) must not be above max_power_w (\(Self.text(maxPowerW)) W)")
            }
        }
        return nil
    }

    /// The powers a `current` charger can draw, lowest first (nil for other kinds).
    public var steps: [Double]? {
        guard kind == .current, currentStepA > 0 else { return nil }
        let count = Int(((maxCurrentA - minCurrentA) / currentStepA + 1e-6).rounded(.down))
        return (0...max(count, 0)).map { power(currentA: minCurrentA + Double($0) * currentStepA) }
    }

    /// The highest power this charger can draw at or under `limitW`, or 0 when even its minimum
    /// does not fit (then it must be stopped).
    public func highestPower(atMost limitW: Double) -> Double {
        let limit = limitW + 1e-9
        guard limit >= minPowerW else { return 0 }
        switch kind {
        case .switch:
            return maxPowerW
        case .power:
            return min(maxPowerW, limitW)
        case .current:
            let perAmp = Self.voltage * Double(phases)
            let stepsAbove = ((min(limit, maxPowerW + 1e-9) / perAmp - minCurrentA) / currentStepA + 1e-9).rounded(.down)
            return power(currentA: minCurrentA + max(0, stepsAbove) * currentStepA)
        }
    }

    /// The lowest power this charger can draw at or above `powerW` (0 for 0 or less), or nil
    /// when `powerW` is above its maximum.
    public func lowestPower(atLeast powerW: Double) -> Double? {
        guard powerW > 1e-9 else { return 0 }
        guard powerW <= maxPowerW + 1e-9 else { return nil }
        switch kind {
        case .switch:
            return maxPowerW
        case .power:
            return min(maxPowerW, max(minPowerW, powerW))
        case .current:
            guard powerW > minPowerW + 1e-9, currentStepA > 0 else { return minPowerW }
            let perAmp = Self.voltage * Double(phases)
            let stepsAbove = ((powerW / perAmp - minCurrentA) / currentStepA - 1e-9).rounded(.up)
            return min(maxPowerW, power(currentA: minCurrentA + max(0, stepsAbove) * currentStepA))
        }
    }

    /// Whether this charger can draw `powerW` (0 always; otherwise one of the powers of its kind).
    public func canDraw(_ powerW: Double) -> Bool {
        guard powerW > 1e-6 else { return true }
        let tolerance = 1e-6 * max(1, powerW)
        return abs(highestPower(atMost: powerW + tolerance / 2) - powerW) <= tolerance
    }

    /// The current per phase that draws `powerW` on this charger, A (for `{current_a}`).
    public func currentA(powerW: Double) -> Double {
        powerW / (Self.voltage * Double(max(phases, 1)))
    }

    /// The power drawn at `currentA` per phase, W.
    public func power(currentA: Double) -> Double {
        currentA * Self.voltage * Double(max(phases, 1))
    }

    private static func text(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
