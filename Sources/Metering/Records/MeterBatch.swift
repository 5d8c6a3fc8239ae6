import Documents
import Foundation
import Tariffs

/// A submitted batch of meter records, validated record by record.
///
/// Accepts a JSON array of records or `{"data": [...]}` (docs/meter-records.md). A bad record
/// lands in `failures` with its own reason and is not stored; the good ones are in `records`.
public struct MeterBatch: Sendable {
    /// How many records were submitted.
    public var submittedCount: Int
    /// The valid records, in submission order.
    public var records: [MeterRecord]
    /// The rejected records, in submission order.
    public var failures: [FailedRecord]

    public init(submittedCount: Int, records: [MeterRecord], failures: [FailedRecord]) {
        self.submittedCount = submittedCount
        self.records = records
        self.failures = failures
    }

    /// Parses and validates a batch; throws `MeterBatchError` when the document itself is not
    /// a batch (not JSON, or neither an array nor an object with a `data` array).
    /// - Parameter source: names the input in errors (a file path, or `standard input`).
    public static func parse(json: Data, source: String) throws -> MeterBatch {
        let document: DocumentValue
        do {
            document = try DocumentValue.parse(String(decoding: json, as: UTF8.self), preferJSON: true)
        } catch {
            throw MeterBatchError.notJSON(source: source)
        }
        let items: [DocumentValue]
        if case let .array(array) = document {
            items = array
        } else if let object = document.membersByKey, case let .array(data)? = object["data"] {
            items = data
        } else if let object = document.membersByKey, object["start_time"] != nil {
            items = [document]
        } else {
            throw MeterBatchError.notABatch(source: source)
        }
        return validate(items)
    }

    /// Validates already parsed JSON values, one per record.
    public static func validate(_ items: [DocumentValue]) -> MeterBatch {
        var records: [MeterRecord] = []
        var failures: [FailedRecord] = []
        records.reserveCapacity(items.count)
        for (number, item) in items.enumerated() {
            switch MeterRecordParser.parse(item) {
            case .success(let record):
                records.append(record)
            case .failure(let failure):
                failures.append(FailedRecord(recordNum: number, recordReferenceId: failure.recordReferenceId,
                                             error: failure.message))
            }
        }
        return MeterBatch(submittedCount: items.count, records: records, failures: failures)
    }
}

/// Why a whole batch document could not be read.
public enum MeterBatchError: Error, CustomStringConvertible, Equatable {
    case notJSON(source: String)
    case notABatch(source: String)

    public var description: String {
        switch self {
        case .notJSON(let source):
            "\(source) is not valid JSON: expected an array of meter records or {\"data\": [...]}."
        case .notABatch(let source):
            "\(source) is not a batch of meter records: expected an array or an object with a \"data\" array."
        }
    }
}
