#if os(Linux)
import CMalloc
#endif

/// The process's heap.
public enum Heap {
    /// The most malloc arenas the bridge process uses.
    public static let arenas = 2

    /// Caps glibc's malloc arenas at ``arenas`` (its default is eight per core). Each thread
    /// that allocates (the event loop's, the cost publisher's, the MQTT network thread, the
    /// ledger writer's) otherwise gets an arena of its own, and each keeps the free memory that
    /// a burst (a thousand plug-ins, their plans and payloads) left between its live
    /// allocations: at `make bench`'s `bridge.rss`, 11.7 of 19.6 MB of heap were free chunks
    /// (about 4,000, a few KB each) spread over six arenas, which `malloc_trim` does not give
    /// back. With two the free chunks are reused: `bridge.rss` 1 to 2 MB lower and its peak
    /// 3 MB lower, at the same CPU per reading (docs/performance.md, "`bridge.rss` after the house in order"). For the
    /// executable, first thing in `main`: glibc settles its arena limit when the first thread
    /// after the main one allocates, and ignores a later change.
    public static func limitArenas() {
        #if os(Linux)
        _ = mallopt(M_ARENA_MAX, Int32(arenas))
        #endif
    }

    /// Gives glibc's free heap back to the system (glibc keeps what a burst of allocations took:
    /// the subscriptions and the discovery announcement of a large fleet).
    static func returnFree() {
        #if os(Linux)
        _ = malloc_trim(0)
        #endif
    }
}
