import Foundation
import PriceSources
import ServiceLifecycle
import Tariffs

/// A day-ahead source (aWATTar, ENTSO-E) polled on the market's schedule, as a service: its
/// prices and status changes reach the bridge loop as ``BridgeEvent/pricesChanged(_:_:)`` and
/// ``BridgeEvent/priceSourceStatus(_:_:)``.
struct PricePollerService: Service {
    let poller: PricePoller

    /// - Parameter history: the source's prices known so far (those stored by earlier runs).
    init(source: PriceSourceSpec, fetcher: any DayAheadPriceSource, policy: PollingPolicy, history: SpotPriceSeries,
         clock: any BridgeClock, events: BridgeEvents) {
        poller = PricePoller(
            source: fetcher, policy: policy, history: history,
            now: { clock.now() },
            sleep: { until in try await clock.sleep(seconds: max(0, until.timeIntervalSince(clock.now()))) },
            onPrices: { events.send(.pricesChanged(source, $0)) },
            onStatus: { events.send(.priceSourceStatus(source, $0)) })
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { [poller] in
            await poller.run()
        }
    }
}
