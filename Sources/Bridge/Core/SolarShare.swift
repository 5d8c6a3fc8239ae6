import Foundation

/// How much of the chargers' power the surplus covers (docs/site.md, "Solar energy of a
/// session"). The **surplus** is what the home would export with no car charging: the grid
/// meter's reading less the chargers' draw, turned round, `max(0, chargers - grid)`, which is
/// `max(0, -house load)`. Charging cars share it in proportion to their draw, each at most its
/// own draw: every car's solar power is the same fraction of its draw.
enum SolarShare {
    /// The fraction (0...1) of each charging car's power that the surplus covers:
    /// `min(1, surplus / chargers)`; 0 when nothing draws or nothing is left over.
    static func fraction(surplusW: Double, chargersW: Double) -> Double {
        guard surplusW > 0, chargersW > 0 else { return 0 }
        return min(1, surplusW / chargersW)
    }

    /// The surplus from a house load, W: what the home exports when no car charges.
    static func surplusW(houseW: Double) -> Double {
        max(0, -houseW)
    }
}
