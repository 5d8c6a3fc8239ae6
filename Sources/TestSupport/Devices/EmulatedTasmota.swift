import Foundation
import Locking
import MQTT

/// A Tasmota relay with an energy monitor (a Sonoff POW R2, an Athom or Nous plug) feeding a
/// charger, as Tasmota's documentation describes it (github.com/tasmota/docs):
///
/// - docs/MQTT.md: commands on `cmnd/<topic>/<command>`; `cmnd/<topic>/POWER` with `ON` / `OFF`
///   switches the relay and answers `stat/<topic>/RESULT {"POWER":"ON"}` and
///   `stat/<topic>/POWER ON`; an empty payload asks for the state; the Last Will is
///   `tele/<topic>/LWT` `Offline`, `Online` (retained) once connected.
/// - docs/Commands.md: `Power<x>` takes `0` / `off` / `false`, `1` / `on` / `true`, `2` / `toggle`
///   (the documents write the command `Power` and `POWER` and the words `on` and `TOGGLE`: any
///   case is taken); `TelePeriod` (default 300 s, 10..3600) is how often
///   `tele/<topic>/STATE` and `tele/<topic>/SENSOR` are sent.
/// - docs/devices/Sonoff-Pow-R2.md: `tele/<topic>/SENSOR = {"Time":"2018-02-15T17:37:10",
///   "ENERGY":{"TotalStartTime":"...","Total":6.294,"Yesterday":5.340,"Today":0.954,"Period":217,
///   "Power":2635,"ApparentPower":2650,"ReactivePower":282,"Factor":0.99,"Voltage":227,"Current":11.661}}`:
///   `Total` in kWh (three decimals), `Power` in W.
///
/// Another command, or a POWER parameter it does not know, switches nothing.
public final class EmulatedTasmota: EmulatedDevice {
    public struct Status: Sendable, Equatable {
        /// The relay; its counter is ENERGY.Total.
        public var feed: CarFeed
        public var todayWh = 0.0
        public var periodWh = 0.0
        public var on: Bool { feed.closed }
        public var drawW: Double { feed.drawW }
        public var totalWh: Double { feed.counterWh }
    }

    public let topic: String
    /// What the charger behind the relay draws when on, W.
    public let chargerW: Double
    public let car: EmulatedCar
    /// TelePeriod, seconds.
    public let telePeriodSeconds: Double
    public let voltage = 230.0
    private let link: DeviceLink
    private let state: Locked<Status>

    public init(brokerURL: String, topic: String, chargerW: Double, car: EmulatedCar, telePeriodSeconds: Double = 300,
                totalWh: Double = 6_294, clock: DeviceClock = .wall) throws {
        precondition((10...3600).contains(telePeriodSeconds), "TelePeriod is 10..3600 s")
        self.topic = topic
        self.chargerW = chargerW
        self.car = car
        self.telePeriodSeconds = telePeriodSeconds
        link = try DeviceLink(brokerURL: brokerURL, clientID: "DVES_\(topic.prefix(6).uppercased())",
                              will: MQTTWill(topic: "tele/\(topic)/LWT", text: "Offline"), clock: clock)
        state = Locked(Status(feed: CarFeed(counterWh: totalWh, at: clock.now())))
    }

    public var status: Status { state.value }
    public var commands: [DeviceCommand] { link.commands }

    public func start() async throws {
        try await link.connect(subscribing: ["cmnd/\(topic)/+"]) { [weak self] message in
            guard let self else { return "gone" }
            return await self.command(message)
        }
        await link.publish("Online", to: "tele/\(topic)/LWT", retain: true)
        await telemetry()
        link.every(telePeriodSeconds) { [weak self] in await self?.telemetry() }
    }

    public func stop() async { await link.stop() }

    /// The car behind the relay was plugged in or out: what the relay draws changes with it.
    public func carChanged() {
        update { _ in }
    }

    private func command(_ message: MQTTMessage) async -> String? {
        let name = String(message.topic.split(separator: "/").last ?? "")
        guard name.uppercased() == "POWER" || name.uppercased() == "POWER1" else {
            return "\(name) is not a command this emulation knows"
        }
        let word = message.payloadText.trimmingCharacters(in: .whitespaces).lowercased()
        switch word {
        case "": break
        case "1", "on", "true": update { $0.feed.closed = true }
        case "0", "off", "false": update { $0.feed.closed = false }
        case "2", "toggle": update { $0.feed.closed.toggle() }
        default: return "'\(message.payloadText)' is not a Power parameter"
        }
        let on = state.value.on ? "ON" : "OFF"
        await link.publish(#"{"POWER":"\#(on)"}"#, to: "stat/\(topic)/RESULT")
        await link.publish(on, to: "stat/\(topic)/POWER")
        return nil
    }

    private func update(_ body: (inout Status) -> Void) {
        let now = link.clock.now()
        state.withLock { status in
            let taken = status.feed.advance(to: now, car: car)
            status.todayWh += taken
            status.periodWh += taken
            body(&status)
            status.feed.settle(offeredW: chargerW, car: car)
        }
    }

    /// `tele/<topic>/STATE` and `tele/<topic>/SENSOR`, every TelePeriod.
    private func telemetry() async {
        update { _ in }
        let status = state.value
        state.withLock { $0.periodWh = 0 }
        let time = Self.localTime(link.clock.now())
        let power = Int(status.drawW.rounded())
        let current = status.drawW / voltage
        await link.publish(#"{"Time":"\#(time)","Uptime":"0T01:00:00","POWER":"\#(status.on ? "ON" : "OFF")"}"#, to: "tele/\(topic)/STATE")
        let energy = [
            #""TotalStartTime":"2025-01-01T00:00:00""#,
            #""Total":\#(String(format: "%.3f", status.totalWh / 1000))"#,
            #""Yesterday":0.000"#,
            #""Today":\#(String(format: "%.3f", status.todayWh / 1000))"#,
            #""Period":\#(Int(status.periodWh.rounded()))"#,
            #""Power":\#(power)"#,
            #""ApparentPower":\#(power)"#,
            #""ReactivePower":0"#,
            #""Factor":\#(power > 0 ? "1.00" : "0.00")"#,
            #""Voltage":\#(Int(voltage))"#,
            #""Current":\#(String(format: "%.3f", current))"#,
        ].joined(separator: ",")
        await link.publish(#"{"Time":"\#(time)","ENERGY":{\#(energy)}}"#, to: "tele/\(topic)/SENSOR")
    }

    /// Tasmota's `Time`: local time without a zone (here UTC, as a device without a timezone set).
    private static func localTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: date)
    }
}
