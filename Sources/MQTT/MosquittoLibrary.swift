import CMosquitto

/// `mosquitto_lib_init` exactly once per process (Swift runs a static initializer once, thread-safely).
/// Never cleaned up: other clients may still be alive, and the process exit frees it.
enum MosquittoLibrary {
    private static let initResult: Int32 = mosquitto_lib_init()

    static func ensureInitialised() {
        _ = initResult
    }

    /// libmosquitto's text for an error code, such as "The connection was lost.".
    static func describe(_ code: Int32) -> String {
        String(cString: mosquitto_strerror(code))
    }

    /// The MQTT 5 reason string, such as "Not authorized", lower-cased for use mid-sentence.
    static func reason(_ code: Int32) -> String {
        String(cString: mosquitto_reason_string(code)).lowercased()
    }
}
