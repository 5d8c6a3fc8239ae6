/// A test helper could not do its job (a tool missing or failing); the text says which and why.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
