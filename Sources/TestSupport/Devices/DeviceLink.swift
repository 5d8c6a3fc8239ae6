import Foundation
import Locking
import Logging
import MQTT

/// An emulated device on its own MQTT connection: started (connected, reporting) and stopped.
public protocol EmulatedDevice: Sendable {
    func start() async throws
    func stop() async
}

/// One command an emulated device received, and what it made of it.
public struct DeviceCommand: Sendable, Equatable, CustomStringConvertible {
    public var topic: String
    public var payload: String
    /// nil: the device took it; otherwise why it ignored it (as the real one does with a payload
    /// its documentation does not describe).
    public var rejection: String?
    public var at: Date

    public var accepted: Bool { rejection == nil }
    public var description: String { "\(topic) \(payload)" + (rejection.map { " (ignored: \($0))" } ?? "") }
}

/// An emulated device's own MQTT connection (each real device has one), with its Last Will,
/// its command subscriptions, a periodic report and the log of the commands it received.
final class DeviceLink: Sendable {
    let client: MQTTClient
    let clock: DeviceClock
    private let tasks = Locked<[Task<Void, Never>]>([])
    private let received = Locked<[DeviceCommand]>([])

    init(brokerURL: String, clientID: String, will: MQTTWill? = nil, clock: DeviceClock) throws {
        var configuration = try MQTTConfiguration(url: brokerURL, clientID: clientID)
        configuration.cleanStart = true
        configuration.will = will
        var logger = Logger(label: clientID)
        logger.logLevel = .warning
        client = try MQTTClient(configuration: configuration, logger: logger)
        self.clock = clock
    }

    var commands: [DeviceCommand] { received.value }

    /// Connects, subscribes to `filters`, and hands every message to `handle`, which returns nil
    /// when the device took the command or the reason it ignored it.
    func connect(subscribing filters: [String], handle: @escaping @Sendable (MQTTMessage) async -> String?) async throws {
        try await client.connect(timeout: .seconds(10))
        for filter in filters { try await client.subscribe(filter) }
        let reader = Task { [client, clock, received] in
            for await message in client.messages {
                let at = clock.now()
                let rejection = await handle(message)
                received.withLock { $0.append(DeviceCommand(topic: message.topic, payload: message.payloadText, rejection: rejection, at: at)) }
            }
        }
        tasks.withLock { $0.append(reader) }
    }

    /// Runs `body` every `seconds` of the devices' clock until stopped.
    func every(_ seconds: Double, _ body: @escaping @Sendable () async -> Void) {
        let task = Task { [clock] in
            while !Task.isCancelled {
                do { try await clock.sleep(seconds) } catch { return }
                await body()
            }
        }
        tasks.withLock { $0.append(task) }
    }

    func publish(_ payload: String, to topic: String, retain: Bool = false) async {
        try? await client.publish(payload, to: topic, qos: .atLeastOnce, retain: retain, waitForAcknowledgement: false)
    }

    func stop() async {
        for task in tasks.withLock({ list in defer { list = [] }; return list }) { task.cancel() }
        await client.shutdown()
    }
}

/// Numbers as the devices' firmware writes them in JSON (ArduinoJson, JavaScript, Elixir's
/// `to_string`): integers without a decimal point, others with at most `decimals` places.
func deviceNumber(_ value: Double, decimals: Int) -> String {
    let rounded = (value * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    var text = String(format: "%.\(decimals)f", rounded)
    while text.hasSuffix("0") { text.removeLast() }
    return text
}

/// The JSON object in `payload`, or nil when it is not one.
func jsonObject(_ payload: String) -> [String: Any]? {
    guard let data = payload.data(using: .utf8) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}

/// A JSON number (not a Bool, which JSONSerialization also hands out as NSNumber).
func jsonNumber(_ value: Any?) -> Double? {
    guard !(value is Bool), let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
    return number.doubleValue
}
