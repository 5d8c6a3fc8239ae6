#if os(Linux)
import CMalloc
#endif

/// The process's heap.
enum Heap {
    /// Gives glibc's free heap back to the system (glibc keeps what a burst of allocations took:
    /// the subscriptions and the discovery announcement of a large fleet).
    static func returnFree() {
        #if os(Linux)
        _ = malloc_trim(0)
        #endif
    }
}
