import Foundation
import Logging
import Metering
import MQTT
import ServiceLifecycle
import Tariffs

/// The running bridge: connects to the broker, feeds ``BridgeCore`` with messages, connection
/// changes and ticks, one event at a time, and executes its actions (publish, ledger writes,
/// cost queries). Stops on cancellation (SIGINT/SIGTERM in `chargebridge run`), flushing the
/// energy metered so far and saying `offline`.
public final class BridgeService: Service, Sendable {
    public let config: BridgeConfig
    private let logger: Logger
    private let clock: any BridgeClock
    private let ledger: Ledger
    private let client: MQTTClient
    private let costRefreshes = CostRefreshQueue()

    /// Why the bridge stopped when it could not go on (a refused login, say).
    public enum Failure: Error, CustomStringConvertible {
        case broker(MQTTError)

        public var description: String {
            switch self {
            case let .broker(error): "cannot use the broker: \(error)"
            }
        }
    }

    /// Opens the ledger and prepares the MQTT client (nothing is connected yet).
    /// - Throws: `LedgerError` or `MQTTError` with one sentence saying what is wrong.
    public init(config: BridgeConfig, logger: Logger, clock: any BridgeClock = SystemClock(), tariffReloadInterval: Duration = .seconds(60)) throws {
        self.config = config
        self.tariffReloadInterval = tariffReloadInterval
        self.logger = logger
        self.clock = clock
        ledger = try Ledger(path: config.databasePath)
        var mqtt = try MQTTConfiguration(url: config.broker.displayURL, clientID: config.broker.clientId)
        mqtt.keepAliveSeconds = config.broker.keepAliveSeconds
        mqtt.protocolVersion = config.broker.protocolVersion == .v5 ? .v5 : .v311
        mqtt.username = config.broker.username
        mqtt.password = config.broker.password?.revealed
        if config.broker.usesTLS {
            mqtt.tls = MQTTTLSOptions(caFile: config.broker.caFile, certificateFile: config.broker.certFile,
                                      keyFile: config.broker.keyFile, insecure: config.broker.insecure)
        }
        mqtt.will = MQTTWill(topic: "\(config.baseTopic)/status", text: "offline", qos: .atLeastOnce, retain: true)
        mqtt.reconnectDelayMax = .seconds(5)
        client = try MQTTClient(configuration: mqtt, logger: logger)
    }

    private enum Input: Sendable {
        case event(BridgeEvent)
        case failed(MQTTError)
        /// The tariff file's prices changed.
        case tariff(Tariff)
    }

    /// How often the tariff file (and the prices it names) is read again.
    private let tariffReloadInterval: Duration

