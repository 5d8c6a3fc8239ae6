import Foundation

extension Process {
    /// Starts the process from a thread that blocks no signals, so that SIGTERM reaches it.
    ///
    /// A child inherits the signal mask of the thread that spawned it, and the threads Swift's
    /// concurrency runs on (libdispatch's workers) block SIGTERM: a mosquitto started from async
    /// code with plain `run()` never sees a SIGTERM, and only SIGKILL ends it. Blocks the caller
    /// for as long as the spawn takes.
    func runWithUnblockedSignals() throws {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do {
                try self.run()
            } catch {
                failure = error
            }
            done.signal()
        }
        thread.start()
        done.wait()
        if let failure { throw failure }
    }
}
