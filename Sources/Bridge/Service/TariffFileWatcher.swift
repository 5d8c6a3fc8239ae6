import Foundation
import Logging
import PriceSources
import ServiceLifecycle
import Tariffs

/// New prices in the tariff file (or the prices CSV it names), as a service: the files are read
/// again when their modification time or size changed, and prices that differ over the next two
/// days reach the bridge loop as ``BridgeEvent/tariffFileChanged(_:)``. A file that fails to
/// load is reported once, until it changes again.
struct TariffFileWatcher: Service {
    let config: BridgeConfig
    /// How often the files are checked.
    let interval: Duration
    let clock: any BridgeClock
    let events: BridgeEvents
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var current = config.tariff
            func stamps(_ set: TariffSet) -> [PriceFileWatcher.Stamp?] {
                ([config.tariffPath] + [set.importTariff, set.exportTariff].map { $0?.dynamic?.source?.filePath })
                    .map { $0.flatMap(PriceFileWatcher.Stamp.of) }
            }
            var loaded = config.tariffs
            var seen = stamps(loaded)
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    let changed = stamps(loaded)
                    guard changed != seen else { continue }
                    seen = changed
                    guard let set = try config.reloadTariffs(), let fresh = set.importTariff else { continue }
                    loaded = set
                    seen = stamps(loaded)
                    let now = clock.now()
                    if fresh.rates(from: now, to: now.addingTimeInterval(2 * 86_400)) != current.rates(from: now, to: now.addingTimeInterval(2 * 86_400)) {
                        current = fresh
                        events.send(.tariffFileChanged(set))
                    }
                } catch {
                    logger.warning("tariff \(config.tariffPath ?? ""): \(error); keeping the prices loaded before")
                }
            }
        }
    }
}
