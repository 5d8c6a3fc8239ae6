import Documents
import Foundation
import Tariffs

/// The response to a plan (docs/schedules.md): `{"object": "schedule", ...}`.
///
/// Instants are UTC with `Z`; money is rounded to 1e-6 of the currency, energy and power to
/// 1e-3 Wh and W, percentages to 0.01.
public struct ScheduleResponse: Sendable {
    public struct Money: Sendable {
        public var value: Double
        public var confidence: Double

        var document: DocumentValue { .object([("value", .number(value)), ("confidence", .number(confidence))]) }
    }

    public struct Savings: Sendable {
        public var value: Double
        public var percentage: Double

        var document: DocumentValue { .object([("value", .number(value)), ("percentage", .number(percentage))]) }
    }

    public struct Quantity: Sendable {
        public var units: String
        public var value: Double

        var document: DocumentValue { .object([("units", .string(units)), ("value", .number(value))]) }
    }

    public struct Slot: Sendable {
        public var start_time: String
        public var end_time: String
        public var power: Quantity
        public var energy: Quantity
        public var cost: Double
        /// The part of `energy` expected from the solar surplus (our extension; left out when
        /// the request has none there).
        public var solar_energy: Quantity?

        var document: DocumentValue {
            var members: [(key: String, value: DocumentValue)] = [
                ("start_time", .string(start_time)), ("end_time", .string(end_time)), ("power", power.document),
                ("energy", energy.document), ("cost", .number(cost)),
            ]
            if let solar_energy { members.append(("solar_energy", solar_energy.document)) }
            return .object(members)
        }
    }

    public struct Device: Sendable {
        public var device_id: String
        public var direction: String
        public var start_time: String
        public var end_time: String
        public var tariff: Money
        public var savings: Savings
        public var energy: Quantity
        public var shortfall: Quantity
        public var schedule: [Slot]

        /// One device's schedule, as the bridge publishes it on `<base>/<vehicle>/schedule`.
        public var document: DocumentValue {
            .object([
                ("device_id", .string(device_id)), ("direction", .string(direction)), ("start_time", .string(start_time)),
                ("end_time", .string(end_time)), ("tariff", tariff.document), ("savings", savings.document),
                ("energy", energy.document), ("shortfall", shortfall.document), ("schedule", .array(schedule.map(\.document))),
            ])
        }
    }

    public var object = "schedule"
    public var currency_code: String
    public var location_timezone: String
    public var tariff: Money
    /// The cost of the continuous relaxation (`{"value"}`): what the schedule would cost if
    /// every charger could draw any power up to its highest; `tariff.value` less this is what
    /// the chargers' steps cost. Nil (left out) for a plan not made by the planner.
    public var lower_bound: Double?
    public var savings: Savings
    public var data: [Device]

    /// The response for `plan`, priced in `currencyCode` at a location in `timeZoneIdentifier`.
    public init(plan: Plan, currencyCode: String, timeZoneIdentifier: String) {
        currency_code = currencyCode
        location_timezone = timeZoneIdentifier
        tariff = Money(value: Self.money(plan.cost), confidence: Self.ratio(plan.confidence))
        lower_bound = plan.lowerBoundCost.map(Self.money)
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
                        cost: Self.money(slot.cost),
                        solar_energy: slot.solarWh > 5e-4 ? Quantity(units: "WH", value: Self.milli(slot.solarWh)) : nil)
                })
        }
    }

    /// The response as pretty-printed JSON with sorted keys (stable output, like every command).
    public func jsonData() -> Data {
        Data(JSONWriter(layout: .spacedIndented, sortsKeys: true).bytes(document))
    }

    /// The response as a document (keys in declaration order; writers sort them).
    public var document: DocumentValue {
        var members: [(key: String, value: DocumentValue)] = [
            ("object", .string(object)), ("currency_code", .string(currency_code)), ("location_timezone", .string(location_timezone)),
            ("tariff", tariff.document),
        ]
        if let lower_bound { members.append(("lower_bound", .object([("value", .number(lower_bound))]))) }
        members += [("savings", savings.document), ("data", .array(data.map(\.document)))]
        return .object(members)
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
