import ServiceLifecycle

extension LedgerWriter: Service {
    /// Writes until the bridge stops (the writes come from the bridge loop and the cost
    /// publisher, which stop before it); then returns once every write handed over is done.
    func run() async throws {
        try? await gracefulShutdown()
        await drain()
    }
}
