import Foundation
import Locking

/// The car behind an emulated device: plugged in or not, a battery that fills with what the
/// charger gives it, and at most what its on-board charger takes. Shared by the device that
/// supplies the power (a wallbox, a relay) and the one that reports the car (TeslaMate, a Home
/// Assistant automation), as one car is in a real home.
public final class EmulatedCar: Sendable {
    public struct State: Sendable, Equatable {
        public var plugged: Bool
        public var socPercent: Double
        /// Energy the battery took since the plug-in, Wh (after losses).
        public var addedWh: Double
    }

    public let capacityWh: Double
    /// Grid to battery.
    public let efficiency: Double
    /// The most its on-board charger takes, W.
    public let maxPowerW: Double
    private let state: Locked<State>

    public init(capacityWh: Double, socPercent: Double, efficiency: Double = 0.9, maxPowerW: Double = 11_000) {
        self.capacityWh = capacityWh
        self.efficiency = efficiency
        self.maxPowerW = maxPowerW
        state = Locked(State(plugged: false, socPercent: socPercent, addedWh: 0))
    }

    public var current: State { state.value }
    public var plugged: Bool { state.value.plugged }
    public var socPercent: Double { state.value.socPercent }

    /// What the car draws when offered `offeredW`: nothing unplugged or full.
    public func draw(offeredW: Double) -> Double {
        let now = state.value
        guard now.plugged, now.socPercent < 100 - 1e-9 else { return 0 }
        return max(0, min(offeredW, maxPowerW))
    }

    /// `gridWh` reached the car: the battery fills by it less the losses, up to 100 %. Returns
    /// what the car really took from the grid (less when it became full).
    @discardableResult
    public func charge(gridWh: Double) -> Double {
        state.withLock { state in
            guard state.plugged, gridWh > 0 else { return 0 }
            let roomWh = max(0, (100 - state.socPercent) / 100 * capacityWh / efficiency)
            let taken = min(gridWh, roomWh)
            state.socPercent = min(100, state.socPercent + taken * efficiency / capacityWh * 100)
            state.addedWh += taken * efficiency
            return taken
        }
    }

    /// The cable goes in (a new session: nothing added yet) or out.
    public func setPlugged(_ plugged: Bool) {
        state.withLock { state in
            if plugged && !state.plugged { state.addedWh = 0 }
            state.plugged = plugged
        }
    }
}

/// What feeds a car through a device (a wallbox's relay, a smart plug): whether it is closed,
/// what it draws, and the device's energy counter, which counts what the car really took.
public struct CarFeed: Sendable, Equatable {
    public var closed = false
    public var drawW = 0.0
    public var counterWh: Double
    var lastAdvance: Date

    init(counterWh: Double, at start: Date) {
        self.counterWh = counterWh
        lastAdvance = start
    }

    /// Integrates the draw up to `now` into the car and the counter; returns the Wh the car took.
    /// A car that became full stops drawing.
    @discardableResult
    mutating func advance(to now: Date, car: EmulatedCar) -> Double {
        let seconds = now.timeIntervalSince(lastAdvance)
        guard seconds > 0 else { return 0 }
        lastAdvance = now
        guard drawW > 0 else { return 0 }
        let taken = car.charge(gridWh: drawW * seconds / 3600)
        counterWh += taken
        drawW = car.draw(offeredW: drawW)
        return taken
    }

    /// What it draws now: what the car takes of `offeredW` while closed.
    mutating func settle(offeredW: Double, car: EmulatedCar) {
        drawW = closed ? car.draw(offeredW: offeredW) : 0
    }
}
