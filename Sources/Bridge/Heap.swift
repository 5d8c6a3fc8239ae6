/// The process's heap.
enum Heap {
    /// Gives glibc's free heap back to the system (glibc keeps what a burst of allocations took:
    /// the subscriptions and the discovery announcement of a large fleet).
    static func returnFree() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
/// glibc's `malloc_trim` (declared in `malloc.h`, which the Glibc module leaves out).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
