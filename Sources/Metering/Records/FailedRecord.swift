/// A record of a batch that was rejected, with its position and the reason.
public struct FailedRecord: Sendable, Hashable, Codable {
    /// Position of the record in the submitted batch, from 0.
    public var recordNum: Int
    /// The record's `record_reference_id`, when it had one.
    public var recordReferenceId: String?
    /// Why it was rejected, in one sentence naming the field.
    public var error: String

    public init(recordNum: Int, recordReferenceId: String?, error: String) {
        self.recordNum = recordNum
        self.recordReferenceId = recordReferenceId
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case recordNum = "record_num"
        case recordReferenceId = "record_reference_id"
        case error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(recordNum, forKey: .recordNum)
        try container.encode(recordReferenceId, forKey: .recordReferenceId) // null when absent
        try container.encode(error, forKey: .error)
    }
}
