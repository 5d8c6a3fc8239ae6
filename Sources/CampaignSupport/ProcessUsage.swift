import Foundation

/// A process's memory and CPU from `/proc/<pid>/status` and `/proc/<pid>/stat` (Linux).
public struct ProcessUsage: Sendable {
    /// Resident set now (VmRSS) and its peak (VmHWM), MB (10^6 bytes).
    public var rssMB: Double
    public var peakRssMB: Double
    /// CPU time used so far, user + system, s.
    public var cpuSeconds: Double

    public init(pid: Int32) throws {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func kilobytes(_ key: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            return Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        rssMB = kilobytes("VmRSS") * 1024 / 1e6
        peakRssMB = kilobytes("VmHWM") * 1024 / 1e6
        // Fields after the command name in parentheses; utime and stime are fields 14 and 15.
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { throw CampaignError("cannot read /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so field n is fields[n - 3].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw CampaignError("cannot read the CPU times in /proc/\(pid)/stat")
        }
        cpuSeconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
