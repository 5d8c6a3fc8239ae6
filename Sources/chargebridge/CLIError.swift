/// A bad input the user can fix: printed as one sentence on stderr, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
