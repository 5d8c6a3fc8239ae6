import ArgumentParser
import Bridge
import Documents
import Foundation
import Logging
import MQTT
import Tariffs
import TestSupport

/// `chargebridge demo`: one night charged on real prices, in accelerated time, with a local
/// broker, two cars sharing the home's connection, a house whose load jumps, and the bridge in
/// between; then a sunny day, a car at home charging from the roof.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A self-contained showcase: local broker, two cars sharing the connection, a house load spike, one night on real prices; then a sunny day charging from the roof.",
        discussion: """
        Starts mosquitto on a free 127.0.0.1 port (or uses --broker), two emulated chargers (a wallbox told \
        6-16 A on three phases, and a 7.4 kW charger that can only be switched) with cars that follow the \
        bridge's commands, a house and its grid meter, and the bridge, and charges one night on real DE-LU \
        15-minute day-ahead prices (Examples/prices) in accelerated time, under an 11 kW connection. While \
        both cars charge, the house's load jumps by 6 kW for 45 minutes. Draws the site's power against the \
        limit, slot by slot, and ends with each session's cost. Then a sunny day: a car at home from 08:00 to \
        18:00 in solar mode on a 6-32 A single-phase wallbox, 8 kWp on the roof with two clouds, ending with the \
        bridge's session payload: its solar share, cost and savings.
        """
    )

    @Option(help: "Use this broker instead of starting one (mqtt://host:port).")
    var broker: String?

    @Option(help: "The evening to plug in, a local date within the example prices (2026-05-10 to 2026-05-30).")
    var night: String = "2026-05-28"

    @Option(help: "The sunny day, a local date within the example prices (2026-05-10 to 2026-05-31).")
    var day: String = "2026-05-29"

    @Option(help: "Only one part: night or day (default: both, the night first).")
    var only: String?

    @Option(help: "How many times faster than real time the night and the day run.")
    var speed: Double = 1000

    @Option(help: "State of charge of the first car at plug-in, percent (the second comes home 10 points fuller).")
    var soc: Double = 25

    @Option(help: "The folder with the example tariff and prices (default: ./Examples or the one beside the build).")
    var examples: String?

    func validate() throws {
        guard speed >= 1, speed <= 100_000 else { throw ValidationError("--speed must be between 1 and 100000") }
        guard (0..<90).contains(soc) else { throw ValidationError("--soc must be a percentage below 90") }
        guard only == nil || only == "night" || only == "day" else { throw ValidationError("--only must be night or day") }
    }

    func run() async throws {
        _ = LoggingSetup.once
        let examplesFolder = try locateExamples()
        let tariffPath = examplesFolder.appendingPathComponent("tariff-dynamic.yaml").path
        let tariffs = try loadTariffSet(tariffPath)
        let tariff = tariffs.importTariff!
        guard let evening = CivilDate(night) else { throw CLIError("--night: '\(night)' is not a date YYYY-MM-DD") }
        let start = tariff.calendar.instant(of: evening, minuteOfDay: 18 * 60)
        let departure = tariff.calendar.instant(of: evening.adding(days: 1), minuteOfDay: 7 * 60)
        guard tariff.rates(from: start, to: departure).gaps.isEmpty else {
            throw CLIError("--night: the example prices do not cover \(night) 18:00 to 07:00 the next morning")
        }
        guard let sunnyDay = CivilDate(day) else { throw CLIError("--day: '\(day)' is not a date YYYY-MM-DD") }
        let sunrise = tariff.calendar.instant(of: sunnyDay, minuteOfDay: 8 * 60)
        let sunset = tariff.calendar.instant(of: sunnyDay, minuteOfDay: 18 * 60)
        guard tariff.rates(from: sunrise, to: sunset).gaps.isEmpty else {
            throw CLIError("--day: the example prices do not cover \(day) 08:00 to 18:00")
        }

        // The test kit's broker: loopback only, anonymous, a free port, stopped cleanly at the end.
        var localBroker: MosquittoBroker?
        let brokerURL: String
        if let broker {
            brokerURL = broker
        } else {
            guard MosquittoBroker.executable != nil else {
                throw CLIError("mosquitto is not installed (apt-get install mosquitto, or run make demo, which installs it); or pass --broker URL")
            }
            let started = try await MosquittoBroker.start()
            localBroker = started
            brokerURL = started.url
        }
        do {
            if only != "day" {
                try await DemoNight(brokerURL: brokerURL, tariff: tariff, tariffPath: tariffPath, start: start, departure: departure,
                                    speed: speed, soc: soc).play()
            }
            if only == nil { print("") }
            if only != "night" {
                try await DemoSunnyDay(brokerURL: brokerURL, tariff: tariff, tariffPath: tariffPath, start: sunrise, end: sunset,
                                       speed: speed).play()
            }
        } catch {
            await localBroker?.stop()
            throw error
        }
        await localBroker?.stop()
    }

    private func locateExamples() throws -> URL {
        var candidates: [URL] = []
        if let examples { candidates.append(URL(fileURLWithPath: examples)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Examples"))
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            // .build/<config>/chargebridge -> the package root's Examples.
            var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<4 {
                url = url.deletingLastPathComponent()
                candidates.append(url.appendingPathComponent("Examples"))
            }
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("tariff-dynamic.yaml").path) }) else {
            throw CLIError("cannot find Examples/tariff-dynamic.yaml; run the demo from the project folder or pass --examples DIR")
        }
        return found
    }
}
