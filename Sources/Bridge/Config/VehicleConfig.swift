import Planning
import Tariffs

/// One car and its charger.
public struct VehicleConfig: Sendable, Equatable {
    /// Unique id; also the `device_id` of its schedules and meter records.
    public var id: String
    public var name: String
    /// Usable battery capacity, Wh.
    public var capacityWh: Double
    /// The most the charger and car take together, W.
    public var maxPowerW: Double
    /// Grid-to-battery efficiency, 0 < e <= 1.
    public var efficiency: Double
    /// Default departure, local time of day in the tariff's zone.
    public var readyBy: TimeOfDay
    /// Percent the car should reach by `readyBy`.
    public var targetSoc: Double
    /// Percent charged at once whatever the price.
    public var minSoc: Double
    /// Phases the charger uses (for `{current_a}` in a power command), 1 or 3.
    public var phases: Int
    /// What its charger can draw (docs/site.md): switch, current or power, from `command_power`.
    public var charger: Charger
    public var topics: VehicleTopics
    /// A charger that switches phases (`command_phases_*`) switches at most once in this long, s
    /// (`phase_switch_interval_s`).
    public var phaseSwitchIntervalSeconds: Double = 300
}
