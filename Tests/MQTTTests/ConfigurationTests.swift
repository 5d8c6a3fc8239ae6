@testable import MQTT
import Testing

@Suite("Broker URLs, settings and errors")
struct ConfigurationTests {
    @Test("broker URLs parse with their default ports", arguments: [
        ("mqtt://127.0.0.1:1883", "127.0.0.1", 1883, false),
        ("mqtt://broker.local", "broker.local", 1883, false),
        ("mqtts://broker.local", "broker.local", 8883, true),
        ("mqtts://10.0.0.2:8884/", "10.0.0.2", 8884, true),
        ("MQTT://[::1]:1884", "::1", 1884, false),
    ])
    func parsesURL(text: String, host: String, port: Int, tls: Bool) throws {
        let url = try MQTTBrokerURL(parsing: text)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.usesTLS == tls)
    }

    @Test("anything but mqtt:// or mqtts:// with a host and a valid port is refused",
          arguments: ["http://broker:1883", "broker:1883", "mqtt://", "mqtt://broker:0", "mqtt://broker:70000",
                      "mqtt://broker:port", "mqtt://user:pw@broker:1883", "mqtt://broker:1883/topic"])
    func refusesURL(text: String) {
        #expect(throws: MQTTError.invalidURL(text)) { try MQTTBrokerURL(parsing: text) }
    }

    @Test("the configuration's description and errors never show the password")
    func noSecretsInText() throws {
        var configuration = try MQTTConfiguration(url: "mqtt://127.0.0.1:1883", clientID: "chargebridge")
        configuration.username = "bridge"
        configuration.password = "hunter2-secret"
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description == "mqtt://127.0.0.1:1883, client id 'chargebridge', MQTT 5, user 'bridge' with a password")
    }

    @Test("settings out of range are refused with a sentence naming them")
    func invalidSettings() throws {
        var tooShort = try MQTTConfiguration(url: "mqtt://127.0.0.1:1883", clientID: "c")
        tooShort.keepAliveSeconds = 2
        #expect(throws: MQTTError.invalidConfiguration("keep-alive must be between 5 and 65535 seconds, not 2")) {
            _ = try MQTTClient(configuration: tooShort, logger: testLogger)
        }
        let anonymous = try MQTTConfiguration(url: "mqtt://127.0.0.1:1883", clientID: "")
        #expect(throws: MQTTError.invalidConfiguration("a persistent session (clean start off) needs a fixed client id")) {
            _ = try MQTTClient(configuration: anonymous, logger: testLogger)
        }
    }

    @Test("topic filters: wildcards only as whole levels, # only last",
          arguments: [("a/+/c", true), ("#", true), ("a/#", true), ("+", true), ("a/b#", false), ("a/#/c", false),
                      ("a+/b", false), ("", false)])
    func filters(filter: String, valid: Bool) {
        #expect(MQTTClient.isValidFilter(filter) == valid)
    }

    @Test("protocol versions parse from config text", arguments: [("5", MQTTProtocolVersion.v5), ("3.1.1", .v311), ("311", .v311)])
    func protocolVersions(text: String, version: MQTTProtocolVersion) {
        #expect(MQTTProtocolVersion(parsing: text) == version)
    }

    @Test("TLS error details read as plain words")
    func tlsDetails() {
        #expect(ClientCore.plainTLSDetail("OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed") == "certificate verify failed")
        #expect(ClientCore.plainTLSDetail("OpenSSL Error[0]: error:0A00045C:SSL routines::tlsv13 alert certificate required")
                == "the broker requires a client certificate")
    }
}
