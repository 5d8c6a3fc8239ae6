import ArgumentParser
import Bridge
import Foundation

/// The `chargebridge` command line. Exit codes: 0 success, 1 bad input, 2 usage.
struct ChargeBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargebridge",
        abstract: "Tariff-aware EV charging over MQTT: cheapest schedules, metered and priced sessions.",
        version: "0.1.0",
        subcommands: [
            TariffCommand.self, PlanCommand.self, MeterCommand.self, CostsCommand.self, ForecastCommand.self,
            RunCommand.self, DemoCommand.self, ConfigCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() async {
        // Before a second thread allocates: glibc fixes its arena limit at the first new arena.
        Heap.limitArenas()
        let arguments = Array(CommandLine.arguments.dropFirst())
        // `plan` with plain options skips ArgumentParser's reflection (see PlanCommand.direct).
        if let plan = PlanCommand.direct(arguments) {
            do {
                try plan.run()
            } catch {
                end(after: error)
            }
            return
        }
        var command: ParsableCommand
        do {
            command = try ChargeBridgeCommand.parseAsRoot(arguments)
        } catch {
            let code = ChargeBridgeCommand.exitCode(for: error)
            let message = ChargeBridgeCommand.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            exit(2)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            end(after: error)
        }
    }

    /// Ends the process for an error a command threw: its one sentence and exit 1, or help and
    /// usage errors as ArgumentParser reports them.
    private static func end(after error: any Error) -> Never {
        if let error = error as? CLIError {
            fail(error.description, code: 1)
        }
        // Help and usage errors can also surface here (a subcommand's --help runs a help command).
        let code = ChargeBridgeCommand.exitCode(for: error)
        if code == .success {
            print(ChargeBridgeCommand.fullMessage(for: error))
            exit(0)
        }
        if code == .validationFailure {
            fail(ChargeBridgeCommand.fullMessage(for: error), code: 2)
        }
        if let exitCode = error as? ExitCode {
            exit(exitCode.rawValue)
        }
        fail("\(error)", code: 1)
    }
}

/// Prints `message` as the one error sentence on stderr and exits with `code`.
func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("chargebridge: \(message)\n".utf8))
    exit(code)
}
