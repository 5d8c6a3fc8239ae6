import Foundation
import Testing
import TestSupport

/// SIGTERM ends the real binary whatever the broker is doing.
@Suite(.serialized) struct BridgeShutdownTests {
    /// Found while testing the security checks: with the broker unreachable, the last `offline`
    /// waited for an acknowledgement that could never come, and SIGTERM never ended the process.
    @Test func sigtermEndsTheBridgeWithinSecondsWhileTheBrokerIsUnreachable() async throws {
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A free port nobody listens on: every connection attempt is refused.
        let port = try freeLoopbackPort()
        let config = try BridgeSecurityTests.writeConfig(in: folder, broker: #"url: "mqtt://127.0.0.1:\#(port)""#)
        let bridge = try BridgeSecurityTests.launch(config: config)
        let log = config + ".log"
        let deadline = ContinuousClock.now + .seconds(15)
        while !BridgeSecurityTests.output(of: config).contains("retrying in"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(BridgeSecurityTests.output(of: config).contains("could not reach the broker at 127.0.0.1:\(port)"), "\(log)")
        let stopping = ContinuousClock.now
        bridge.terminate()
        let status = try await BridgeSecurityTests.waitForExit(bridge, within: .seconds(10))
        #expect(status == 0)
        #expect(ContinuousClock.now - stopping < .seconds(5))
        #expect(BridgeSecurityTests.output(of: config).contains("[Bridge] stopped"))
    }
}
