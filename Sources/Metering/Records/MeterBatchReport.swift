import Documents
import Foundation

/// What happened to a submitted batch (docs/meter-records.md).
///
/// `records_accepted` counts the valid records, `records_processed` those stored as new energy;
/// the difference are duplicates (`records_duplicate`, an extension), already in the ledger.
public struct MeterBatchReport: Sendable, Hashable, Codable {
    public var object = "meter_batch"
    public var recordsSubmitted: Int
    public var recordsAccepted: Int
    public var recordsProcessed: Int
    public var recordsDuplicate: Int
    public var failedRecords: [FailedRecord]

    public init(recordsSubmitted: Int, recordsAccepted: Int, recordsProcessed: Int, failedRecords: [FailedRecord]) {
        self.recordsSubmitted = recordsSubmitted
        self.recordsAccepted = recordsAccepted
        self.recordsProcessed = recordsProcessed
        recordsDuplicate = recordsAccepted - recordsProcessed
        self.failedRecords = failedRecords
    }

    enum CodingKeys: String, CodingKey {
        case object
        case recordsSubmitted = "records_submitted"
        case recordsAccepted = "records_accepted"
        case recordsProcessed = "records_processed"
        case recordsDuplicate = "records_duplicate"
        case failedRecords = "failed_records"
    }

    /// The report as JSON, keys in the documented order.
    public func json(pretty: Bool = true) -> String {
        DocumentValue.object([
            ("object", .string(object)),
            ("records_submitted", .number(Double(recordsSubmitted))),
            ("records_accepted", .number(Double(recordsAccepted))),
            ("records_processed", .number(Double(recordsProcessed))),
            ("records_duplicate", .number(Double(recordsDuplicate))),
            ("failed_records", .array(failedRecords.map { failure in
                .object([
                    ("record_num", .number(Double(failure.recordNum))),
                    ("record_reference_id", .optionalString(failure.recordReferenceId)),
                    ("error", .string(failure.error)),
                ])
            })),
        ]).jsonText(pretty ? .indented : .compact)
    }
}
