import Foundation
import Tariffs

/// The response to a plan (docs/schedules.md): `{"object": "schedule", ...}`.
///
/// Instants are UTC with `Z`; money is rounded to 1e-6 of the currency, energy and power to
/// 1e-3 Wh and W, percentages to 0.01.
public struct ScheduleResponse: Encodable, Sendable {
    public struct Money: Encodable, Sendable {
        public var value: Double
        public var confidence: Double
    }

    public struct Savings: Encodable, Sendable {
        public var value: Double
        public var percentage: Double
    }

    public struct Quantity: Encodable, Sendable {
        public var units: String
        public var value: Double
    }

    public struct Slot: Encodable, Sendable {
        public var start_time: String
        public var end_time: String
        public var power: Quantity
        public var energy: Quantity
        public var cost: Double
    }

    public struct Device: Encodable, Sendable {
        public var device_id: String
        public var direction: String
        public var start_time: String
        public var end_time: String
        public var tariff: Money
        public var savings: Savings
        public var energy: Quantity
        public var shortfall: Quantity
        public var schedule: [Slot]
    }

    public var object = "schedule"
    public var currency_code: String
    public var location_timezone: String
    public var tariff: Money
    public var savings: Savings
    public var data: [Device]

    /// The response for `plan`, priced in `currencyCode` at a location in `timeZoneIdentifier`.
    public init(plan: Plan, currencyCode: String, timeZoneIdentifier: String) {
        currency_code = currencyCode
        location_timezone = timeZoneIdentifier
        tariff = Money(value: Self.money(plan.cost), confidence: Self.ratio(plan.confidence))
        savings = Self.savings(plan.savings, baseline: plan.baselineCost)
        data = plan.devices.map { device in
            Device(
                device_id: device.request.deviceId,
                direction: device.request.direction.rawValue,
                start_time: Timestamp.format(device.request.start),
                end_time: Timestamp.format(device.request.end),
                tariff: Money(value: Self.money(device.cost), confidence: Self.ratio(device.confidence)),
                savings: Self.savings(device.savings, baseline: device.baselineCost),
                energy: Quantity(units: "WH", value: Self.milli(device.energyWh)),
                shortfall: Quantity(units: "WH", value: Self.milli(device.shortfallWh)),
                schedule: device.slots.map { slot in
                    Slot(
                        start_time: Timestamp.format(slot.start),
                        end_time: Timestamp.format(slot.end),
                        power: Quantity(units: "W", value: Self.milli(slot.powerW)),
                        energy: Quantity(units: "WH", value: Self.milli(slot.energyWh)),
                        cost: Self.money(slot.cost))
                })
        }
    }

    /// The response as pretty-printed JSON with sorted keys (stable output, like every command).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and finite numbers cannot fail.
        return try! encoder.encode(self)
    }

    private static func savings(_ value: Double, baseline: Double) -> Savings {
        let percentage = abs(baseline) > 1e-12 ? value / abs(baseline) * 100 : 0
        return Savings(value: money(value), percentage: (percentage * 100).rounded() / 100)
    }

    private static func money(_ value: Double) -> Double { clean((value * 1e6).rounded() / 1e6) }
    private static func milli(_ value: Double) -> Double { clean((value * 1e3).rounded() / 1e3) }
    private static func ratio(_ value: Double) -> Double { clean((value * 1e4).rounded() / 1e4) }
    /// Avoids `-0` in the output.
    private static func clean(_ value: Double) -> Double { value == 0 ? 0 : value }
}
