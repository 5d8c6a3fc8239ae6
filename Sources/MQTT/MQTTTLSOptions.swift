/// TLS settings for an `mqtts://` broker.
///
/// The broker's certificate is always verified against the CA file (or the system's CAs when
/// `caFile` is nil), and its name must match the host of the broker URL, unless `insecure` is set.
public struct MQTTTLSOptions: Sendable, Hashable {
    /// PEM file of the CA(s) that signed the broker's certificate; nil for the system's CAs.
    public var caFile: String?
    /// PEM client certificate, for brokers that require one (with `keyFile`).
    public var certificateFile: String?
    /// PEM private key of `certificateFile` (unencrypted).
    public var keyFile: String?
    /// Skips the check that the certificate names the host. For self-signed test setups only:
    /// it allows a man in the middle.
    public var insecure: Bool

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.insecure = insecure
    }
}
