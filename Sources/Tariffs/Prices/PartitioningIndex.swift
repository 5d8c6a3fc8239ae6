extension RandomAccessCollection where Index == Int {
    /// The index of the first element for which `isAfter` holds, by binary search; `endIndex`
    /// when there is none. The elements must be partitioned by it: every element for which it
    /// is false comes before every one for which it is true (for a sorted list of time spans,
    /// `{ $0.end > instant }` finds the first span ending after `instant`).
    @inlinable
    public func partitioningIndex(where isAfter: (Element) throws -> Bool) rethrows -> Int {
        var low = startIndex
        var high = endIndex
        while low < high {
            let mid = low + (high - low) / 2
            if try isAfter(self[mid]) {
                high = mid
            } else {
                low = mid + 1
            }
        }
        return low
    }
}
