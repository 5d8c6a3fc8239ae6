import Foundation
@testable import MQTT
import Testing
import TestSupport

@Suite("Passwords, ACLs and TLS on a real mosquitto")
struct SecurityTests {
    static let users = ["bridge": "s3cret-Pa55", "admin": "admin-pw"]

    @Test("the right password logs in", arguments: MQTTProtocolVersion.allCases)
    func rightPassword(version: MQTTProtocolVersion) async throws {
        let broker = try await MosquittoBroker.start(.init(users: Self.users))
        let client = try await connectedClient(broker.url) {
            $0.username = "bridge"
            $0.password = "s3cret-Pa55"
            $0.protocolVersion = version
        }
        #expect(client.state == .connected)
        await client.shutdown()
        await broker.stop()
    }

    @Test("a wrong password fails at once with one plain sentence, without the password, and no retry loop",
          arguments: MQTTProtocolVersion.allCases)
    func wrongPassword(version: MQTTProtocolVersion) async throws {
        let broker = try await MosquittoBroker.start(.init(users: Self.users))
        let client = try MQTTClient(configuration: try testConfiguration(broker.url) {
            $0.username = "bridge"
            $0.password = "wrong-Pa55word"
            $0.protocolVersion = version
        }, logger: testLogger)
        let started = ContinuousClock.now
        let error = await #expect(throws: MQTTError.self) { try await client.connect(timeout: .seconds(30)) }
        // The refusal ends the wait, not the timeout (loose bound: other tests may starve this task).
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(error == .loginRefused(username: "bridge", reason: "bad user name or password"))
        #expect(error?.description == "broker refused the login for user 'bridge' (bad user name or password)")
        #expect(error?.description.contains("Pa55") == false)
        #expect(client.state == .failed(.loginRefused(username: "bridge", reason: "bad user name or password")))
        #expect(error?.isFatal == true)
        // Failed for good: it stays failed instead of hammering the broker.
        try await Task.sleep(for: .milliseconds(500))
        #expect(client.state == .failed(.loginRefused(username: "bridge", reason: "bad user name or password")))
        await #expect(throws: MQTTError.loginRefused(username: "bridge", reason: "bad user name or password")) {
            try await client.publish("x", to: "cb/x")
        }
        await client.shutdown()
        #expect(client.state == .shutDown)
        #expect(!broker.logText().contains("wrong-Pa55word"))
        await broker.stop()
    }

    @Test("an ACL keeps a user from publishing to and reading a denied topic")
    func aclDenial() async throws {
        let acl = """
        user admin
        topic readwrite #

        user bridge
        topic readwrite chargebridge/#
        """
        let broker = try await MosquittoBroker.start(.init(users: Self.users, aclRules: acl))
        let admin = try await connectedClient(broker.url) { $0.username = "admin"; $0.password = "admin-pw" }
        let bridge = try await connectedClient(broker.url) { $0.username = "bridge"; $0.password = "s3cret-Pa55" }
        let adminInbox = MessageCollector(admin)
        let bridgeInbox = MessageCollector(bridge)
        try await admin.subscribe("#")
        // mosquitto 2.0 grants the subscription but never delivers what the ACL denies.
        try? await bridge.subscribe("secret/#")
        try await bridge.subscribe("chargebridge/#")

        // A denied publish: MQTT 5 reports it in the PUBACK, and nobody receives it.
        await #expect(throws: MQTTError.publishRefused(topic: "secret/door", reason: "not authorized")) {
            try await bridge.publish("open", to: "secret/door", qos: .atLeastOnce)
        }
        try await admin.publish("hidden", to: "secret/plans", qos: .atLeastOnce)
        try await bridge.publish("allowed", to: "chargebridge/status", qos: .atLeastOnce)
        try await admin.publish("end", to: "chargebridge/end", qos: .atLeastOnce)

        _ = await bridgeInbox.waitFor(topic: "chargebridge/end")
        _ = await adminInbox.waitFor(topic: "chargebridge/end")
        #expect(bridgeInbox.messages.map(\.topic) == ["chargebridge/status", "chargebridge/end"])
        #expect(!adminInbox.messages.contains { $0.topic == "secret/door" })
        #expect(adminInbox.messages.contains { $0.topic == "chargebridge/status" })
        await admin.shutdown()
        await bridge.shutdown()
        await broker.stop()
    }

    @Test("TLS with the test CA: the host name check passes for 127.0.0.1 and localhost", arguments: ["127.0.0.1", "localhost"])
    func tlsHostNameMatches(host: String) async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try await TestCertificates.generate(in: directory)
        let broker = try await MosquittoBroker.start(.init(tls: certificates))
        let subscriber = try await connectedClient("mqtts://\(host):\(broker.port)") { $0.tls = MQTTTLSOptions(caFile: certificates.caFile) }
        let collector = MessageCollector(subscriber)
        try await subscriber.subscribe("cb/tls")
        try await subscriber.publish("secure", to: "cb/tls")
        #expect(await collector.waitFor(topic: "cb/tls")?.payloadText == "secure")
        await subscriber.shutdown()
        await broker.stop()
    }

    @Test("TLS fails clearly for a certificate naming another host, unless insecure is set")
    func tlsWrongHostName() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try await TestCertificates.generate(in: directory, names: ["broker.example.net"])
        let broker = try await MosquittoBroker.start(.init(tls: certificates))

        let strict = try MQTTClient(configuration: try testConfiguration(broker.url) {
            $0.tls = MQTTTLSOptions(caFile: certificates.caFile)
        }, logger: testLogger)
        let error = await #expect(throws: MQTTError.self) { try await strict.connect(timeout: .seconds(5)) }
        guard case .tlsHandshakeFailed(let endpoint, let detail)? = error else {
            Issue.record("expected a TLS handshake failure, got \(String(describing: error))")
            return
        }
        #expect(endpoint == "127.0.0.1:\(broker.port)")
        #expect(detail == "certificate verify failed")
        #expect(error?.description == "TLS handshake with 127.0.0.1:\(broker.port) failed (certificate verify failed: the broker's "
                + "certificate is not signed by the trusted CA, has expired, or is not issued for the host name 127.0.0.1)")
        #expect(strict.state == .failed(error!))
        await strict.shutdown()

        let insecure = try await connectedClient(broker.url) {
            $0.tls = MQTTTLSOptions(caFile: certificates.caFile, insecure: true)
        }
        #expect(insecure.state == .connected)
        await insecure.shutdown()
        await broker.stop()
    }

    @Test("TLS refuses a broker certificate from another CA")
    func tlsUnknownCA() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let served = try await TestCertificates.generate(in: directory, prefix: "served")
        let other = try await TestCertificates.generate(in: directory, prefix: "other")
        let broker = try await MosquittoBroker.start(.init(tls: served))
        let client = try MQTTClient(configuration: try testConfiguration(broker.url) {
            $0.tls = MQTTTLSOptions(caFile: other.caFile)
        }, logger: testLogger)
        await #expect(throws: MQTTError.tlsHandshakeFailed(endpoint: "127.0.0.1:\(broker.port)", detail: "certificate verify failed")) {
            try await client.connect(timeout: .seconds(5))
        }
        await client.shutdown()
        await broker.stop()
    }

    @Test("a client certificate signed by the CA is accepted where the broker requires one")
    func clientCertificate() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try await TestCertificates.generate(in: directory)
        let clientCertificate = try await TestCertificates.generate(in: directory, prefix: "client", names: ["chargebridge"], ca: certificates)
        let broker = try await MosquittoBroker.start(.init(tls: certificates, requireClientCertificate: true))

        let withCertificate = try await connectedClient(broker.url) {
            $0.tls = MQTTTLSOptions(caFile: certificates.caFile, certificateFile: clientCertificate.serverCertificateFile,
                                    keyFile: clientCertificate.serverKeyFile)
        }
        #expect(withCertificate.state == .connected)
        await withCertificate.shutdown()

        let without = try MQTTClient(configuration: try testConfiguration(broker.url) {
            $0.tls = MQTTTLSOptions(caFile: certificates.caFile)
        }, logger: testLogger)
        await #expect(throws: MQTTError.tlsHandshakeFailed(endpoint: "127.0.0.1:\(broker.port)", detail: "the broker requires a client certificate")) {
            try await without.connect(timeout: .seconds(5))
        }
        await without.shutdown()
        await broker.stop()
    }

    @Test("a missing CA file is named before any connection is tried")
    func missingCAFile() throws {
        #expect(throws: MQTTError.fileMissing(role: "CA file", path: "/nonexistent/ca.pem")) {
            _ = try MQTTClient(configuration: try testConfiguration("mqtts://127.0.0.1:8883") {
                $0.tls = MQTTTLSOptions(caFile: "/nonexistent/ca.pem")
            }, logger: testLogger)
        }
        #expect(MQTTError.fileMissing(role: "CA file", path: "/nonexistent/ca.pem").description
                == "CA file '/nonexistent/ca.pem' does not exist")
    }
}

func temporaryDirectory() -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-tests-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
