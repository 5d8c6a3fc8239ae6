import Foundation
import Logging
import Metering
import MQTT
import PriceSources
import ServiceLifecycle
import Tariffs

/// The running bridge: connects to the broker, feeds ``BridgeCore`` with messages, connection
/// changes and ticks, one event at a time, and executes its actions (publish, ledger writes,
/// cost queries). Keeps the prices up to date: the tariff file is re-read, live sources
/// (aWATTar, ENTSO-E, an MQTT topic) are polled or listened to, every price received is stored
/// in the ledger, and new prices re-plan. Stops on cancellation (SIGINT/SIGTERM in
/// `chargebridge run`), flushing the energy metered so far and saying `offline`.
public final class BridgeService: Service, Sendable {
    public let config: BridgeConfig
    private let logger: Logger
    private let clock: any BridgeClock
    private let ledger: Ledger
    private let client: MQTTClient
    /// The fetcher of an `awattar` or `entsoe` source (injectable for tests).
    private let priceSource: @Sendable (PriceSourceSpec) -> (any DayAheadPriceSource)?
    /// When day-ahead sources are asked, and when a source counts as up to date.
    private let pollingPolicy: PollingPolicy
    /// The tariffs with the prices received so far: what costs are priced with, and a version
    /// counted up at every change (running costs are priced again then).
    private let tariffs: Locked<(set: TariffSet, version: Int)>
    /// Each vehicle's session, day and month costs, brought up to date by each cost refresh.
    private let runningCosts = Locked<[String: RunningCosts]>([:])
    /// The configured vehicles by id.
    private let vehicles: [String: VehicleConfig]
    private let costRefreshes = CostRefreshQueue()
    /// Records and sessions go to the ledger beside the event loop, in order.
    private let writer: LedgerWriter
    /// Home Assistant discovery, a window at a time beside the event loop (nil when switched off).
    private let announcer: DiscoveryAnnouncer?

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
    /// - Parameters:
    ///   - tariffReloadInterval: how often the tariff file and its prices CSV are checked for changes.
    ///   - priceSource: the HTTP fetcher for an `awattar` or `entsoe` price source.
    ///   - pollingPolicy: when those sources are asked.
    /// - Throws: `LedgerError` or `MQTTError` with one sentence saying what is wrong.
    public init(
        config: BridgeConfig, logger: Logger, clock: any BridgeClock = SystemClock(), tariffReloadInterval: Duration = .seconds(10),
        priceSource: @escaping @Sendable (PriceSourceSpec) -> (any DayAheadPriceSource)? = { $0.dayAheadSource() },
        pollingPolicy: PollingPolicy = PollingPolicy()
    ) throws {
        self.config = config
        self.tariffReloadInterval = tariffReloadInterval
        self.priceSource = priceSource
        self.pollingPolicy = pollingPolicy
        tariffs = Locked((config.tariffs, 0))
        vehicles = Dictionary(config.vehicles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
        self.clock = clock
        ledger = try Ledger(path: config.databasePath)
        writer = LedgerWriter(ledger: ledger, logger: logger)
        announcer = config.discovery.map { DiscoveryAnnouncer(discovery: HomeAssistantDiscovery(config: config, prefix: $0.prefix)) }
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
        case tariffFile(TariffSet)
        /// A day-ahead source's prices, all known so far.
        case prices(PriceSourceSpec, SpotPriceSeries)
        /// A day-ahead source's status changed.
        case priceStatus(PriceSourceSpec, PriceSourceStatus)
    }

    /// How often the tariff file (and the prices CSV it names) is checked for changes.
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
        var prices = restoredPrices()
        if let importTariff = prices.effective.importTariff, !prices.received.isEmpty {
            core.updateTariff(importTariff)
            tariffs.withLock { $0 = (prices.effective, $0.version + 1) }
        }
        var statuses: [PriceSourceSpec: PriceStatusPayload] = [:]
        let priceTopics = Dictionary(prices.sources.compactMap { source in source.topic.map { ($0, source) } }, uniquingKeysWith: { first, _ in first })
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
                // New prices in the tariff file (or its CSV): re-plan on them. The files are read
                // again only when their modification time or size changed.
                var current = config.tariff
                func stamps(_ set: TariffSet) -> [PriceFileWatcher.Stamp?] {
                    ([config.tariffPath] + [set.importTariff, set.exportTariff].map { $0?.dynamic?.source?.filePath })
                        .map { $0.flatMap(PriceFileWatcher.Stamp.of) }
                }
                var loaded = config.tariffs
                var seen = stamps(loaded)
                while !Task.isCancelled {
                    try await Task.sleep(for: tariffReloadInterval)
                    do {
                        // A file that fails to load is reported once, until it changes again.
                        let changed = stamps(loaded)
                        guard changed != seen else { continue }
                        seen = changed
                        guard let set = try config.reloadTariffs(), let fresh = set.importTariff else { continue }
                        loaded = set
                        seen = stamps(loaded)
                        let now = clock.now()
                        if fresh.rates(from: now, to: now.addingTimeInterval(2 * 86_400)) != current.rates(from: now, to: now.addingTimeInterval(2 * 86_400)) {
                            current = fresh
                            continuation.yield(.tariffFile(set))
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

            // Day-ahead sources over HTTP, each polled on the market's schedule.
            for source in prices.sources where source.kind == .awattar || source.kind == .entsoe {
                guard let fetcher = priceSource(source) else {
                    logger.error("price source \(source.name) cannot be used; planning with the stored prices and the forecast")
                    continue
                }
                let poller = PricePoller(
                    source: fetcher, policy: pollingPolicy, history: prices.series(of: source),
                    now: { [clock] in clock.now() },
                    sleep: { [clock] until in try await clock.sleep(seconds: max(0, until.timeIntervalSince(clock.now()))) },
                    onPrices: { continuation.yield(.prices(source, $0)) },
                    onStatus: { continuation.yield(.priceStatus(source, $0)) })
                group.addTask { await poller.run() }
            }

            if let announcer {
                group.addTask { [client, logger] in
                    await announcer.run(
                        publish: { message in
                            do {
                                try await client.publish(message.payload, to: message.topic, qos: .atLeastOnce, retain: true)
                            } catch MQTTError.shutDown {
                                // Stopping during an announcement: the rest is for the next start.
                            } catch {
                                logger.warning("could not publish to \(message.topic): \(error)")
                            }
                        },
                        finished: { count in logger.debug("Home Assistant discovery: \(count) entities announced") })
                }
            }

            group.addTask { [self] in
                // Session and cost topics from the ledger, beside the readings, in batches: the
                // ledger writes asked for before are waited for once per batch, and each batch is
                // followed by a pause three times as long as it took, so costs take at most a
                // quarter of a core and, under load, the cost topics lag rather than the readings.
                // (A pause and a wait per refresh, 500 a second at `make load`, cost more than
                // the refreshes.)
                for await _ in costRefreshes.wakeUps {
                    while !Task.isCancelled {
                        let batch = costRefreshes.next(upTo: Self.costRefreshBatch)
                        if batch.isEmpty { break }
                        let started = ContinuousClock.now
                        await publishCosts(batch)
                        try? await Task.sleep(for: (ContinuousClock.now - started) * 3)
                    }
                }
            }

            // Subscriptions are remembered by the client and restored on every reconnect; they
            // are registered all at once, beside the event loop, which must not wait for them.
            group.addTask { [self, subscriptions = core.subscriptions + priceTopics.keys.sorted()] in
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
                    Heap.returnFree()
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

            for source in prices.sources where source.kind == .mqtt {
                let known = prices.series(of: source).lastEnd
                await report(.waiting(knownUntil: known), of: source, prices: prices, statuses: &statuses)
            }

            defer { continuation.finish() }
            do {
                for await input in inputs {
                    try Task.checkCancellation()
                    switch input {
                    case let .event(.message(topic, payload)) where priceTopics[topic] != nil:
                        let source = priceTopics[topic]!
                        let text = String(decoding: payload, as: UTF8.self)
                        // An empty payload clears a retained message: nothing to learn from it.
                        guard !text.allSatisfy(\.isWhitespace) else { continue }
                        let status: PriceSourceStatus
                        do {
                            let rows = try SpotPriceSeries(jsonPayload: text, topic: "payload").rows
                            let merged = prices.series(of: source).merging(rows)
                            store { try ledger.storeSpotPrices(rows, source: source.name, receivedAt: clock.now()) }
                            await apply(merged, from: source, prices: &prices, core: &core)
                            let until = merged.lastEnd
                            status = pollingPolicy.isComplete(knownUntil: until, at: clock.now()) ? .upToDate(knownUntil: until!) : .waiting(knownUntil: until)
                        } catch {
                            status = .failing(.malformed(source: source.name, problem: "\(error)"))
                        }
                        await report(status, of: source, prices: prices, statuses: &statuses)
                    case let .event(event):
                        if case let .message(topic, _) = event { logger.trace("message on \(topic)") }
                        await execute(core.handle(event, now: clock.now()))
                        if case .connected = event {
                            // A restarted broker may have lost the retained statuses.
                            for payload in statuses.values.sorted(by: { $0.source < $1.source }) {
                                await publish(payload.json(), to: statusTopic(of: payload.source, prices: prices), retain: true)
                            }
                        }
                    case let .failed(error):
                        throw Failure.broker(error)
                    case let .tariffFile(set):
                        logger.notice("new prices in \(config.tariffPath ?? "the tariff"); re-planning")
                        if set.livePriceSources != prices.sources {
                            logger.warning("the tariff file names other price sources now; restart the bridge to use them")
                        }
                        prices.rebase(set)
                        await replan(on: prices, core: &core)
                    case let .prices(source, series):
                        // Store what is new, then plan on it.
                        let known = Set(prices.series(of: source).rows)
                        let fresh = series.rows.filter { !known.contains($0) }
                        store { try ledger.storeSpotPrices(fresh, source: source.name, receivedAt: clock.now()) }
                        await apply(series, from: source, prices: &prices, core: &core)
                    case let .priceStatus(source, status):
                        await report(status, of: source, prices: prices, statuses: &statuses)
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

    // MARK: Prices

    /// The tariffs with the prices stored by earlier runs laid over them, so a restart without
    /// network still plans on what was received.
    private func restoredPrices() -> LivePrices {
        var prices = LivePrices(base: config.tariffs)
        for source in prices.sources {
            do {
                let stored = try ledger.spotPrices(source: source.name)
                guard let until = stored.lastEnd else { continue }
                prices.receive(stored, from: source)
                logger.info("\(source.name): \(stored.rows.count) stored prices, known until \(Timestamp.format(until))")
            } catch {
                logger.error("ledger: \(error)")
            }
        }
        return prices
    }

    /// New prices from `source`: plans are re-made when they change anything.
    private func apply(_ series: SpotPriceSeries, from source: PriceSourceSpec, prices: inout LivePrices, core: inout BridgeCore) async {
        guard prices.receive(series, from: source) else { return }
        logger.notice("\(source.name): prices known until \(series.lastEnd.map { Timestamp.format($0) } ?? "-"); re-planning")
        await replan(on: prices, core: &core)
    }

    private func replan(on prices: LivePrices, core: inout BridgeCore) async {
        tariffs.withLock { $0 = (prices.effective, $0.version + 1) }
        if let importTariff = prices.effective.importTariff { core.updateTariff(importTariff) }
        await execute(core.handle(.pricesChanged, now: clock.now()))
    }

    /// A source's status, logged and published (retained) when it changes; a failing source
    /// is reported once, not on every retry.
    private func report(_ status: PriceSourceStatus, of source: PriceSourceSpec, prices: LivePrices,
                        statuses: inout [PriceSourceSpec: PriceStatusPayload]) async {
        guard statuses[source]?.status != status else { return }
        let payload = PriceStatusPayload(source: source.name, status: status, knownUntil: prices.series(of: source).lastEnd, updated: clock.now())
        statuses[source] = payload
        switch status {
        case .failing:
            let known = payload.knownUntil.map { "the prices known until \(Timestamp.format($0))" } ?? "the tariff's own prices"
            logger.warning("price source \(status); planning goes on with \(known) and the forecast")
        case .upToDate, .waiting:
            logger.info("price source \(source.name): \(status)")
        }
        await publish(payload.json(), to: statusTopic(of: source.name, prices: prices), retain: true)
    }

    /// `<base>/prices/status` for the import tariff's source, `<base>/prices/export/status` for
    /// a separate source of the export tariff.
    private func statusTopic(of sourceName: String, prices: LivePrices) -> String {
        let exportOnly = prices.base.importTariff?.dynamic?.source?.name != sourceName
        return "\(config.baseTopic)/prices/\(exportOnly ? "export/" : "")status"
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
        await writer.drain()
        while case let batch = costRefreshes.next(upTo: Self.costRefreshBatch), !batch.isEmpty {
            await publishCosts(batch)
        }
        // Not cancelled with the bridge's task: the last words must still go out.
        let client = client
        let topic = "\(config.baseTopic)/status"
        // With the broker away the acknowledgement never comes: 2 s, then the client stops
        // (which ends the wait), so SIGTERM always ends the process.
        await Task.detached {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await client.publish("offline", to: topic, qos: .atLeastOnce, retain: true) }
                group.addTask { try? await Task.sleep(for: .seconds(2)) }
                await group.next()
                await client.shutdown()
                group.cancelAll()
            }
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
                let locationId = config.location.id
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
                costRefreshes.add(vehicleId: vehicleId, sessionId: sessionId)
            case let .log(level, message):
                logger.log(level: Logger.Level(level), "\(message)")
            }
        }
        if !records.isEmpty {
            writer.write { [records] in _ = try $0.append(records) }
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

    /// Vehicles whose costs are refreshed between two pauses of the cost worker.
    static let costRefreshBatch = 50

    private func publishCosts(_ batch: [CostRefreshQueue.Refresh]) async {
        // Read what was written up to the moment the refreshes were asked for (a closed session
        // must not be published as open).
        await writer.drain()
        for refresh in batch {
            await publishCosts(vehicleId: refresh.vehicleId, sessionId: refresh.sessionId)
            // Let the event loop in between, so a batch does not hold a thread of the pool for
            // its whole length.
            await Task.yield()
        }
    }

    private func publishCosts(vehicleId: String, sessionId: String?) async {
        guard let vehicle = vehicles[vehicleId] else { return }
        let now = clock.now()
        do {
            let pricing = tariffs.value
            // Only the records stored since the vehicle's last refresh are read and priced.
            // Taken out while refreshed, so its arrays are not copied.
            var running = runningCosts.withLock { $0.removeValue(forKey: vehicleId) } ?? RunningCosts(deviceId: vehicleId, maximumPowerW: vehicle.maxPowerW)
            let costs = try running.refresh(ledger: ledger, sessionId: sessionId, now: now, tariffs: pricing.set, pricesVersion: pricing.version)
            runningCosts.withLock { $0[vehicleId] = running }
            if let info = costs.info {
                var payload = SessionPayload(info: info, currency: config.tariff.currency)
                if let total = costs.session {
                    payload.cost = total.cost
                    payload.averagePrice = total.averagePricePerKWh
                    payload.savings = costs.savings
                    payload.confidence = total.reportedConfidence
                }
                await publish(payload.json(), to: vehicle.topics.session, retain: true)
            }
            await publish(SessionPayload.money(costs.day.cost), to: vehicle.topics.costToday, retain: true)
            await publish(SessionPayload.money(costs.month.cost), to: vehicle.topics.costMonth, retain: true)
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
