import Documents
import Foundation
import Tariffs

/// Turns one parsed JSON record into a `MeterRecord`, or the reason it is rejected.
enum MeterRecordParser {
    struct Failure: Error {
        var recordReferenceId: String?
        var message: String
    }

    static func parse(_ item: DocumentValue) -> Result<MeterRecord, Failure> {
        guard let object = item.membersByKey else {
            return .failure(Failure(recordReferenceId: nil, message: "the record is not a JSON object."))
        }
        let referenceId: String? = if case let .string(id)? = object["record_reference_id"] { id } else { nil }
        func fail(_ message: String) -> Result<MeterRecord, Failure> {
            .failure(Failure(recordReferenceId: referenceId, message: message))
        }
        func text(_ key: String, required: Bool) -> Result<String?, Failure> {
            guard let raw = object[key], raw != .null else {
                return required ? .failure(Failure(recordReferenceId: referenceId, message: "\(key) is missing.")) : .success(nil)
            }
            guard case let .string(value) = raw else {
                return .failure(Failure(recordReferenceId: referenceId, message: "\(key) must be a string."))
            }
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                return .failure(Failure(recordReferenceId: referenceId, message: "\(key) is empty."))
            }
            return .success(value)
        }
        func direction(_ key: String) -> Result<EnergyDirection?, Failure> {
            switch text(key, required: false) {
            case .failure(let failure): return .failure(failure)
            case .success(nil): return .success(nil)
            case .success(let value?):
                guard let parsed = EnergyDirection(rawValue: value.uppercased()) else {
                    return .failure(Failure(recordReferenceId: referenceId,
                                            message: "\(key) \"\(value)\" is not IMPORT or EXPORT."))
                }
                return .success(parsed)
            }
        }
        do throws(Failure) {
            let recordId = try text("record_reference_id", required: true).get()!
            let startText = try text("start_time", required: true).get()!
            let endText = try text("end_time", required: true).get()!
            let deviceId = try text("device_id", required: true).get()!
            let unitsText = try text("units", required: true).get()!
            let locationId = try text("location_id", required: false).get()
            let sessionId = try text("session_reference_id", required: false).get()
            let measurand = try text("measurand", required: false).get() ?? "TRANSFERRED"
            let flow = try direction("direction").get() ?? .import
            let rate = try direction("tariff_rate").get() ?? flow
            guard let start = Timestamp.parse(startText) else {
                return fail("start_time \"\(startText)\" is not an ISO 8601 instant with an offset or Z.")
            }
            guard let end = Timestamp.parse(endText) else {
                return fail("end_time \"\(endText)\" is not an ISO 8601 instant with an offset or Z.")
            }
            guard end > start else {
                return fail(end == start
                    ? "end_time \(endText) equals start_time: the interval is empty."
                    : "end_time \(endText) is before start_time \(startText).")
            }
            guard let unit = MeterUnit(rawValue: unitsText.uppercased()) else {
                return fail("units \"\(unitsText)\" is not one of W, KW, WH, KWH.")
            }
            let value: Double
            switch object["value"] {
            case nil, .null?:
                return fail("value is missing.")
            case let .string(string)?:
                guard let number = Double(string.trimmingCharacters(in: .whitespaces)) else {
                    return fail("value \"\(string)\" is not a number.")
                }
                value = number
            case let .number(number)?:
                value = number
            default:
                return fail("value must be a number.")
            }
            guard value.isFinite else { return fail("value is not a finite number.") }
            guard value >= 0 else { return fail("value \(value) is negative: send exported energy with direction EXPORT.") }
            let energy = unit.energyWh(value: value, seconds: end.timeIntervalSince(start))
            guard energy.isFinite else { return fail("value \(value) is too large.") }
            // Extension: the part of the energy a solar surplus covered, always Wh.
            var solar: Double?
            switch object["solar_wh"] {
            case nil, .null?:
                solar = nil
            case let .number(number)?:
                solar = number
            case let .string(string)?:
                guard let number = Double(string.trimmingCharacters(in: .whitespaces)) else {
                    return fail("solar_wh \"\(string)\" is not a number.")
                }
                solar = number
            default:
                return fail("solar_wh must be a number.")
            }
            if let solar {
                guard solar.isFinite, solar >= 0 else { return fail("solar_wh \(solar) is not a finite number of at least 0.") }
                guard solar <= energy * (1 + 1e-9) + 1e-9 else {
                    return fail("solar_wh \(solar) is more than the record's energy, \(energy) Wh.")
                }
            }
            return .success(MeterRecord(
                start: start, end: end, deviceId: deviceId, locationId: locationId,
                sessionReferenceId: sessionId, recordReferenceId: recordId, direction: flow,
                tariffRate: rate, measurand: measurand, energyWh: energy, solarWh: solar.map { min($0, energy) }))
        } catch {
            return .failure(error)
        }
    }
}
