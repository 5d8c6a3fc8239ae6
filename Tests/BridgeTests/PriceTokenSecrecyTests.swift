import Foundation
import Locking
import Logging
import PriceSources
import Testing
import TestSupport
@testable import Bridge

/// The ENTSO-E security token never reaches a log line or an MQTT message, even when the
/// server answers with an error that quotes the request (token included). In-process, because
/// the real binary cannot be pointed at a local ENTSO-E server.
@Suite(.serialized) struct PriceTokenSecrecyTests {
    static let token = "ENTSOE-QUUX-5e0f-token"

    /// Every log line (message and metadata) at trace level.
    final class CapturingLogHandler: LogHandler, @unchecked Sendable {
        let lines = Locked<[String]>([])
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            lines.withLock { $0.append("\(event.level) \(all) \(event.message)\(event.error.map { " \($0)" } ?? "")") }
        }
    }

    enum ServerAnswer: String, CaseIterable, Sendable {
        /// 400 with an acknowledgement whose reason quotes the whole query.
        case rejectionQuotingTheRequest
        /// 401 with a page quoting the query.
        case unauthorizedQuotingTheRequest
        /// 200 with a body that is not a price document and quotes the query.
        case garbageQuotingTheRequest
    }

    @Test("a server error quoting the request does not put the token in a log line or in <base>/prices/status",
          arguments: ServerAnswer.allCases)
    func tokenStaysSecret(answer: ServerAnswer) async throws {
        let broker = try await MosquittoBroker.start()
        defer { Task { await broker.stop() } }
        let server = try LocalHTTPServer { request in
            let quoted = request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            switch answer {
            case .rejectionQuotingTheRequest:
                return .init(status: 400, contentType: "application/xml", body: Data("""
                <?xml version="1.0" encoding="utf-8"?>
                <Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
                  <Reason><code>999</code><text>The request [\(quoted)] is not valid.</text></Reason>
                </Acknowledgement_MarketDocument>
                """.utf8))
            case .unauthorizedQuotingTheRequest:
                return .init(status: 401, contentType: "text/html", body: Data("<html><body>Unauthorized: \(quoted)</body></html>".utf8))
            case .garbageQuotingTheRequest:
                return .init(status: 200, contentType: "application/xml", body: Data("<Unexpected_Document>\(quoted)</Unexpected_Document>".utf8))
            }
        }
        defer { server.stop() }
        let folder = try BridgeServiceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try BridgeConfigLoader.load(path: try BridgeLivePriceTests.writeConfig(
            in: folder, brokerURL: broker.url, dynamic: "source: entsoe, zone: DE-LU, tokenEnv: CB_TEST_ENTSOE_TOKEN, charges: 0, forecast: false"))
        let endpoint = server.baseURL.appendingPathComponent("api")
        let handler = CapturingLogHandler()
        let logger = Logger(label: "bridge") { _ in handler }
        let probe = try await Probe.start(url: broker.url, filter: "#")
        defer { Task { await probe.stop() } }

        let running = Task { [config] in
            try await BridgeServices(config: config, logger: logger, priceSource: { spec in
                ENTSOESource(zone: spec.zone!, endpoint: endpoint, tokenVariable: spec.tokenVariable ?? "CB_TEST_ENTSOE_TOKEN",
                             environment: { ["CB_TEST_ENTSOE_TOKEN": Self.token] })
            }).run()
        }
        try await probe.waitFor("chargebridge/status") { $0 == "online" }
        let status = try await probe.waitFor("chargebridge/prices/status", within: .seconds(15)) { $0.contains(#""state":"failing""#) }
        running.cancel()
        _ = try? await running.value

        // The server did get the token (the request was real), and quoted it back.
        #expect(server.requests.first?.query["securityToken"] == Self.token)
        #expect(!status.contains(Self.token), "\(status)")
        if answer == .rejectionQuotingTheRequest {
            #expect(status.contains("the request was rejected: The request [documentType=A44, "), "\(status)")
            #expect(status.contains("securityToken=<redacted>] is not valid. (reason code 999)"), "\(status)")
        }
        #expect(!probe.messagesSeen.contains { $0.payload.contains(Self.token) })
        let lines = handler.lines.value
        #expect(lines.contains { $0.contains("ENTSO-E") }, "\(lines)")
        #expect(!lines.contains { $0.contains(Self.token) }, "\(lines.filter { $0.contains(Self.token) })")
    }
}
