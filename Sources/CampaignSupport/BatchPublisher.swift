import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare MQTT 3.1.1 publisher for the load campaign's bursts: one TCP connection to the broker
/// that carries QoS 0 PUBLISH packets, many to a `send()`, as the connection of a gateway for
/// many chargers would. It stands in for chargers that live on other machines: the MQTT client
/// (libmosquitto with its own network thread) spends four or five system calls and a thread
/// wake-up on every message it publishes, so at 80,000 readings a second the load generator
/// took about as much of this machine's two cores as the bridge it measures.
///
/// Only what the burst needs: CONNECT (clean session, no keep-alive: it idles between bursts),
/// its CONNACK, then PUBLISH packets; nothing is ever read after the CONNACK (QoS 0 has no
/// acknowledgement, and the connection subscribes to nothing).
public final class BatchPublisher: @unchecked Sendable {
    private let socket: Int32
    private var pending: [UInt8] = []

    /// Connects to the broker on 127.0.0.1:`port` and waits for its CONNACK.
    public init(port: Int, clientID: String) throws {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CampaignError("burst publisher: socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw CampaignError("burst publisher: cannot connect to 127.0.0.1:\(port): \(reason)")
        }
        socket = descriptor
        // CONNECT: protocol name "MQTT", level 4 (3.1.1), flags: clean session; keep-alive 0.
        let id = Array(clientID.utf8)
        let variable: [UInt8] = [0, 4] + Array("MQTT".utf8) + [4, 0x02, 0, 0] + [UInt8(id.count >> 8), UInt8(id.count & 0xFF)] + id
        var connect: [UInt8] = [0x10]
        Self.appendRemainingLength(variable.count, to: &connect)
        connect += variable
        pending = connect
        do {
            try flush()
            // CONNACK: 0x20, remaining length 2, session present, return code (0: accepted).
            var ack = [UInt8](repeating: 0, count: 4)
            var received = 0
            while received < 4 {
                let count = ack.withUnsafeMutableBytes { Glibc.recv(descriptor, $0.baseAddress! + received, 4 - received, 0) }
                guard count > 0 else { throw CampaignError("burst publisher: the broker closed the connection before its CONNACK") }
                received += count
            }
            guard ack[0] == 0x20, ack[1] == 2, ack[3] == 0 else {
                throw CampaignError("burst publisher: the broker refused the connection (CONNACK \(ack))")
            }
        } catch {
            // Initialised by now: deinit closes the socket.
            throw error
        }
    }

    deinit {
        Glibc.close(socket)
    }

    /// Adds a QoS 0 PUBLISH of `payload` to `topic` to what the next `flush()` sends.
    public func append(topic: String, payload: String) {
        let topicLength = topic.utf8.count
        pending.append(0x30)
        Self.appendRemainingLength(2 + topicLength + payload.utf8.count, to: &pending)
        pending.append(UInt8(topicLength >> 8))
        pending.append(UInt8(topicLength & 0xFF))
        pending.append(contentsOf: topic.utf8)
        pending.append(contentsOf: payload.utf8)
    }

    /// Sends everything appended so far (blocking while the broker's socket buffer is full).
    public func flush() throws {
        var offset = 0
        while offset < pending.count {
            let count = pending.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CampaignError("burst publisher: send: \(String(cString: strerror(errno)))")
            }
            offset += count
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// MQTT's variable-length "remaining length": 7 bits a byte, the high bit set while more follow.
    static func appendRemainingLength(_ length: Int, to bytes: inout [UInt8]) {
        var rest = length
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest > 0 { byte |= 0x80 }
            bytes.append(byte)
        } while rest > 0
    }
}
