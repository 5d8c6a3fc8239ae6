import Foundation
import Locking
import MQTT

/// TeslaMate reporting a car, as its documentation and publisher describe it
/// (github.com/teslamate-org/teslamate):
///
/// - website/docs/integrations/mqtt.md: `teslamate/cars/$car_id/<value>`, among them
///   `battery_level` (percent, `88`), `usable_battery_level`, `plugged_in` (`true` / `false`),
///   `charging_state` (`Charging`, `Disconnected`, `Stopped`, `NoPower`, `Complete`),
///   `charger_power` (kW, `48.9`), `charge_energy_added` (kWh, `5.06`), `charge_limit_soc`,
///   `state` (`online`, `asleep`, `charging`, ...), `healthy`.
/// - lib/teslamate/mqtt/pubsub/vehicle_subscriber.ex: every value retained (but `healthy`),
///   QoS 1, published only when it changed, as Elixir's `to_string` writes it; a value the car
///   did not report (nil) is left out, but for `charger_power`, `charge_energy_added` and a few
///   others, which are then published empty.
/// - lib/teslamate/vehicles/vehicle/summary.ex: `plugged_in` is the charge state's
///   `charging_state != "Disconnected"`; an unknown charge port leaves it unpublished.
///
/// TeslaMate takes no commands: it only reports. It polls the car every `pollEverySeconds`;
/// an asleep or offline car reports nothing new, so the retained values stay as they were.
public final class EmulatedTeslaMate: EmulatedDevice {
    public let carID: Int
    public let car: EmulatedCar
    public let pollEverySeconds: Double
    private let link: DeviceLink
    private let published = Locked<[String: String]>([:])
    /// `online`, `asleep`, `offline`, ...; asleep or offline: nothing is polled.
    private let vehicleState = Locked("online")
    /// What the car's charger takes now, W (what the wallbox or the relay feeding it draws).
    private let chargerW: @Sendable () -> Double

    public init(brokerURL: String, carID: Int = 1, car: EmulatedCar, pollEverySeconds: Double = 15, clock: DeviceClock = .wall,
                chargerW: @escaping @Sendable () -> Double) throws {
        self.chargerW = chargerW
        self.carID = carID
        self.car = car
        self.pollEverySeconds = pollEverySeconds
        link = try DeviceLink(brokerURL: brokerURL, clientID: "teslamate-\(UUID().uuidString.prefix(6))", clock: clock)
    }

    public func topic(_ key: String) -> String { "teslamate/cars/\(carID)/\(key)" }

    /// The values as last published.
    public var values: [String: String] { published.value }

    public func start() async throws {
        try await link.connect(subscribing: []) { _ in "TeslaMate takes no commands" }
        await poll()
        link.every(pollEverySeconds) { [weak self] in await self?.poll() }
    }

    public func stop() async { await link.stop() }

    /// The car falls asleep or goes offline (`asleep`, `offline`) or wakes (`online`).
    public func setVehicleState(_ state: String) async {
        vehicleState.withLock { $0 = state }
        await publishIfChanged("state", state)
        if state == "online" { await poll() }
    }

    /// Reads the car now and publishes what changed (TeslaMate's poll).
    public func poll() async {
        guard vehicleState.value == "online" || vehicleState.value == "charging" else { return }
        let now = car.current
        let watts = chargerW()
        let charging = now.plugged && watts > 0
        let chargingState: String
        if !now.plugged {
            chargingState = "Disconnected"
        } else if charging {
            chargingState = "Charging"
        } else {
            chargingState = now.socPercent >= 100 - 1e-9 ? "Complete" : "Stopped"
        }
        let state = charging ? "charging" : "online"
        vehicleState.withLock { $0 = state }
        let level = Int(now.socPercent.rounded(.down))
        var values: [(String, String)] = [
            ("display_name", "Blue Thunder"),
            ("state", state),
            ("battery_level", String(level)),
            ("usable_battery_level", String(max(0, level - 1))),
            ("plugged_in", now.plugged ? "true" : "false"),
            ("charging_state", chargingState),
            ("charge_limit_soc", "90"),
        ]
        if now.plugged {
            // The Tesla API reports charger_power in whole kW.
            values.append(("charger_power", String(Int((watts / 1000).rounded()))))
            values.append(("charge_energy_added", String(format: "%.2f", now.addedWh / 1000)))
        } else {
            values.append(("charger_power", ""))
        }
        for (key, value) in values { await publishIfChanged(key, value) }
        await link.publish("true", to: topic("healthy"))
    }

    private func publishIfChanged(_ key: String, _ value: String) async {
        let changed = published.withLock { published in
            guard published[key] != value else { return false }
            published[key] = value
            return true
        }
        if changed { await link.publish(value, to: topic(key), retain: true) }
    }
}
