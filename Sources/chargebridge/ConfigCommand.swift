import ArgumentParser
import Bridge
import Foundation

/// `chargebridge config check FILE`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a bridge configuration.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a bridge configuration: every problem at once, and what each vehicle reads and sends.",
            discussion: """
            Exit 0 when the file loads: then it prints what each vehicle will read (topics, JSON paths, units, \
            plug values) and send (command topics and payloads), and its charger's kind and range. \
            Otherwise it prints every problem on stderr, one line each naming the file and the key, and exits 1.
            """
        )

        @Argument(help: "The configuration file (YAML or JSON).")
        var file: String

        func run() throws {
            let report = ConfigCheck.check(path: file)
            guard let config = report.config, report.problems.isEmpty else {
                let count = report.problems.count
                FileHandle.standardError.write(Data((report.problems.map { "chargebridge: \($0)" } + ["chargebridge: \(file): \(count) problem\(count == 1 ? "" : "s")"])
                    .joined(separator: "\n").appending("\n").utf8))
                throw ExitCode(1)
            }
            print("\(file): ok")
            for line in ConfigCheck.describe(config) { print(line) }
            // As `run` warns: a secret others can read (the configuration still loads).
            for warning in SecretFileCheck.warnings(configPath: file) {
                FileHandle.standardError.write(Data("chargebridge: warning: \(warning)\n".utf8))
            }
        }
    }
}
