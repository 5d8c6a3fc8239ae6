import Documents
import Foundation
import Tariffs

extension ChargeRequest {
    /// Decodes the schedule request JSON (docs/schedules.md) and validates it.
    ///
    /// Powers may be numbers or strings in `W` or `KW`; energies in `WH` or `KWH`; a device gives
    /// `energy` or `battery` (`capacity_wh`, `soc` and `target_soc` in percent, `efficiency`
    /// default 0.9). Throws one sentence naming the field, e.g. `data[0].max_power.units: 'MW' is
    /// not W or KW`.
    public static func decode(json data: Data) throws(PlanningError) -> ChargeRequest {
        let root: DocumentValue
        do {
            root = try DocumentValue.parse(String(decoding: data, as: UTF8.self), preferJSON: true)
        } catch let error as DocumentSyntaxError {
            throw PlanningError("request: not valid JSON (\(error.detail))")
        } catch {
            throw PlanningError("request: not valid JSON (\(error))")
        }
        guard let object = root.membersByKey else {
            throw PlanningError("request: the top level is not a JSON object")
        }
        let sitePowerW = try JSONField.power(object["max_power"], field: "max_power")
        guard case let .array(items)? = object["data"] else {
            throw PlanningError("data: missing or not an array of devices")
        }
        var devices: [DeviceRequest] = []
        for (index, item) in items.enumerated() {
            let field = "data[\(index)]"
            guard let device = item.membersByKey else {
                throw PlanningError("\(field): not a JSON object")
            }
            devices.append(try decodeDevice(device, field: field, sitePowerW: sitePowerW, index: index))
        }
        let siteLimits = try JSONField.powerPieces(object["max_power"], field: "max_power")
        let solar = try decodeSolar(object["solar"])
        let request = ChargeRequest(
            sitePowerW: sitePowerW, siteLimits: siteLimits, solarForecast: solar.pieces,
            exportPricePerKWh: solar.exportPrice, devices: devices)
        try request.validate()
        return request
    }

    /// Our extension `solar` (docs/schedules.md, "Solar surplus"): `{"units": "W"|"KW",
    /// "pieces": [{"start_time", "end_time", "value"}], "export_price": 0.08}`.
    private static func decodeSolar(
        _ raw: DocumentValue?
    ) throws(PlanningError) -> (pieces: [SolarPiece], exportPrice: Double?) {
        guard let raw, raw != .null else { return ([], nil) }
        guard let object = raw.membersByKey else {
            throw PlanningError("solar: not an object with pieces and export_price")
        }
        for key in object.keys where !["units", "pieces", "export_price"].contains(key) {
            throw PlanningError("solar.\(key): not a key of solar (units, pieces, export_price)")
        }
        if let units = object["units"], units != .null, !["W", "KW"].contains(units.text?.uppercased() ?? "") {
            throw PlanningError("solar.units: '\(JSONField.shown(units))' is not W or KW")
        }
        let pieces = try JSONField.powerPieces(raw, field: "solar").map {
            SolarPiece(start: $0.start, end: $0.end, surplusW: $0.powerW)
        }
        let exportPrice = try JSONField.number(object["export_price"], field: "solar.export_price")
        return (pieces, exportPrice)
    }

    private static func decodeDevice(
        _ object: [String: DocumentValue], field: String, sitePowerW: Double?, index: Int
    ) throws(PlanningError) -> DeviceRequest {
        let deviceId: String
        switch object["device_id"] {
        case nil, .null?: deviceId = "device\(index + 1)"
        case let raw?:
            guard let text = try? raw.string(at: "\(field).device_id", orNumber: true) else {
                throw PlanningError("\(field).device_id: not a string")
            }
            deviceId = text
        }
        var direction = EnergyDirection.import
        if let raw = object["direction"], raw != .null {
            guard case let .string(text) = raw, let parsed = EnergyDirection(rawValue: text.uppercased()) else {
                throw PlanningError("\(field).direction: '\(JSONField.shown(raw))' is not IMPORT or EXPORT")
            }
            direction = parsed
        }
        let start = try JSONField.instant(object["start_time"], field: "\(field).start_time")
        let end = try JSONField.instant(object["end_time"], field: "\(field).end_time")
        guard let maxPowerW = try JSONField.power(object["max_power"], field: "\(field).max_power") ?? sitePowerW else {
            throw PlanningError("\(field).max_power: missing, and the request has no location max_power either")
        }
        var energyWh: Double
        var minEnergyWh = 0.0
        let energy = object["energy"].flatMap { $0 == .null ? nil : $0 }
        let battery = object["battery"].flatMap { $0 == .null ? nil : $0 }
        switch (energy, battery) {
        case (nil, nil):
            throw PlanningError("\(field): needs either energy or battery")
        case (.some, .some):
            throw PlanningError("\(field): gives both energy and battery; give one")
        case let (.some(energy), nil):
            guard let energy = energy.membersByKey else {
                throw PlanningError("\(field).energy: not an object with units and value")
            }
            let scale = try JSONField.energyScale(energy["units"], field: "\(field).energy.units")
            guard let value = try JSONField.number(energy["value"], field: "\(field).energy.value") else {
                throw PlanningError("\(field).energy.value: missing")
            }
            energyWh = value * scale
            minEnergyWh = (try JSONField.number(energy["min_value"], field: "\(field).energy.min_value") ?? 0) * scale
        case let (nil, .some(battery)):
            energyWh = try decodeBattery(battery, field: "\(field).battery")
        }
        if energyWh < 0 {
            throw PlanningError("\(field).energy.value: \(energyWh) Wh is negative")
        }
        var continuous = false
        if let raw = object["continuous"], raw != .null {
            guard case let .bool(flag) = raw else {
                throw PlanningError("\(field).continuous: '\(JSONField.shown(raw))' is not true or false")
            }
            continuous = flag
        }
        let precondition = try JSONField.number(object["precondition_minutes"], field: "\(field).precondition_minutes") ?? 0
        let cap = try JSONField.number(object["price_cap"], field: "\(field).price_cap")
        var charger: Charger?
        if let raw = object["charger"], raw != .null {
            charger = try decodeCharger(raw, field: "\(field).charger", maxPowerW: maxPowerW)
        }
        return DeviceRequest(
            deviceId: deviceId, direction: direction, start: start, end: end, maxPowerW: maxPowerW,
            energyWh: energyWh, minEnergyWh: minEnergyWh, continuous: continuous,
            preconditionMinutes: precondition, priceCapPerKWh: cap, charger: charger)
    }

