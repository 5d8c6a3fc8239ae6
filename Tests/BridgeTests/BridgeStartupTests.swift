import CampaignSupport
import Foundation
import Locking
import Logging
import MQTT
import Testing
import TestSupport
@testable import Bridge

/// `online` on `<base>/status` means the bridge listens: a plug-in sent the moment it says so is
/// planned, also on a busy machine. (`make bench` once waited 40 s in vain for a schedule, 1 run
/// in 6 after a build: its wait for `online` returned at once, so the plug-in went out before the
/// bridge had subscribed and the broker dropped it. The bench and this test now wait with the
/// same `Observer.waitFor`.)
@Suite(.serialized) struct BridgeStartupTests {
    @Test func aPlugInSentTheMomentTheBridgeSaysOnlineIsPlanned() async throws {
        // Two cores' worth of busy threads, as when the other helpers build at once.
        let load = CPULoad(threads: ProcessInfo.processInfo.activeProcessorCount)
        defer { load.stop() }
        for attempt in 0..<6 {
            // 100 vehicles (800 subscriptions) with a shared limit, like the bridge bench;
            // alternately with the broker up first and started after the bridge.
            let port = try freeLoopbackPort()
            let folder = try BridgeServiceTests.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let vehicles = (0..<100).map { "  - {id: car\($0), capacity_wh: 60000, max_power_w: 11000, efficiency: 1.0}" }
            let path = folder.appendingPathComponent("chargebridge.yaml").path
            try """
            broker: {url: "mqtt://127.0.0.1:\(port)", client_id: startup-\(attempt)}
            home_assistant: {discovery: false}
            location: {id: home, max_power_w: 1100000}
            tariff: {timeZone: Europe/Amsterdam, currency: EUR, tariffs: [{type: standard, currency: EUR, price: 0.30}]}
            database: ledger.sqlite
            vehicles:
            \(vehicles.joined(separator: "\n"))
            """.write(toFile: path, atomically: true, encoding: .utf8)
            let config = try BridgeConfigLoader.load(path: path)
            let broker = try MosquittoBroker(port: port)
            if attempt.isMultiple(of: 2) { try await broker.launch() }
            let service = try BridgeServices(config: config, logger: BridgeServiceTests.logger)
            let running = Task { try await service.run() }
            if !attempt.isMultiple(of: 2) { try await broker.launch() }
            let observer = try await Observer(url: broker.url, base: "chargebridge",
                                              filters: ["chargebridge/status", "chargebridge/car0/schedule"], logger: BridgeServiceTests.logger)
            let started = ContinuousClock.now - .seconds(60)
            try await observer.waitFor("chargebridge/status", since: started, within: .seconds(30)) { $0 == "online" }
            let sent = ContinuousClock.now
            try await observer.publish("30", to: "chargebridge/car0/soc")
            try await observer.publish("connected", to: "chargebridge/car0/plug")
            let schedule = try await observer.waitFor("chargebridge/car0/schedule", since: sent, within: .seconds(20)) { !$0.isEmpty }
            #expect(schedule.text.contains(#""device_id":"car0""#))
            running.cancel()
            _ = try? await running.value
            await observer.stop()
            await broker.stop()
        }
    }
}

/// Busy threads on every core until stopped.
final class CPULoad: @unchecked Sendable {
    private let running = Locked(true)

    init(threads: Int) {
        for _ in 0..<threads {
            let thread = Thread { [running] in
                var spin = 0
                while running.value { for _ in 0..<10_000 { spin &+= 1 } }
                _ = spin
            }
            thread.start()
        }
    }

    func stop() {
        running.withLock { $0 = false }
    }
}
