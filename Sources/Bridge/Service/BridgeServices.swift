import Foundation
import Logging
import Metering
import PriceSources
import ServiceLifecycle
import Tariffs
import UnixSignals

/// The running bridge: its services, built once here for `chargebridge run`, the demo, the
/// bench and the tests, and run by one `ServiceGroup` that starts them in this order and stops
/// them in reverse:
///
/// 1. ``DiscoveryPublisher``: Home Assistant discovery, when switched on (it stops after the
///    connection: the acknowledgements its announcement waits for end only with the client).
/// 2. ``BrokerConnection``: the MQTT client; messages and (re)connections become events.
/// 3. ``LedgerWriter``: records and sessions to SQLite, in order, beside the loop.
/// 4. ``CostPublisher``: the session and cost topics, read and priced from the ledger.
/// 5. ``BridgeLoop``: every event through ``BridgeCore``, its actions executed.
/// 6. ``TickSource``, ``TariffFileWatcher``, one ``PricePollerService`` per day-ahead source:
///    the other inputs, as events.
///
/// Every input reaches the loop through one ``BridgeEvents`` channel. Stopping (SIGTERM, or the
/// task cancelled) the inputs end first, then the loop flushes the energy metered so far, the
/// costs on it are published, the ledger writes finish, and the connection says `offline`.
public struct BridgeServices: Sendable {
    public let config: BridgeConfig
    /// The services in start order.
    let services: [any Service]
    private let logger: Logger

    /// How long a stop may take before the services still running are cancelled.
    public static let gracefulShutdownTimeout: Duration = .seconds(10)

    /// Opens the ledger, reads the prices it holds, and prepares the services (nothing is
    /// connected yet).
    /// - Parameters:
    ///   - clock: the bridge's only time (an accelerated one in the demo).
    ///   - tariffReloadInterval: how often the tariff file and its prices CSV are checked for changes.
    ///   - priceSource: the HTTP fetcher for an `awattar` or `entsoe` price source.
    ///   - pollingPolicy: when those sources are asked, and when prices count as complete.
    /// - Throws: `LedgerError` or `MQTTError` with one sentence saying what is wrong.
    public init(
        config: BridgeConfig, logger: Logger, clock: any BridgeClock = SystemClock(), tariffReloadInterval: Duration = .seconds(10),
        priceSource: @Sendable (PriceSourceSpec) -> (any DayAheadPriceSource)? = { $0.dayAheadSource() },
        pollingPolicy: PollingPolicy = PollingPolicy()
    ) throws {
        self.config = config
        self.logger = logger
        let ledger = try Ledger(path: config.databasePath)
        let events = BridgeEvents()
        let core = BridgeCore(config: config, pollingPolicy: pollingPolicy)
        let connection = try BrokerConnection(config: config, subscriptions: core.subscriptions, farewell: core.farewell, events: events, logger: logger)
        let writer = LedgerWriter(ledger: ledger, logger: logger)
        let costs = CostPublisher(config: config, ledger: ledger, writer: writer, connection: connection, clock: clock, logger: logger)
        let announcer = config.discovery.map { DiscoveryAnnouncer(discovery: HomeAssistantDiscovery(config: config, prefix: $0.prefix)) }
        let stored = Self.storedPrices(of: config.tariffs.livePriceSources, in: ledger, logger: logger)

        var services: [any Service] = announcer.map { [DiscoveryPublisher(announcer: $0, connection: connection, logger: logger)] } ?? []
        services += [connection, writer, costs] as [any Service]
        services.append(BridgeLoop(
            core: core, events: events, storedPrices: stored, ledger: ledger, writer: writer, connection: connection,
            costs: costs, announcer: announcer, clock: clock, logger: logger))
        services.append(TickSource(config: config, clock: clock, events: events))
        services.append(TariffFileWatcher(config: config, interval: tariffReloadInterval, clock: clock, events: events, logger: logger))
        // Day-ahead sources over HTTP, each polled on the market's schedule.
        for source in config.tariffs.livePriceSources where source.kind == .awattar || source.kind == .entsoe {
            guard let fetcher = priceSource(source) else {
                logger.error("price source \(source.name) cannot be used; planning with the stored prices and the forecast")
                continue
            }
            let history = try stored[source] ?? SpotPriceSeries(rows: [], source: source.name)
            services.append(PricePollerService(source: source, fetcher: fetcher, policy: pollingPolicy, history: history, clock: clock, events: events))
        }
        self.services = services
    }

    /// The group that runs the services; `gracefulShutdownSignals` (SIGTERM, SIGINT in
    /// `chargebridge run`) stop them in reverse order, within ``gracefulShutdownTimeout``.
    public func serviceGroup(gracefulShutdownSignals: [UnixSignal] = []) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0, serviceName: "\(type(of: $0))") },
            gracefulShutdownSignals: gracefulShutdownSignals,
            logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.gracefulShutdownTimeout
        return ServiceGroup(configuration: configuration)
    }

    /// Runs the services until the task is cancelled, which stops them as SIGTERM does, or
    /// until the broker refuses the bridge for good (that error is thrown).
    public func run() async throws {
        let group = serviceGroup()
        // Not cancelled with this task: a cancellation is a graceful shutdown, in order.
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// The prices stored by earlier runs, so a restart without network still plans on what was
    /// received; sources with none are left out.
    private static func storedPrices(of sources: [PriceSourceSpec], in ledger: Ledger, logger: Logger) -> [PriceSourceSpec: SpotPriceSeries] {
        var stored: [PriceSourceSpec: SpotPriceSeries] = [:]
        for source in sources {
            do {
                let series = try ledger.spotPrices(source: source.name)
                if series.lastEnd != nil { stored[source] = series }
            } catch {
                logger.error("ledger: \(error)")
            }
        }
        return stored
    }
}
