import Foundation
import Locking
import Logging
import Metering
import ServiceLifecycle
import Tariffs

/// The session and cost topics, as a service: works through the refreshes the bridge loop asks
/// for (``BridgeAction/refreshCosts(vehicleId:sessionId:)``), reading and pricing what the
/// ledger holds, beside the readings. Stopping, it publishes every refresh asked for until then,
/// after the last writes.
final class CostPublisher: Service, Sendable {
    /// Vehicles whose costs are refreshed between two pauses.
    static let batchSize = 50

    private let refreshes = CostRefreshQueue()
    /// The tariffs costs are priced with, and a version counted up at every change (running
    /// costs are priced again then).
    private let tariffs: Locked<(set: TariffSet, version: Int)>
    /// Each vehicle's session, day and month costs, brought up to date by each refresh.
    private let runningCosts = Locked<[String: RunningCosts]>([:])
    /// The configured vehicles by id.
    private let vehicles: [String: VehicleConfig]
    private let currency: String
    /// What solar energy is priced at in the session's cost (docs/costs.md).
    private let solarPrice: SolarPrice
    private let ledger: Ledger
    private let writer: LedgerWriter
    private let connection: BrokerConnection
    private let clock: any BridgeClock
    private let logger: Logger

    init(config: BridgeConfig, ledger: Ledger, writer: LedgerWriter, connection: BrokerConnection, clock: any BridgeClock, logger: Logger) {
        tariffs = Locked((config.tariffs, 0))
        vehicles = Dictionary(config.vehicles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        currency = config.tariff.currency
        // The configured export price (`location.solar.export_price`), else the tariff's EXPORT
        // prices, else 0.
        solarPrice = SolarPrice(fixedPerKWh: config.location.solar?.exportPricePerKWh)
        self.ledger = ledger
        self.writer = writer
        self.connection = connection
        self.clock = clock
        self.logger = logger
    }

    /// Asks for the vehicle's topics to be refreshed (once, however often asked before its turn).
    func request(vehicleId: String, sessionId: String?) {
        refreshes.add(vehicleId: vehicleId, sessionId: sessionId)
    }

    /// Prices costs with `set` from now on.
    func price(with set: TariffSet) {
        tariffs.withLock { $0 = (set, $0.version + 1) }
    }

    /// In batches: the ledger writes asked for before are waited for once per batch, and each
    /// batch is followed by a pause three times as long as it took, so costs take at most a
    /// quarter of a core and, under load, the cost topics lag rather than the readings. (A pause
    /// and a wait per refresh, 500 a second at `make load`, cost more than the refreshes.)
    func run() async throws {
        for await _ in refreshes.wakeUps.cancelOnGracefulShutdown() {
            while !Task.isCancelled {
                let batch = refreshes.next(upTo: Self.batchSize)
                if batch.isEmpty { break }
                let started = ContinuousClock.now
                await publishCosts(batch)
                try? await Task.sleep(for: (ContinuousClock.now - started) * 3)
            }
        }
        // Stopping: the energy metered so far is stored, and the costs on it are published.
        await writer.drain()
        while case let batch = refreshes.next(upTo: Self.batchSize), !batch.isEmpty {
            await publishCosts(batch)
        }
    }

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
            var running = runningCosts.withLock { $0.removeValue(forKey: vehicleId) } ?? RunningCosts(deviceId: vehicleId, maximumPowerW: vehicle.maxPowerW, solarPrice: solarPrice)
            let costs = try running.refresh(ledger: ledger, sessionId: sessionId, now: now, tariffs: pricing.set, pricesVersion: pricing.version)
            runningCosts.withLock { $0[vehicleId] = running }
            if let info = costs.info {
                var payload = SessionPayload(info: info, currency: currency)
                if let total = costs.session {
                    payload.cost = total.cost
                    payload.averagePrice = total.averagePricePerKWh
                    payload.savings = costs.savings
                    payload.confidence = total.reportedConfidence
                }
                await connection.publish(payload.json(), to: vehicle.topics.session, retain: true)
            }
            await connection.publish(SessionPayload.money(costs.day.cost), to: vehicle.topics.costToday, retain: true)
            await connection.publish(SessionPayload.money(costs.month.cost), to: vehicle.topics.costMonth, retain: true)
        } catch {
            logger.error("costs for \(vehicleId): \(error)")
        }
    }
}