    /// A device's `charger` (docs/schedules.md): its kind and the keys of that kind, with the
    /// bridge's defaults (`phases` 3, `min_current_a` 6, `max_current_a` from `max_power`,
    /// `current_step_a` 1, `min_power` 6 A on its phases).
    private static func decodeCharger(
        _ raw: DocumentValue, field: String, maxPowerW: Double
    ) throws(PlanningError) -> Charger {
        guard let object = raw.membersByKey else {
            throw PlanningError("\(field): not an object with kind (switch, current or power)")
        }
        let kinds = Charger.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let kindValue = object["kind"], kindValue != .null else {
            throw PlanningError("\(field).kind: missing (\(kinds))")
        }
        guard let text = kindValue.text, let kind = Charger.Kind(rawValue: text.lowercased()) else {
            throw PlanningError("\(field).kind: '\(JSONField.shown(kindValue))' is not one of \(kinds)")
        }
        let phasesValue = try JSONField.number(object["phases"], field: "\(field).phases") ?? 3
        guard phasesValue == 1 || phasesValue == 3 else {
            throw PlanningError("\(field).phases: \(JSONField.text(phasesValue)) is not 1 or 3")
        }
        let phases = Int(phasesValue)
        let minPower = try JSONField.power(object["min_power"], field: "\(field).min_power")
        let keys = ["min_current_a", "max_current_a", "current_step_a"]
        var currents: [String: Double] = [:]
        for key in keys {
            currents[key] = try JSONField.number(object[key], field: "\(field).\(key)")
        }
        // Keys of another kind are a mistake worth naming, not something to ignore silently.
        if kind != .current, let key = keys.first(where: { currents[$0] != nil }) {
            throw PlanningError("\(field).\(key): applies to kind current only, not \(kind.rawValue)")
        }
        if kind != .power, minPower != nil {
            throw PlanningError("\(field).min_power: applies to kind power only, not \(kind.rawValue)")
        }
        let charger: Charger
        switch kind {
        case .switch:
            charger = .switched(powerW: maxPowerW, phases: phases)
        case .current:
            let minA = currents["min_current_a"] ?? 6
            let maxA = currents["max_current_a"]
                ?? max(minA, (maxPowerW / Charger.voltage / Double(phases) + 1e-9).rounded(.down))
            charger = .current(phases: phases, minCurrentA: minA, maxCurrentA: maxA, stepA: currents["current_step_a"] ?? 1)
        case .power:
            charger = .power(minPowerW: minPower ?? min(maxPowerW, 6 * Charger.voltage * Double(phases)),
                             maxPowerW: maxPowerW, phases: phases)
        }
        if let problem = charger.problem {
            throw PlanningError("\(field).\(requestKey(problem.key)): \(requestText(problem.message))")
        }
        if charger.minPowerW > maxPowerW + 1e-9 {
            let key = kind == .current ? "min_current_a" : "min_power"
            throw PlanningError(
                "\(field).\(key): its least power (\(JSONField.text(charger.minPowerW)) W) is above the device's max_power (\(JSONField.text(maxPowerW)) W)")
        }
        return charger
    }

    /// A ``Charger/problem`` message in the request's key names.
    static func requestText(_ message: String) -> String {
        message.replacingOccurrences(of: "min_power_w", with: "min_power").replacingOccurrences(of: "max_power_w", with: "max_power")
    }

    /// The request's name for a key ``Charger/problem`` names by the bridge's config key.
    static func requestKey(_ key: String) -> String {
        switch key {
        case "min_power_w": return "min_power"
        case "max_power_w": return "max_power"
        default: return key
        }
    }

