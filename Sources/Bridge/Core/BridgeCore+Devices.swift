import Foundation

extension BridgeCore {
    /// What a plug reading means for the vehicle: true/false, or nil for an unknown state (the
    /// charger's error or "don't know"): the last state is kept, and the first unknown value of
    /// a run is logged (once, until a known state or another unknown value comes).
    static func plugReadingLog(_ reading: PlugMapping.Reading, topic: String, vehicleId: String, lastUnknown: String?) -> (connected: Bool?, unknown: String?, log: BridgeAction?) {
        switch reading {
        case .connected: return (true, nil, nil)
        case .disconnected: return (false, nil, nil)
        case let .unknown(token):
            guard token != lastUnknown else { return (nil, token, nil) }
            return (nil, token, .log(level: .notice, message: "\(vehicleId): the plug state on \(topic) is unknown ('\(token)'); keeping the last one"))
        }
    }

    /// A charger's answer on a `command_result` topic: an error is logged as a warning, once per
    /// distinct error (again after a success).
    static func resultLog(_ payload: [UInt8], topic: String, vehicleId: String, logged: inout Set<String>) -> BridgeAction? {
        guard let error = PayloadParser.commandResultError(payload) else {
            logged.removeAll()
            return nil
        }
        guard logged.insert("\(topic)\u{0}\(error)").inserted else { return nil }
        return .log(level: .warning, message: "\(vehicleId): the charger refused a command on \(topic): \(error)")
    }
}
