/// A bridge configuration that cannot be used, naming the key and what to fix,
/// e.g. `vehicles[0].capacity_wh must be a positive number`.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file, when known.
    public var file: String?
    /// The dotted key path, e.g. `vehicles[0].capacity_wh`.
    public var key: String
    /// What is wrong, phrased to follow the key.
    public var problem: String

    public init(file: String? = nil, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        (file.map { "\($0): " } ?? "") + (key.isEmpty ? problem : "\(key) \(problem)")
    }
}
