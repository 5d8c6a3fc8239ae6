import Foundation
import Planning

/// What the bridge wants the charger to do.
public enum ChargerCommand: Sendable, Equatable {
    /// Charge, at `powerW` when the charger takes a power limit (always one it can draw).
    case start(powerW: Double)
    /// Do not charge.
    case stop

    /// The power it tells the charger to draw, W (0 for a stop).
    var powerW: Double {
        if case let .start(powerW) = self { powerW } else { 0 }
    }

    /// The payload for `topics`: the configured start/stop words, or the power template with
    /// `{power_w}` (whole W, rounded down; with `{current_a}` beside it, what that current
    /// draws) and `{current_a}` (A per phase at 230 V on the phases the power is drawn on, rounded down
    /// to a whole step of the charger, without spurious decimals: `16`, `6.5`) filled in.
    func payload(topics: VehicleTopics, charger: Charger) -> String {
        switch self {
        case .stop:
            return topics.commandStop
        case let .start(powerW):
            guard let template = topics.commandPower else { return topics.commandStart }
            var result = template
            var drawnW = powerW
            if template.contains("{current_a}") {
                let current = Self.current(powerW: powerW, charger: charger, wholeAmps: topics.wholeAmps)
                result = result.replacingOccurrences(of: "{current_a}", with: Self.decimal(current))
                drawnW = charger.power(currentA: current, phases: charger.phases(drawing: powerW)) // what that current draws
            }
            return result.replacingOccurrences(of: "{power_w}", with: String(Int((drawnW + 1e-6).rounded(.down))))
        }
    }

    /// The current per phase that draws at most `powerW` on `charger`: a whole step from its
    /// minimum when it has steps, else to a tenth of an ampere, rounded down.
    /// With `wholeAmps` the result is rounded down to whole amperes as well (never up: the
    /// charger then draws at most what the site guard gave it).
    static func current(powerW: Double, charger: Charger, wholeAmps: Bool = false) -> Double {
        let current = charger.currentA(powerW: powerW)
        let stepped: Double
        if charger.kind == .current, charger.currentStepA > 0 {
            let steps = Swift.max(0, ((current - charger.minCurrentA) / charger.currentStepA + 1e-6).rounded(.down))
            stepped = Swift.min(charger.maxCurrentA, charger.minCurrentA + steps * charger.currentStepA)
        } else {
            stepped = (current * 10 + 1e-6).rounded(.down) / 10
        }
        return wholeAmps ? (stepped + 1e-6).rounded(.down) : stepped
    }

    /// A number without spurious decimals: `16`, `6.5`, `6.25`.
    static func decimal(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.3f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
