/// Small helpers for the campaigns' figures.

/// The `p` quantile (0...1) of `values` by nearest rank on the sorted values; 0 when empty.
public func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((p * Double(sorted.count - 1)).rounded())
    return sorted[rank]
}

/// A duration in seconds.
public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Rounded to three decimals, for JSON figures.
public func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
