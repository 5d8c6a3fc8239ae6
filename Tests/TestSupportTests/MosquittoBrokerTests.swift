import Foundation
import Testing
import TestSupport

/// The kit's broker launcher, as the tests, the campaigns and `chargebridge demo` rely on it.
struct MosquittoBrokerTests {
    @Test func configurationIsLoopbackAnonymousWithoutNagle() throws {
        let broker = try MosquittoBroker()
        defer { try? FileManager.default.removeItem(at: broker.directory) }
        let lines = try String(contentsOf: broker.directory.appendingPathComponent("mosquitto.conf"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(lines.contains("listener \(broker.port) 127.0.0.1"))
        #expect(lines.contains("allow_anonymous true"))
        #expect(lines.contains("set_tcp_nodelay true"))
        #expect(lines.contains("persistence false"))
        #expect(lines.contains("user root") == (getuid() == 0))
        #expect(broker.url == "mqtt://127.0.0.1:\(broker.port)")
    }

    @Test func withoutTCPNoDelayNagleStays() throws {
        let broker = try MosquittoBroker(options: .init(tcpNoDelay: false))
        defer { try? FileManager.default.removeItem(at: broker.directory) }
        let text = try String(contentsOf: broker.directory.appendingPathComponent("mosquitto.conf"), encoding: .utf8)
        #expect(!text.contains("set_tcp_nodelay"))
    }

    /// Another process's broker on the port (here a second mosquitto started first): the
    /// launcher does not take it for its own, which once let `chargebridge demo` talk to a test's
    /// broker when both got the same port; `start()` moves to another port.
    @Test(.enabled(if: MosquittoBroker.executable != nil, "needs mosquitto"))
    func aPortAnotherBrokerTookIsNotMistakenForOurs() async throws {
        let other = try await MosquittoBroker.start()
        defer { Task { await other.stop() } }
        let late = try MosquittoBroker(port: other.port)
        await #expect(throws: MosquittoBroker.PortTaken.self) { try await late.launch() }
        #expect(late.pid == nil)
        await late.stop()
        #expect(loopbackPortAcceptsConnections(other.port), "the other broker is untouched")
        let fresh = try await MosquittoBroker.start()
        #expect(fresh.port != other.port && fresh.pid != nil)
        await fresh.stop()
    }

    @Test func stopShutsDownCleanlyAndRemovesTheDirectory() async throws {
        let broker = try await MosquittoBroker.start()
        #expect(loopbackPortAcceptsConnections(broker.port))
        #expect(await broker.terminate(), "mosquitto ignored SIGTERM and was SIGKILLed")
        #expect(!loopbackPortAcceptsConnections(broker.port))
        #expect(broker.logText().contains("terminating"), "no clean shutdown in the log: \(broker.logText())")
        await broker.stop()
        #expect(!FileManager.default.fileExists(atPath: broker.directory.path))
    }

    @Test func aFrozenBrokerStillStopsCleanly() async throws {
        let broker = try await MosquittoBroker.start()
        broker.freeze()
        #expect(await broker.terminate(gracePeriod: .seconds(5)))
        #expect(!loopbackPortAcceptsConnections(broker.port))
        await broker.stop()
    }

    @Test func killIsACrashAndLaunchComesBackOnTheSamePort() async throws {
        let broker = try await MosquittoBroker.start()
        await broker.kill()
        #expect(!loopbackPortAcceptsConnections(broker.port))
        #expect(!broker.logText().contains("terminating"), "SIGKILL left a clean shutdown in the log")
        try await broker.launch()
        #expect(loopbackPortAcceptsConnections(broker.port))
        await broker.stop()
    }

    @Test func freePortsAreNeverHandedOutTwice() throws {
        let ports = try (0..<50).map { _ in try freeLoopbackPort() }
        #expect(Set(ports).count == ports.count)
    }
}
