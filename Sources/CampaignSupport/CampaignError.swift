/// A campaign that could not go on, with one sentence saying why.
public struct CampaignError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
