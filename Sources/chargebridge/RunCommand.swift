import ArgumentParser
import Bridge
import Foundation
import Logging
import ServiceLifecycle

/// `chargebridge run --config FILE`: the bridge, until SIGINT or SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the bridge: plan, command and meter every vehicle of the configuration over MQTT.",
        discussion: """
        Reads the YAML configuration (see Config/chargebridge.yaml), connects to the broker, \
        publishes Home Assistant discovery, and runs until SIGINT or SIGTERM, when it flushes the \
        energy metered so far and publishes 'offline'. Logs go to stderr; secrets never appear in them.
        """
    )

    @Option(help: "The configuration file (YAML).")
    var config: String

    @Option(help: "Log level: trace, debug, info, notice, warning, error (default: the configuration's log_level, else info).")
    var logLevel: String?

    func run() async throws {
        _ = LoggingSetup.once
        let chosen = try logLevel.map { name in
            guard let level = Logger.Level(rawValue: name.lowercased()) else {
                throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error")
            }
            return level
        }
        let configuration: BridgeConfig
        do {
            configuration = try BridgeConfigLoader.load(path: config)
        } catch let error as ConfigError {
            throw CLIError(error.description)
        }
        var logger = Logger(label: "chargebridge")
        logger.logLevel = chosen ?? configuration.logLevel ?? .info
        for warning in SecretFileCheck.warnings(configPath: config) {
            logger.warning("\(warning)")
        }
        if configuration.broker.usesTLS, configuration.broker.insecure {
            logger.warning("\(config): broker.insecure is true: the broker certificate's host name is not checked (for test set-ups only)")
        }
        let bridge: BridgeServices
        do {
            bridge = try BridgeServices(config: configuration, logger: logger)
        } catch {
            throw CLIError("\(error)")
        }
        do {
            try await bridge.serviceGroup(gracefulShutdownSignals: [.sigterm, .sigint]).run()
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// Logging to stderr, set up once by the executable (libraries never bootstrap logging).
enum LoggingSetup {
    static let once: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .trace
            return handler
        }
    }()
}
