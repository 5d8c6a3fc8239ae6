import ArgumentParser

@main
struct ChargeBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargebridge",
        abstract: "Tariff-aware EV charging over MQTT: cheapest schedules, metered and priced sessions.",
        version: "0.1.0",
        subcommands: []
    )
}