    /// Runs until a graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`), the task is
    /// cancelled, or the broker refuses the bridge for good.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.serve()
        }
    }

    private func serve() async throws {
        var core = BridgeCore(config: config)
        let (inputs, continuation) = AsyncStream<Input>.makeStream()
        logger.info("connecting to \(config.broker.displayURL) as \(config.broker.clientId)")
        client.start()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [client] in
                for await message in client.messages {
                    continuation.yield(.event(.message(topic: message.topic, payload: message.payload)))
                }
            }
            let subscribed = Locked(false)
            group.addTask { [client, logger] in
                for await state in client.stateUpdates() {
                    switch state {
                    case .connected:
                        // Announce only once every subscription is registered (a plug-in sent
                        // before would be lost), and give the retained messages their moment,
                        // so the bridge reads its own retained state before it publishes anything.
                        while !subscribed.value { try? await Task.sleep(for: .milliseconds(10)) }
                        try? await Task.sleep(for: .milliseconds(300))
                        logger.debug("broker connection ready")
                        continuation.yield(.event(.connected))
                    case let .failed(error):
                        continuation.yield(.failed(error))
                    case let .reconnecting(lastError):
                        logger.warning("broker connection lost; reconnecting\(lastError.map { " (\($0))" } ?? "")")
                    default:
                        break
                    }
                }
            }
            group.addTask { [clock, config, logger, tariffReloadInterval] in
                // New prices in the tariff file (or its CSV): re-plan on them.
                var current = config.tariff
                while !Task.isCancelled {
                    try await Task.sleep(for: tariffReloadInterval)
                    do {
                        guard let fresh = try config.reloadTariffs()?.importTariff else { continue }
                        let now = clock.now()
                        if fresh.rates(from: now, to: now.addingTimeInterval(2 * 86_400)) != current.rates(from: now, to: now.addingTimeInterval(2 * 86_400)) {
                            current = fresh
                            continuation.yield(.tariff(fresh))
                        }
                    } catch {
                        logger.warning("tariff \(config.tariffPath ?? ""): \(error); keeping the prices loaded before")
                    }
                }
            }
            group.addTask { [clock, config] in
                let interval = min(config.metering.flushIntervalSeconds, 1) / 2
                while !Task.isCancelled {
                    try await clock.sleep(seconds: interval)
                    continuation.yield(.event(.tick))
                }
            }

            group.addTask { [self] in
                // Session and cost topics from the ledger, beside the readings: each refresh is
                // followed by a pause three times as long as it took, so costs take at most a
                // quarter of a core and, under load, the cost topics lag rather than the readings.
                for await _ in costRefreshes.wakeUps {
                    while !Task.isCancelled, let refresh = costRefreshes.next() {
                        let started = ContinuousClock.now
                        await publishCosts(vehicleId: refresh.vehicleId, sessionId: refresh.sessionId)
                        try? await Task.sleep(for: (ContinuousClock.now - started) * 3)
                    }
                }
            }

            // Subscriptions are remembered by the client and restored on every reconnect; they
            // are registered all at once, beside the event loop, which must not wait for them.
            group.addTask { [self, subscriptions = core.subscriptions] in
                do {
                    try await withThrowingTaskGroup(of: Void.self) { registering in
                        // At most 32 at a time: a task per topic for each of a thousand vehicles'
                        // nine topics took some 60 MB that the process kept.
                        var topics = subscriptions.makeIterator()
                        for _ in 0..<32 {
                            guard let topic = topics.next() else { break }
                            registering.addTask { try await self.subscribeWhenPossible(topic) }
                        }
                        while try await registering.next() != nil {
                            if let topic = topics.next() {
                                registering.addTask { try await self.subscribeWhenPossible(topic) }
                            }
                        }
                    }
                    subscribed.withLock { $0 = true }
                    self.logger.debug("subscribed to \(subscriptions.count) topics")
                } catch let failure as Failure {
                    if case let .broker(error) = failure { continuation.yield(.failed(error)) }
                }
            }
            for vehicle in config.vehicles {
                if let open = try ledger.openSession(deviceId: vehicle.id) {
                    let restored = RestoredSession(
                        sessionId: open.sessionReferenceId, startedAt: open.start, energyWh: open.importEnergyWh,
                        meteredUntil: max(open.end, open.start), counterWh: open.lastCounterWh)
                    await execute(core.handle(.sessionRestored(vehicleId: vehicle.id, restored), now: clock.now()))
                }
            }

            defer { continuation.finish() }
            do {
                for await input in inputs {
                    try Task.checkCancellation()
                    switch input {
                    case let .event(event):
                        if case let .message(topic, _) = event { logger.trace("message on \(topic)") }
                        await execute(core.handle(event, now: clock.now()))
                    case let .failed(error):
                        throw Failure.broker(error)
                    case let .tariff(tariff):
                        logger.notice("new prices in \(config.tariffPath ?? "the tariff"); re-planning")
                        core.updateTariff(tariff)
                        await execute(core.handle(.pricesChanged, now: clock.now()))
                    }
                }
            } catch {
                group.cancelAll()
                await stop(core: &core)
                // Cancelled (SIGTERM) while messages were still queued: a clean stop all the same,
                // not an error exit (found by `make load`: "chargebridge: CancellationError()", exit 1).
                if error is CancellationError { return }
                throw error
            }
            // The stream ends when the task is cancelled (SIGINT/SIGTERM).
            group.cancelAll()
            await stop(core: &core)
        }
    }

    /// Registers a subscription, retrying while the broker is away; an attempt that gets no
    /// answer within 5 s is made again (the connection may have dropped under it).
    private func subscribeWhenPossible(_ topic: String) async throws {
        while !Task.isCancelled {
            do {
                try await withThrowingTaskGroup(of: Bool.self) { attempt in
                    attempt.addTask { [client] in
                        try await client.subscribe(topic, qos: .atLeastOnce)
                        return true
                    }
                    attempt.addTask {
                        try await Task.sleep(for: .seconds(5))
                        return false
                    }
                    defer { attempt.cancelAll() }
                    guard try await attempt.next() == true else { throw MQTTError.notConnected(topic: topic) }
                }
                return
            } catch let error as MQTTError where error.isFatal {
                throw Failure.broker(error)
            } catch {
                if Task.isCancelled { return }
                logger.debug("subscribing to \(topic) again: \(error)")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Final flush on the way out: energy metered up to now is stored, then `offline`.
    private func stop(core: inout BridgeCore) async {
        await execute(core.handle(.tick, now: clock.now()))
        while let refresh = costRefreshes.next() {
            await publishCosts(vehicleId: refresh.vehicleId, sessionId: refresh.sessionId)
        }
        // Not cancelled with the bridge's task: the last words must still go out.
        let client = client
        let topic = "\(config.baseTopic)/status"
        await Task.detached {
            try? await client.publish("offline", to: topic, qos: .atLeastOnce, retain: true)
            await client.shutdown()
        }.value
        logger.info("stopped")
    }

    // MARK: Executing actions

    private func execute(_ actions: [BridgeAction]) async {
        var records: [MeterRecord] = []
        for action in actions {
            switch action {
            case let .publish(topic, payload, retain):
                await publish(payload, to: topic, retain: retain)
            case let .record(record):
                records.append(MeterRecord(
                    start: record.start, end: record.end, deviceId: record.vehicleId, locationId: record.locationId,
                    sessionReferenceId: record.sessionId, recordReferenceId: record.recordId, energyWh: record.energyWh,
                    counterWh: record.counterWh))
            case let .sessionOpened(vehicleId, sessionId, at, counterWh):
                store { try ledger.openSession(sessionId, deviceId: vehicleId, locationId: config.location.id, at: at, counterWh: counterWh) }
            case let .sessionClosed(_, sessionId, at):
                if !records.isEmpty {
                    store { _ = try ledger.append(records) }
                    records.removeAll()
                }
                store { try ledger.closeSession(sessionId, at: at) }
            case let .refreshCosts(vehicleId, sessionId):
                costRefreshes.add(vehicleId: vehicleId, sessionId: sessionId)
            case let .log(level, message):
                logger.log(level: Logger.Level(level), "\(message)")
            }
        }
        if !records.isEmpty {
            store { _ = try ledger.append(records) }
        }
    }

    /// Hands the message to libmosquitto in order, without waiting for the broker's
    /// acknowledgement; QoS 1 messages are queued by the client while disconnected.
    private func publish(_ payload: String, to topic: String, retain: Bool) async {
        do {
            try await client.publish(payload, to: topic, qos: .atLeastOnce, retain: retain, waitForAcknowledgement: false)
        } catch {
            logger.warning("could not publish to \(topic): \(error)")
        }
    }

    private func store(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            logger.error("ledger: \(error)")
        }
    }

    private func publishCosts(vehicleId: String, sessionId: String?) async {
        guard let vehicle = config.vehicles.first(where: { $0.id == vehicleId }) else { return }
        let now = clock.now()
        do {
            if let sessionId {
                let info = try ledger.session(sessionId)
                var payload = SessionPayload(info: info, currency: config.tariff.currency)
                if info.recordCount > 0, let cost = try? ledger.sessionCost(sessionId, tariffs: config.tariffs) {
                    payload.cost = cost.total.cost
                    payload.averagePrice = cost.total.averagePricePerKWh
                    payload.savings = cost.savings
                    payload.confidence = cost.total.reportedConfidence
                }
                await publish(payload.json(), to: vehicle.topics.session, retain: true)
            }
            let today = try ledger.periodCost(.day, containing: now, deviceId: vehicleId, tariffs: config.tariffs)
            let month = try ledger.periodCost(.month, containing: now, deviceId: vehicleId, tariffs: config.tariffs)
            await publish(SessionPayload.money(today.cost), to: vehicle.topics.costToday, retain: true)
            await publish(SessionPayload.money(month.cost), to: vehicle.topics.costMonth, retain: true)
        } catch {
            logger.error("costs for \(vehicleId): \(error)")
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
