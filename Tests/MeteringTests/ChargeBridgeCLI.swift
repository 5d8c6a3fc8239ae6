import Foundation
import TestSupport

/// The built `chargebridge` binary, for the ledger's CLI tests (see `ChargeBridgeBinary`).
enum ChargeBridgeCLI {
    static func run(_ arguments: [String], stdin: Data? = nil) throws -> ChargeBridgeBinary.Result {
        try ChargeBridgeBinary.run(arguments, stdin: stdin)
    }

    /// Starts `chargebridge arguments...` with output discarded; the caller ends it.
    static func start(_ arguments: [String]) throws -> Process {
        try ChargeBridgeBinary.start(arguments)
    }
}
