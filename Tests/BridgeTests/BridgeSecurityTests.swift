import Foundation
import MQTT
import Testing
import TestSupport

/// Security at the product level, with the real `chargebridge` binary and a real mosquitto:
/// TLS with host name verification, file modes of everything the bridge creates, the warning
/// for a readable file holding a secret, and no secret in any log line or published message.
@Suite(.serialized) struct BridgeSecurityTests {
    static let password = "Pa55-XYZZY-7c1e-secret"
    static let wrongPassword = "Wr0ng-PLUGH-93ad-secret"
    static let token = "ENTSOE-QUUX-5e0f-token"
    static let adminPassword = "admin-pw"

    // MARK: TLS

    enum ServerCertificate: String, CaseIterable, Sendable {
        case trusted, wrongHostName, otherCA
        /// A wrong host name with `insecure: true`: accepted, with a warning.
        case wrongHostNameInsecure
    }

    @Test("mqtts:// comes online with the right CA and host name, and refuses a wrong name or another CA with one fatal sentence",
          arguments: ServerCertificate.allCases)
    func tlsIsVerifiedWithTheHostName(served: ServerCertificate) async throws {
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trusted = try await TestCertificates.generate(in: folder, prefix: "server")
        let certificate: TestCertificates
        switch served {
        case .trusted: certificate = trusted
        case .wrongHostName, .wrongHostNameInsecure: certificate = try await TestCertificates.generate(in: folder, prefix: "wrong-name", names: ["broker.example.com"], ca: trusted)
        case .otherCA: certificate = try await TestCertificates.generate(in: folder, prefix: "other")
        }
        // TLS for the bridge, a plain listener for the watching probe.
        let plainPort = try freeLoopbackPort()
        let broker = try await MosquittoBroker.start(.init(tls: certificate, extraConfiguration: ["listener \(plainPort) 127.0.0.1"]))
        defer { Task { await broker.stop() } }
        let probe = try await Probe.start(url: "mqtt://127.0.0.1:\(plainPort)", filter: "#")
        defer { Task { await probe.stop() } }
        let insecure = served == .wrongHostNameInsecure
        let config = try Self.writeConfig(in: folder, broker: #"url: "\#(broker.url)", ca_file: "\#(trusted.caFile)", insecure: \#(insecure)"#)

        let bridge = try Self.launch(config: config)
        if served == .trusted || insecure {
            try await probe.waitFor("chargebridge/status", within: .seconds(15)) { $0 == "online" }
            #expect(await Self.stop(bridge) == 0)
            try await probe.waitFor("chargebridge/status") { $0 == "offline" }
            let warned = Self.output(of: config).contains("\(config): broker.insecure is true: the broker certificate's host name is not checked")
            #expect(warned == insecure)
            return
        }
        let status = try await Self.waitForExit(bridge)
        let output = Self.output(of: config)
        #expect(status == 1)
        let expected = "chargebridge: cannot use the broker: TLS handshake with 127.0.0.1:\(broker.port) failed (certificate verify failed: "
            + "the broker's certificate is not signed by the trusted CA, has expired, or is not issued for the host name 127.0.0.1)"
        #expect(Self.lastLine(output) == expected)
        try await Task.sleep(for: .milliseconds(200))
        #expect(probe.messages(on: "chargebridge/status").isEmpty)
        #expect(!probe.messagesSeen.contains { $0.topic.hasPrefix("chargebridge/") || $0.topic.hasPrefix("homeassistant/") })
    }

    // MARK: File modes

    @Test("the ledger and its -wal and -shm files are the only files the bridge creates, all 0600, whatever the umask",
          arguments: ["000", "022", "277"])
    func bridgeCreatesOnlyPrivateFiles(umask: String) async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logs = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: logs) }
        let config = try Self.writeConfig(in: folder, broker: #"url: "\#(broker.url)""#)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        let probe = try await Probe.start(url: broker.url, filter: "chargebridge/#")
        defer { Task { await probe.stop() } }

        let bridge = try Self.launchWithUmask(umask, ["run", "--config", config], log: logs.appendingPathComponent("bridge.log").path)
        try await probe.waitFor("chargebridge/status", within: .seconds(15)) { $0 == "online" }
        // A session, so that energy is metered and flushed (the ledger is written, not only opened).
        try await probe.publish("fast", to: "chargebridge/car1/mode/set")
        try await probe.publish("connected", to: "chargebridge/car1/plug")
        try await probe.publish("7000", to: "chargebridge/car1/power")
        try await probe.waitFor("chargebridge/car1/session") { $0.contains(#""state":"open""#) }
        try await Task.sleep(for: .milliseconds(500))

        let created = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)).subtracting(before)
        #expect(created == ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"])
        for name in created {
            #expect(try Self.mode(folder.appendingPathComponent(name).path) == 0o600, "\(name) under umask \(umask)")
        }
        #expect(await Self.stop(bridge) == 0)
        #expect(try Self.mode(folder.appendingPathComponent("ledger.sqlite").path) == 0o600)
    }

    @Test("meter import creates its ledger 0600 under umask 000")
    func meterImportCreatesAPrivateLedger() async throws {
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let batch = folder.appendingPathComponent("batch.json").path
        try #"[{"start_time": "2025-10-07T01:00:00Z", "end_time": "2025-10-07T02:00:00Z", "device_id": "car1", "record_reference_id": "r-1", "units": "WH", "value": 1000}]"#
            .write(toFile: batch, atomically: true, encoding: .utf8)
        let database = folder.appendingPathComponent("ledger.sqlite").path
        let process = try Self.launchWithUmask("000", ["meter", "import", "--db", database, batch], log: folder.appendingPathComponent("import.log").path)
        #expect(try await Self.waitForExit(process) == 0)
        #expect(try Self.mode(database) == 0o600)
    }

    // MARK: The warning for a readable secret

    struct WarningCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// The broker section (`<PASSWORD>` stands for the password) or a whole JSON config.
        var broker: String
        var json = false
        var configMode: Int = 0o644
        var passwordFileMode: Int?
        /// With a TLS client certificate whose key file has this mode (the broker then refuses
        /// the TLS handshake instead of the login: it has no TLS listener).
        var keyFileMode: Int?
        /// Which files the warnings name: `config`, `password`, `key`.
        var warned: [String]
        var testDescription: String { name }
    }

    static let warningCases: [WarningCase] = [
        WarningCase(name: "password in the config, 0644", broker: "username: bridge\n  password: <PASSWORD>", warned: ["config"]),
        WarningCase(name: "password in a flow mapping, 0640", broker: "{username: bridge, password: <PASSWORD>}", configMode: 0o640, warned: ["config"]),
        WarningCase(name: "password in a JSON config, 0604", broker: "", json: true, configMode: 0o604, warned: ["config"]),
        WarningCase(name: "password in the config, 0600", broker: "username: bridge\n  password: <PASSWORD>", configMode: 0o600, warned: []),
        WarningCase(name: "password from the environment, config 0644", broker: "username: bridge\n  password_env: CB_TEST_MQTT_PASSWORD", warned: []),
        WarningCase(name: "password file 0644", broker: "username: bridge\n  password_file: mqtt-password", passwordFileMode: 0o644, warned: ["password"]),
        WarningCase(name: "password file 0600", broker: "username: bridge\n  password_file: mqtt-password", passwordFileMode: 0o600, warned: []),
        WarningCase(name: "TLS client key 0640", broker: "username: bridge\n  password_env: CB_TEST_MQTT_PASSWORD", keyFileMode: 0o640, warned: ["key"]),
        WarningCase(name: "TLS client key 0600", broker: "username: bridge\n  password_env: CB_TEST_MQTT_PASSWORD", keyFileMode: 0o600, warned: []),
    ]

    @Test("a file holding the password that group or others can read gets a warning naming it and the fix",
          arguments: warningCases)
    func readableSecretGetsAWarning(_ test: WarningCase) async throws {
        // The broker knows another password: every run ends at once with the refused login.
        let broker = try await MosquittoBroker.start(.init(users: ["bridge": Self.password]))
        defer { Task { await broker.stop() } }
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config: String
        if test.json {
            config = folder.appendingPathComponent("chargebridge.json").path
            try """
            {"broker": {"url": "\(broker.url)", "username": "bridge", "password": "\(Self.wrongPassword)"},
             "location": {"id": "home", "max_power_w": 11000},
             "tariff": {"timeZone": "Europe/Amsterdam", "currency": "EUR", "tariffs": [{"type": "standard", "currency": "EUR", "price": 0.3}]},
             "database": "ledger.sqlite", "vehicles": [{"id": "car1"}]}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        } else {
            var section = test.broker.hasPrefix("{")
                ? "{url: \"\(broker.url)\", " + test.broker.dropFirst()
                : "\n  url: \"\(broker.url)\"\n  " + test.broker
            if let mode = test.keyFileMode {
                let client = try await TestCertificates.generate(in: folder, prefix: "client")
                try Self.setMode(client.serverKeyFile, mode)
                section = section.replacingOccurrences(of: "mqtt://", with: "mqtts://")
                    + "\n  ca_file: \(client.caFile)\n  cert_file: \(client.serverCertificateFile)\n  key_file: \(client.serverKeyFile)"
            }
            config = try Self.writeConfig(in: folder, broker: section.replacingOccurrences(of: "<PASSWORD>", with: Self.wrongPassword), flow: false)
        }
        try Self.setMode(config, test.configMode)
        let passwordFile = folder.appendingPathComponent("mqtt-password").path
        if let mode = test.passwordFileMode {
            try "\(Self.wrongPassword)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            try Self.setMode(passwordFile, mode)
        }

        let bridge = try Self.launch(config: config, environment: ["CB_TEST_MQTT_PASSWORD": Self.wrongPassword])
        #expect(try await Self.waitForExit(bridge) == 1)
        let output = Self.output(of: config)
        let warnings = output.split(separator: "\n").filter { $0.contains(" warning ") && $0.contains("can be read by others") }
        var expected: [String] = []
        if test.warned.contains("config") {
            expected.append("\(config) holds a secret (broker.password) and can be read by others (mode \(String(test.configMode, radix: 8))); run chmod 600 \(config)")
        }
        if test.warned.contains("password") {
            expected.append("\(passwordFile) holds the MQTT password (broker.password_file) and can be read by others (mode \(String(test.passwordFileMode!, radix: 8))); run chmod 600 \(passwordFile)")
        }
        if test.warned.contains("key") {
            let key = folder.appendingPathComponent("client.key").path
            expected.append("\(key) holds the TLS client key (broker.key_file) and can be read by others (mode \(String(test.keyFileMode!, radix: 8))); run chmod 600 \(key)")
        }
        #expect(warnings.count == expected.count, "\(output)")
        for (line, text) in zip(warnings, expected) {
            #expect(line.hasSuffix(text), "\(line)")
        }
        if test.keyFileMode == nil {
            #expect(Self.lastLine(output) == "chargebridge: cannot use the broker: broker refused the login for user 'bridge' (bad user name or password)")
        } else {
            #expect(Self.lastLine(output).hasPrefix("chargebridge: cannot use the broker: TLS handshake with 127.0.0.1:\(broker.port) failed"))
        }
        #expect(!output.contains(Self.wrongPassword))
    }

    // MARK: No secret in any log line

    enum PasswordSource: String, CaseIterable, Sendable {
        case config, environment, file
    }

    @Test("at trace level, no log line and no published message holds the password or the token: start, charge, stop, refused login",
          arguments: PasswordSource.allCases)
    func noSecretInLogsOrMessages(source: PasswordSource) async throws {
        let broker = try await MosquittoBroker.start(.init(users: ["bridge": Self.password, "admin": Self.adminPassword]))
        defer { Task { await broker.stop() } }
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let probe = try await Probe.start(url: broker.url, filter: "#", username: "admin", password: Self.adminPassword)
        defer { Task { await probe.stop() } }
        let passwordFile = folder.appendingPathComponent("mqtt-password").path
        func configure(_ password: String) throws -> (config: String, environment: [String: String]) {
            var environment = ["ENTSOE_SECURITY_TOKEN": Self.token]
            let line: String
            switch source {
            case .config: line = "password: \"\(password)\""
            case .environment:
                line = "password_env: CB_TEST_MQTT_PASSWORD"
                environment["CB_TEST_MQTT_PASSWORD"] = password
            case .file:
                line = "password_file: mqtt-password"
                try "\(password)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
                try Self.setMode(passwordFile, 0o600)
            }
            let config = try Self.writeConfig(in: folder, broker: "\n  url: \"\(broker.url)\"\n  username: bridge\n  \(line)", flow: false)
            try Self.setMode(config, 0o600)
            return (config, environment)
        }

        // Start-up, a successful login, a charge (plug-in, power, commands, session, costs), shutdown.
        let right = try configure(Self.password)
        let bridge = try Self.launch(config: right.config, environment: right.environment)
        try await probe.waitFor("chargebridge/status", within: .seconds(15)) { $0 == "online" }
        try await probe.publish("fast", to: "chargebridge/car1/mode/set")
        try await probe.publish("connected", to: "chargebridge/car1/plug")
        try await probe.publish("not a number", to: "chargebridge/car1/soc")
        try await probe.publish("7000", to: "chargebridge/car1/power")
        try await probe.waitFor("chargebridge/car1/command") { $0 == "start" }
        try await probe.waitFor("chargebridge/car1/session") { $0.contains(#""state":"open""#) }
        try await probe.publish("disconnected", to: "chargebridge/car1/plug")
        try await probe.waitFor("chargebridge/car1/session") { $0.contains(#""state":"closed""#) }
        #expect(await Self.stop(bridge) == 0)
        var output = Self.output(of: right.config)
        #expect(output.contains("MQTT connected"))

        // A refused login: one fatal sentence, and the wrong password is not in it either.
        try FileManager.default.removeItem(atPath: right.config + ".log")
        let wrong = try configure(Self.wrongPassword)
        let refused = try Self.launch(config: wrong.config, environment: wrong.environment)
        #expect(try await Self.waitForExit(refused) == 1)
        let refusedOutput = Self.output(of: wrong.config)
        #expect(Self.lastLine(refusedOutput) == "chargebridge: cannot use the broker: broker refused the login for user 'bridge' (bad user name or password)")
        output += refusedOutput

        for secret in [Self.password, Self.wrongPassword, Self.token] {
            #expect(!output.contains(secret), "\(secret) in the bridge's output")
            #expect(!probe.messagesSeen.contains { $0.topic.contains(secret) || $0.payload.contains(secret) }, "\(secret) published")
            #expect(!broker.logText().contains(secret), "\(secret) in mosquitto's log")
        }
        #expect(probe.messagesSeen.count > 20)
    }

    @Test("a config error on the password's line does not quote the password")
    func configErrorsDoNotQuoteThePassword() throws {
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bodies = [
            "broker: {url: \"mqtt://127.0.0.1:1\", username: u, password: \"\(Self.password)",
            "broker:\n  url: mqtt://127.0.0.1:1\n  username: u\n  password: \(Self.password): x\nvehicles: [{id: a}]",
            "broker:\n  url: mqtt://127.0.0.1:1\n  username: u\n  password: [\(Self.password)]\nvehicles: [{id: a}]",
            "broker:\n  url: mqtt://127.0.0.1:1\n  username: u\n  password: \(Self.password)\n\tvehicles: [{id: a}]",
            "broker:\n  url: mqtt://u:\(Self.password)@127.0.0.1:1\nvehicles: [{id: a}]",
            "broker:\n  url: mqtt://u:\(Self.password)@127.0.0.1:99999\nvehicles: [{id: a}]",
            // No space after the colon: in a flow mapping `password:X` is one key.
            "broker: {url: \"mqtt://127.0.0.1:1\", username: u, password:\(Self.password)}\nvehicles: [{id: a}]",
            "broker:\n  url: mqtt://127.0.0.1:1\n  username: u\n  password:\(Self.password)\nvehicles: [{id: a}]",
        ]
        for body in bodies {
            let config = folder.appendingPathComponent("bad.yaml").path
            try body.write(toFile: config, atomically: true, encoding: .utf8)
            let result = try ChargeBridgeBinary.run(["run", "--config", config, "--log-level", "trace"])
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("chargebridge: \(config): "), "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains(Self.password), "\(result.stderr)")
        }
        let config = folder.appendingPathComponent("bad.yaml").path
        try bodies[6].write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try ChargeBridgeBinary.run(["run", "--config", config]).stderr
            == "chargebridge: \(config): broker.password needs a space after its colon (write 'password: value'); the text after the colon is not shown\n")
    }

    // MARK: Helpers

    /// A configuration for the real binary; `broker` is the broker section's body (a flow
    /// mapping's inside with `flow`, else block lines).
    static func writeConfig(in folder: URL, broker: String, flow: Bool = true) throws -> String {
        let path = folder.appendingPathComponent("chargebridge.yaml").path
        try """
        broker: \(flow ? "{\(broker), client_id: bridge-\(folder.lastPathComponent.prefix(18)), keepalive_s: 5}" : broker)
        location: {id: home, max_power_w: 11000}
        tariff: {timeZone: Europe/Amsterdam, currency: EUR, tariffs: [{type: standard, currency: EUR, price: 0.30}]}
        database: ledger.sqlite
        metering: {flush_interval_s: 0.2}
        vehicles:
          - id: car1
            capacity_wh: 60000
            max_power_w: 7200

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `chargebridge run --config config --log-level trace`, stdout and stderr to `config.log`.
    static func launch(config: String, environment: [String: String] = [:]) throws -> Process {
        try ChargeBridgeBinary.start(["run", "--config", config, "--log-level", "trace"], log: config + ".log", environment: environment)
    }

    /// The binary under `umask` (through /bin/sh), output to `log`.
    static func launchWithUmask(_ umask: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", ChargeBridgeBinary.url.path] + arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func output(of config: String) -> String {
        (try? String(contentsOfFile: config + ".log", encoding: .utf8)) ?? ""
    }

    static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// Waits (up to `within`) for the process to exit by itself; SIGKILLs it and throws if not.
    static func waitForExit(_ process: Process, within: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + within
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw ProbeTimeout(description: "the bridge did not exit within \(within)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// SIGTERM, then the exit status (SIGKILL after 10 s: then -1).
    static func stop(_ process: Process) async -> Int32 {
        process.terminate()
        do {
            return try await waitForExit(process, within: .seconds(10))
        } catch {
            return -1
        }
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    static func setMode(_ path: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
}
