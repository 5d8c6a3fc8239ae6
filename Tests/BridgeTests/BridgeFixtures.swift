import Foundation
@testable import Bridge
import Tariffs

enum BridgeFixtures {
    /// Off-peak 0.20 from 23:00 to 07:00, peak 0.40 in between, every day, Amsterdam.
    static let tariff = """
      timeZone: Europe/Amsterdam
      currency: EUR
      tariffs:
        - {type: peak, currency: EUR, price: 0.40}
        - {type: offPeak, currency: EUR, price: 0.20}
      tariffIntervals:
        - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "00:00", endTime: "07:00", tariffType: offPeak}
        - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "07:00", endTime: "23:00", tariffType: peak}
        - {daysOfWeek: [monday, tuesday, wednesday, thursday, friday, saturday, sunday], startTime: "23:00", endTime: "24:00", tariffType: offPeak}
    """

    static func config(vehicles: String = defaultVehicles, location: String = "max_power_w: 11000", extra: String = "") throws -> BridgeConfig {
        try BridgeConfigLoader.parse("""
        broker:
          url: mqtt://127.0.0.1:1883
        location:
          id: home
          \(location)
        tariff:
        \(tariff)
        database: test.sqlite
        \(extra)
        vehicles:
        \(vehicles)
        """, baseDirectory: FileManager.default.temporaryDirectory)
    }

    static let defaultVehicles = """
      - id: car1
        capacity_wh: 50000
        max_power_w: 7000
        efficiency: 1.0
        ready_by: "07:00"
        target_soc: 80
    """

    static func at(_ text: String) -> Date { Timestamp.parse(text)! }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}

extension Array where Element == BridgeAction {
    /// Payloads published to `topic`, in order.
    func published(_ topic: String) -> [String] {
        compactMap { if case let .publish(t, payload, _) = $0, t == topic { payload } else { nil } }
    }

    var records: [EnergyRecord] {
        compactMap { if case let .record(record) = $0 { record } else { nil } }
    }

    var logs: [String] {
        compactMap { if case let .log(_, message) = $0 { message } else { nil } }
    }
}

/// Drives a core through time, collecting every action.
struct CoreDriver {
    var core: BridgeCore
    var now: Date
    var actions: [BridgeAction] = []

    init(config: BridgeConfig, start: Date) {
        core = BridgeCore(config: config)
        now = start
    }

    @discardableResult
    mutating func send(_ event: BridgeEvent) -> [BridgeAction] {
        let produced = core.handle(event, now: now)
        actions += produced
        return produced
    }

    @discardableResult
    mutating func message(_ topic: String, _ payload: String) -> [BridgeAction] {
        send(.message(topic: topic, payload: Array(payload.utf8)))
    }

    /// Ticks every `step` seconds for `seconds`, returning what those ticks produced.
    @discardableResult
    mutating func advance(_ seconds: TimeInterval, step: TimeInterval = 1) -> [BridgeAction] {
        var produced: [BridgeAction] = []
        var elapsed = 0.0
        while elapsed < seconds {
            let delta = Swift.min(step, seconds - elapsed)
            now = now.addingTimeInterval(delta)
            elapsed += delta
            produced += send(.tick)
        }
        return produced
    }
}
