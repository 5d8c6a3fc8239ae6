import Logging
import ServiceLifecycle

/// Home Assistant discovery, as a service: the announcements the bridge loop asks for
/// (``BridgeAction/announceDiscovery``), a window at a time through the broker connection.
/// Started before the connection, so it stops after it: a window still waiting for the broker's
/// acknowledgements is released by the client's shutdown (an MQTT client's wait for an
/// acknowledgement cannot be cancelled).
struct DiscoveryPublisher: Service {
    let announcer: DiscoveryAnnouncer
    let connection: BrokerConnection
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { [announcer, connection, logger] in
            await announcer.run(
                publish: { message in await connection.publishAcknowledged(message.payload, to: message.topic) },
                finished: { count in logger.debug("Home Assistant discovery: \(count) entities announced") })
        }
    }
}
