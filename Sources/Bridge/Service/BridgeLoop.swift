import Foundation
import Locking
import Logging
import Metering
import ServiceLifecycle
import Tariffs

/// The bridge's decisions in motion, as a service: restores what the ledger holds (prices,
/// open sessions), then hands every event of ``BridgeEvents`` to ``BridgeCore``, one at a time,
/// and executes the actions it returns: publishing through the broker connection, ledger writes
/// through the writer, cost refreshes through the cost publisher, discovery through the
/// announcer. Stopping, the energy metered up to then goes to the ledger.
struct BridgeLoop: Service {
    let core: BridgeCore
    let events: BridgeEvents
    /// The prices the ledger holds from earlier runs, by source.
    let storedPrices: [PriceSourceSpec: SpotPriceSeries]
    let ledger: Ledger
    let writer: LedgerWriter
    let connection: BrokerConnection
    let costs: CostPublisher
    let announcer: DiscoveryAnnouncer?
    let clock: any BridgeClock
    let logger: Logger

    func run() async throws {
        var core = core
        await execute(core.handle(.pricesRestored(storedPrices), now: clock.now()))
        if core.config.location.grid != nil {
            do {
                let since = clock.now().addingTimeInterval(-Ledger.houseQuartersKeptSeconds)
                await execute(core.handle(.houseLoadRestored(try ledger.houseQuarters(since: since)), now: clock.now()))
            } catch {
                logger.error("ledger: \(error)")
            }
        }
        for vehicle in core.config.vehicles {
            if let open = try ledger.openSession(deviceId: vehicle.id) {
                let restored = RestoredSession(
                    sessionId: open.sessionReferenceId, startedAt: open.start, energyWh: open.importEnergyWh,
                    meteredUntil: max(open.end, open.start), counterWh: open.lastCounterWh)
                await execute(core.handle(.sessionRestored(vehicleId: vehicle.id, restored), now: clock.now()))
            }
        }
        // Until the bridge stops (SIGINT/SIGTERM), even with messages still queued. (Not
        // `cancelOnGracefulShutdown()`: its merge of two sequences cost a quarter more CPU per
        // reading at `make bench`'s bridge.ingest.)
        let stopping = Locked(false)
        await withGracefulShutdownHandler {
            for await batch in events.stream {
                if stopping.value { break }
                let tracing = logger.logLevel <= .trace
                for event in batch {
                    if tracing, case let .message(topic, _) = event { logger.trace("message on \(topic)") }
                    // Most readings only feed a meter and ask for nothing: no call into `execute`.
                    let actions = core.handle(event, now: clock.now())
                    if !actions.isEmpty { await execute(actions) }
                }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            events.finish()
        }
        await execute(core.handle(.tick, now: clock.now()))
        await writer.drain()
    }

    private func execute(_ actions: [BridgeAction]) async {
        var records: [MeterRecord] = []
        for action in actions {
            switch action {
            case let .publish(topic, payload, retain):
                await connection.publish(payload, to: topic, retain: retain)
            case let .record(record):
                records.append(MeterRecord(
                    start: record.start, end: record.end, deviceId: record.vehicleId, locationId: record.locationId,
                    sessionReferenceId: record.sessionId, recordReferenceId: record.recordId, energyWh: record.energyWh,
                    counterWh: record.counterWh, solarWh: record.solarWh))
            case let .sessionOpened(vehicleId, sessionId, at, counterWh):
                let locationId = core.config.location.id
                writer.write { try $0.openSession(sessionId, deviceId: vehicleId, locationId: locationId, at: at, counterWh: counterWh) }
            case let .sessionClosed(_, sessionId, at):
                if !records.isEmpty {
                    writer.write { [records] in _ = try $0.append(records) }
                    records.removeAll()
                }
                writer.write { try $0.closeSession(sessionId, at: at) }
            case .announceDiscovery:
                announcer?.request()
            case let .refreshCosts(vehicleId, sessionId):
                costs.request(vehicleId: vehicleId, sessionId: sessionId)
            case let .storePrices(rows, source, receivedAt):
                writer.write { try $0.storeSpotPrices(rows, source: source, receivedAt: receivedAt) }
            case let .storeHouseQuarter(quarter, now):
                writer.write { try $0.storeHouseQuarter(quarter, now: now) }
            case let .priceCostsWith(tariffs):
                costs.price(with: tariffs)
            case let .log(level, message):
                logger.log(level: Logger.Level(level), "\(message)")
            }
        }
        if !records.isEmpty {
            writer.write { [records] in _ = try $0.append(records) }
        }
    }
}

extension Logger.Level {
    init(_ level: LogLevel) {
        switch level {
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        }
    }
}
