import Foundation

/// A throwaway certificate authority and a server certificate it signed, made with `openssl`
/// (EC P-256, valid two days) in `directory`.
public struct TestCertificates: Sendable {
    /// The CA certificate (PEM): what a client trusts.
    public let caFile: String
    /// The server certificate (PEM) and its key, for the broker.
    public let serverCertificateFile: String
    public let serverKeyFile: String

    /// Makes a CA (unless `ca` is given, then reuses it) and a server certificate whose subject
    /// alternative names are `names` (IP addresses become `IP:` entries, the rest `DNS:`).
    /// Default names: 127.0.0.1 and localhost.
    public static func generate(in directory: URL, prefix: String = "server",
                                names: [String] = ["127.0.0.1", "localhost"],
                                ca: TestCertificates? = nil) async throws -> TestCertificates {
        let openssl = "/usr/bin/openssl"
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let caFile: String
        let caKey: String
        if let ca {
            caFile = ca.caFile
            caKey = ca.caFile.replacingOccurrences(of: ".crt", with: ".key")
        } else {
            caFile = path("\(prefix)-ca.crt")
            caKey = path("\(prefix)-ca.key")
            try await runToolAsync(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                  "-keyout", caKey, "-out", caFile, "-days", "2", "-subj", "/CN=ChargeBridge Test CA \(prefix)"])
        }
        let key = path("\(prefix).key")
        let request = path("\(prefix).csr")
        let certificate = path("\(prefix).crt")
        let extensions = path("\(prefix).ext")
        let alternativeNames = names.map { name in
            name.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? "IP:\(name)" : "DNS:\(name)"
        }.joined(separator: ",")
        try "subjectAltName=\(alternativeNames)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try await runToolAsync(openssl, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                              "-keyout", key, "-out", request, "-subj", "/CN=\(names.first ?? "server")"])
        try await runToolAsync(openssl, ["x509", "-req", "-in", request, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial",
                              "-out", certificate, "-days", "2", "-extfile", extensions])
        return TestCertificates(caFile: caFile, serverCertificateFile: certificate, serverKeyFile: key)
    }
}