    private static func decodeBattery(_ raw: DocumentValue, field: String) throws(PlanningError) -> Double {
        guard let battery = raw.membersByKey else {
            throw PlanningError("\(field): not an object with capacity_wh, soc and target_soc")
        }
        guard let capacity = try JSONField.number(battery["capacity_wh"], field: "\(field).capacity_wh") else {
            throw PlanningError("\(field).capacity_wh: missing")
        }
        guard let soc = try JSONField.number(battery["soc"], field: "\(field).soc") else {
            throw PlanningError("\(field).soc: missing")
        }
        guard let target = try JSONField.number(battery["target_soc"], field: "\(field).target_soc") else {
            throw PlanningError("\(field).target_soc: missing")
        }
        let efficiency = try JSONField.number(battery["efficiency"], field: "\(field).efficiency") ?? 0.9
        guard capacity >= 0 else { throw PlanningError("\(field).capacity_wh: \(capacity) is negative") }
        guard (0...100).contains(soc) else { throw PlanningError("\(field).soc: \(soc) is not a percentage 0-100") }
        guard (0...100).contains(target) else {
            throw PlanningError("\(field).target_soc: \(target) is not a percentage 0-100")
        }
        guard efficiency > 0, efficiency <= 1 else {
            throw PlanningError("\(field).efficiency: \(efficiency) is not in (0, 1]")
        }
        return capacity * max(0, target - soc) / 100 / efficiency
    }
}

/// Small readers for the request's loosely typed fields; every error names the field.
enum JSONField {
    /// A number given as a JSON number or a numeric string; `nil` when absent or null.
    static func number(_ raw: DocumentValue?, field: String) throws(PlanningError) -> Double? {
        guard let raw, raw != .null else { return nil }
        do {
            return try raw.finiteNumber(at: field, orNumericText: true)
        } catch {
            if case let .bool(flag) = raw { throw PlanningError("\(field): \(flag) is not a number") }
            throw PlanningError("\(field): '\(shown(raw))' is not a number")
        }
    }

    /// A `{"units": "W"|"KW", "value": ...}` power in W; `nil` when absent or null.
    static func power(_ raw: DocumentValue?, field: String) throws(PlanningError) -> Double? {
        guard let raw, raw != .null else { return nil }
        guard let object = raw.membersByKey else {
            throw PlanningError("\(field): not an object with units and value")
        }
        var scale = 1.0
        if let units = object["units"], units != .null {
            switch units.text?.uppercased() {
            case "W": scale = 1
            case "KW": scale = 1000
            default: throw PlanningError("\(field).units: '\(shown(units))' is not W or KW")
            }
        }
        guard let value = try number(object["value"], field: "\(field).value") else {
            throw PlanningError("\(field).value: missing")
        }
        return value * scale
    }

    /// A power object's `pieces` (`[{"start_time", "end_time", "value"}]`, in the object's
    /// units): the limit where it differs from the object's `value`.
    static func powerPieces(_ raw: DocumentValue?, field: String) throws(PlanningError) -> [ChargeRequest.SiteLimit] {
        guard let object = raw?.membersByKey, let list = object["pieces"], list != .null else { return [] }
        guard case let .array(items) = list else { throw PlanningError("\(field).pieces: not an array") }
        let scale = object["units"]?.text?.uppercased() == "KW" ? 1000.0 : 1
        var pieces: [ChargeRequest.SiteLimit] = []
        for (index, item) in items.enumerated() {
            let at = "\(field).pieces[\(index)]"
            guard let piece = item.membersByKey else { throw PlanningError("\(at): not an object") }
            let start = try instant(piece["start_time"], field: "\(at).start_time")
            let end = try instant(piece["end_time"], field: "\(at).end_time")
            guard let value = try number(piece["value"], field: "\(at).value") else {
                throw PlanningError("\(at).value: missing")
            }
            pieces.append(.init(start: start, end: end, powerW: value * scale))
        }
        return pieces
    }

    /// Wh per unit of an energy's `units` (`WH` or `KWH`, default `WH`).
    static func energyScale(_ raw: DocumentValue?, field: String) throws(PlanningError) -> Double {
        guard let raw, raw != .null else { return 1 }
        switch raw.text?.uppercased() {
        case "WH": return 1
        case "KWH": return 1000
        default: throw PlanningError("\(field): '\(shown(raw))' is not WH or KWH")
        }
    }

    /// An ISO 8601 instant with an offset or `Z`.
    static func instant(_ raw: DocumentValue?, field: String) throws(PlanningError) -> Date {
        guard let raw, raw != .null else { throw PlanningError("\(field): missing") }
        guard let text = raw.text, let date = Timestamp.parse(text) else {
            throw PlanningError("\(field): '\(shown(raw))' is not an ISO 8601 instant with an offset or Z")
        }
        return date
    }

    /// A number as an error shows it: whole numbers without a fraction.
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// A value as an error shows it: a string's text, anything else as compact JSON.
    static func shown(_ raw: DocumentValue) -> String {
        raw.text ?? raw.jsonText()
    }
}
