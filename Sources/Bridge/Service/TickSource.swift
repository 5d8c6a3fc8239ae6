import ServiceLifecycle

/// Time passing, as a service: a ``BridgeEvent/tick`` every half flush interval (at most every
/// half second) of the bridge's clock, so energy is flushed and plans are followed.
struct TickSource: Service {
    let clock: any BridgeClock
    /// Seconds of `clock` between two ticks.
    let intervalSeconds: Double
    let events: BridgeEvents

    init(config: BridgeConfig, clock: any BridgeClock, events: BridgeEvents) {
        self.clock = clock
        intervalSeconds = min(config.metering.flushIntervalSeconds, 1) / 2
        self.events = events
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await clock.sleep(seconds: intervalSeconds)
                events.send(.tick)
            }
        }
    }
}
