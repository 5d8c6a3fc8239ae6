/// What a device's charger can draw (docs/site.md): 0, or one of the powers its kind allows.
///
/// - `switch`: only on or off, so 0 or its full `maxPowerW`.
/// - `current`: 0, or `minCurrentA`...`maxCurrentA` per phase in whole steps of `currentStepA`
///   counted from the minimum, times ``voltage`` times `phases`.
/// - `power`: 0, or any power from `minPowerW` to `maxPowerW`.
///
/// A charger told a current or power below its minimum does not charge (IEC 61851: no AC
/// charger signals less than 6 A), so nothing in the product plans or commands one.
///
/// A `current` charger on 3 phases that can be switched to one (``switchesToOnePhase``, a go-e's
/// `psm`) has two ranges: below its three-phase minimum it draws `minCurrentA`... on one phase
/// (1,380-3,680 W for 6-16 A), from it up on three (4,140-11,040 W). ``minPowerW`` is then the
/// one-phase minimum, and ``steps`` hold both ranges; ``phases(drawing:)`` says which a power is on.
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
    /// A `current` charger on 3 phases that can be switched to 1: it draws the powers below its
    /// three-phase minimum on one phase.
    public var switchesToOnePhase = false

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

    /// This charger switched between one and three phases (a `current` charger on 3 phases; the
    /// others are returned as they are: ``problem`` names that).
    public func switchingPhases() -> Charger {
        var charger = self
        charger.switchesToOnePhase = true
        if kind == .current, phases == 3 { charger.minPowerW = minCurrentA * Self.voltage }
        return charger
    }

    /// This charger held on `count` phases (a charger that switches phases while it cannot switch
    /// now; any other is returned as it is): on one phase, the one-phase range below its
    /// three-phase minimum.
    public func on(phases count: Int) -> Charger {
        guard switchesToOnePhase, kind == .current, phases == 3 else { return self }
        guard count == 1 else { return .current(phases: 3, minCurrentA: minCurrentA, maxCurrentA: maxCurrentA, stepA: currentStepA) }
        return .current(phases: 1, minCurrentA: minCurrentA, maxCurrentA: onePhaseMaxCurrentA, stepA: currentStepA)
    }

    /// The three-phase minimum of a charger that switches phases, W (else its minimum).
    public var threePhaseMinPowerW: Double {
        switchesToOnePhase && kind == .current && phases == 3 ? minCurrentA * Self.voltage * 3 : minPowerW
    }

    /// The highest current on one phase below the three-phase minimum, A (a whole step from
    /// `minCurrentA`, at most `maxCurrentA`).
    private var onePhaseMaxCurrentA: Double {
        guard currentStepA > 0 else { return minCurrentA }
        // Below 3 x min: steps strictly under it.
        let steps = ((3 * minCurrentA - minCurrentA) / currentStepA - 1e-6).rounded(.down)
        return min(maxCurrentA, minCurrentA + max(0, steps) * currentStepA)
    }

    /// The phases `powerW` is drawn on: 1 for a charger that switches phases below its
    /// three-phase minimum, else ``phases``.
    public func phases(drawing powerW: Double) -> Int {
        switchesToOnePhase && kind == .current && phases == 3 && powerW < threePhaseMinPowerW - 1e-6 ? 1 : phases
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
        if switchesToOnePhase, kind != .current || phases != 3 {
            return ("command_phases_topic", "needs a charger told a current on three phases ({current_a} in command_power, phases: 3)")
        }
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
        let three = (0...max(count, 0)).map { power(currentA: minCurrentA + Double($0) * currentStepA) }
        guard switchesToOnePhase, phases == 3 else { return three }
        return (on(phases: 1).steps ?? []) + three
    }

    /// The highest power this charger can draw at or under `limitW`, or 0 when even its minimum
    /// does not fit (then it must be stopped).
    public func highestPower(atMost limitW: Double) -> Double {
        if switchesToOnePhase, kind == .current, phases == 3 {
            let three = on(phases: 3).highestPower(atMost: limitW)
            return three > 0 ? three : on(phases: 1).highestPower(atMost: limitW)
        }
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
        if switchesToOnePhase, kind == .current, phases == 3 {
            if powerW < threePhaseMinPowerW - 1e-9, let one = on(phases: 1).lowestPower(atLeast: powerW), one < threePhaseMinPowerW - 1e-9 {
                return one
            }
            return on(phases: 3).lowestPower(atLeast: powerW)
        }
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

    /// The current per phase that draws `powerW` on this charger, A (for `{current_a}`), on the
    /// phases that power is drawn on.
    public func currentA(powerW: Double) -> Double {
        powerW / (Self.voltage * Double(max(phases(drawing: powerW), 1)))
    }

    /// The power drawn at `currentA` per phase on `count` phases (nil: ``phases``), W.
    public func power(currentA: Double, phases count: Int? = nil) -> Double {
        currentA * Self.voltage * Double(max(count ?? phases, 1))
    }

    private static func text(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
