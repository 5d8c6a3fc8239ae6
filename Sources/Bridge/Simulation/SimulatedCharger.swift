import Foundation
import Locking
import Logging
import MQTT
import Tariffs

/// A charger with a car plugged in, simulated over MQTT for the demo and the tests: it obeys
/// the bridge's start/stop commands and publishes plug state, state of charge, power and a
/// cumulative energy counter on the vehicle's topics, in the clock's (possibly accelerated) time.
public final class SimulatedCharger: Sendable {
    public struct Settings: Sendable {
        public var vehicle: VehicleConfig
        /// State of charge when plugged in, percent.
        public var initialSoc: Double
        /// Counter reading at the start, Wh.
        public var initialCounterWh: Double = 0
        /// How often the charger reports, in clock seconds.
        public var reportEverySeconds: Double = 60

        public init(vehicle: VehicleConfig, initialSoc: Double) {
            self.vehicle = vehicle
            self.initialSoc = initialSoc
        }
    }

    /// What the charger is doing, for the demo's display.
    public struct Status: Sendable {
        public var charging: Bool
        public var powerW: Double
        public var socPercent: Double
        public var counterWh: Double
        public var commands: Int
    }

    private let settings: Settings
    private let client: MQTTClient
    private let clock: any BridgeClock
    private let state: Locked<Status>

    public init(settings: Settings, brokerURL: String, clock: any BridgeClock, logger: Logger) throws {
        self.settings = settings
        self.clock = clock
        var configuration = try MQTTConfiguration(url: brokerURL, clientID: "simulated-charger-\(settings.vehicle.id)")
        configuration.cleanStart = true
        client = try MQTTClient(configuration: configuration, logger: logger)
        state = Locked(Status(charging: false, powerW: 0, socPercent: settings.initialSoc, counterWh: settings.initialCounterWh, commands: 0))
    }

    /// The charger's state now.
    public var status: Status { state.value }

    /// Connects, plugs the car in and runs until cancelled (then unplugs and disconnects).
    public func run() async throws {
        let topics = settings.vehicle.topics
        try await client.connect(timeout: .seconds(10))
        try await client.subscribe(topics.command)
        try await report()
        try await client.publish("connected", to: topics.plug.topic, retain: true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [client, state, settings] in
                for await message in client.messages where message.topic == topics.command {
                    let text = message.payloadText
                    state.withLock { status in
                        status.commands += 1
                        if text == topics.commandStop {
                            status.charging = false
                        } else if text == topics.commandStart || topics.commandPower != nil {
                            status.charging = true
                            status.powerW = Self.power(from: text, settings: settings)
                        }
                    }
                }
            }
            group.addTask { [self] in
                var last = clock.now()
                while !Task.isCancelled {
                    try await clock.sleep(seconds: settings.reportEverySeconds)
                    let now = clock.now()
                    advance(seconds: now.timeIntervalSince(last))
                    last = now
                    try await report()
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Unplugs the car (the bridge closes the session) and disconnects.
    public func unplugAndStop() async {
        try? await client.publish("disconnected", to: settings.vehicle.topics.plug.topic, retain: true)
        await client.shutdown()
    }

    private func advance(seconds: Double) {
        let vehicle = settings.vehicle
        state.withLock { status in
            guard status.charging, status.socPercent < 100 else {
                status.powerW = status.charging ? 0 : status.powerW
                return
            }
            let power = status.powerW > 0 ? status.powerW : vehicle.maxPowerW
            var energyWh = power * seconds / 3600
            let roomWh = (100 - status.socPercent) / 100 * vehicle.capacityWh / vehicle.efficiency
            energyWh = min(energyWh, roomWh)
            status.counterWh += energyWh
            status.socPercent = min(100, status.socPercent + energyWh * vehicle.efficiency / vehicle.capacityWh * 100)
        }
    }

    private func report() async throws {
        let status = state.value
        let topics = settings.vehicle.topics
        let power = status.charging && status.socPercent < 100 ? (status.powerW > 0 ? status.powerW : settings.vehicle.maxPowerW) : 0
        try await client.publish(String(format: "%.1f", status.socPercent), to: topics.soc.topic)
        try await client.publish(String(Int(power.rounded())), to: topics.power.topic)
        if let energy = topics.energy {
            try await client.publish(String(format: "%.1f", status.counterWh), to: energy.topic, retain: true)
        }
    }

    private static func power(from payload: String, settings: Settings) -> Double {
        guard settings.vehicle.topics.commandPower != nil else { return settings.vehicle.maxPowerW }
        let digits = payload.split { !"0123456789.".contains($0) }.compactMap { Double($0) }
        guard let value = digits.first else { return settings.vehicle.maxPowerW }
        // A current limit in A (per phase at 230 V) or a power limit in W.
        return value < 100 ? value * 230 * Double(settings.vehicle.phases) : value
    }
}
