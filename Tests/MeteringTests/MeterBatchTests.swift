import Foundation
import Metering
import Testing

struct MeterBatchTests {
    @Test(arguments: [
        ("end_time", "\"2025-10-07T00:00:00Z\"", "is before start_time"),
        ("end_time", "\"2025-10-07T01:00:00Z\"", "equals start_time"),
        ("units", "\"MW\"", "units \"MW\" is not one of W, KW, WH, KWH"),
        ("direction", "\"SIDEWAYS\"", "direction \"SIDEWAYS\" is not IMPORT or EXPORT"),
        ("tariff_rate", "\"BOTH\"", "tariff_rate \"BOTH\" is not IMPORT or EXPORT"),
        ("value", "-5", "negative"),
        ("value", "\"NaN\"", "not a finite number"),
        ("value", "\"lots\"", "is not a number"),
        ("value", "true", "must be a number"),
        ("start_time", "\"yesterday\"", "start_time \"yesterday\" is not an ISO 8601 instant"),
        ("start_time", "\"2025-10-07T01:00:00\"", "is not an ISO 8601 instant with an offset"),
        ("device_id", "null", "device_id is missing"),
        ("record_reference_id", "\"\"", "record_reference_id is empty"),
        ("value", "null", "value is missing"),
        ("device_id", "7", "device_id must be a string"),
    ])
    func badRecordIsRejectedWithItsReason(key: String, json: String, reason: String) throws {
        var item = jsonRecord("r1", "2025-10-07T01:00:00Z", "2025-10-07T02:00:00Z")
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        item[key] = value is NSNull ? nil : value
        let batch = try MeterBatch.parse(json: batchJSON([item]), source: "batch.json")
        #expect(batch.records.isEmpty)
        #expect(batch.failures.count == 1)
        #expect(batch.failures.first?.error.contains(reason) == true, "\(batch.failures.first?.error ?? "")")
        #expect(batch.failures.first?.recordNum == 0)
    }

    @Test(arguments: [("W", 2000.0, 2000.0), ("KW", 2.0, 2000.0), ("WH", 1500.0, 1500.0), ("KWH", 1.5, 1500.0), ("w", 500.0, 500.0)])
    func unitsAreNormalisedToWattHours(units: String, value: Double, energyWh: Double) throws {
        let item = jsonRecord("r1", "2025-10-07T01:00:00+02:00", "2025-10-07T00:00:00Z", value: value, units: units)
        let batch = try MeterBatch.parse(json: batchJSON([item]), source: "batch.json")
        #expect(batch.records.first?.energyWh == energyWh)
        #expect(batch.records.first?.start == instant("2025-10-06T23:00:00Z"))
    }

    @Test func stringValuesAndTheDataWrapperAreAccepted() throws {
        let json = Data("""
            {"data": [{"start_time": "2025-10-07T01:00:00Z", "end_time": "2025-10-07T01:30:00Z",
              "device_id": "car1", "record_reference_id": "x", "units": "W", "value": "4000"}]}
            """.utf8)
        let batch = try MeterBatch.parse(json: json, source: "batch.json")
        #expect(batch.records.count == 1)
        #expect(batch.records[0].energyWh == 2000)
        #expect(batch.records[0].direction == .import)
        #expect(batch.records[0].sessionReferenceId == nil)
    }

    @Test func notABatchIsAnErrorNamingTheSource() {
        #expect(throws: MeterBatchError.notJSON(source: "x.json")) {
            try MeterBatch.parse(json: Data("{oops".utf8), source: "x.json")
        }
        #expect(throws: MeterBatchError.notABatch(source: "x.json")) {
            try MeterBatch.parse(json: Data("{\"records\": []}".utf8), source: "x.json")
        }
    }
}
