import Foundation

/// Everything that happened at an emulated site, in the order it happened: the house load as
/// scripted, every change of what a charger draws, every command it was sent, every grid reading
/// published. Each entry carries the devices' clock time and the real instant, so that a test can
/// check the connection's limit at every moment and measure how fast the bridge reacted.
public struct SiteLog: Sendable {
    public enum What: Sendable, Equatable {
        /// The house (everything but the chargers) now draws this, W.
        case house(watts: Double)
        /// The PV panels now produce this, W (the grid sees the house and the chargers less it).
        case pv(watts: Double)
        /// Charger `id` now draws this, W (`cause`: the command, plug, unplug, full).
        case draw(id: String, watts: Double, cause: String)
        /// Charger `id` was sent `payload`, and took it so.
        case command(id: String, payload: String, interpretation: EmulatedCharger.Interpretation)
        /// The grid meter published this reading, W, import positive (before any unit or sign the
        /// meter's format applies).
        case reading(gridW: Double)
        /// The grid meter stopped (true) or resumed (false) publishing.
        case meterSilent(Bool)
    }

    public struct Entry: Sendable {
        public var at: Date
        public var real: ContinuousClock.Instant
        public var what: What
    }

    /// A stretch of time over the limit: from the entry that took the site over to the one that
    /// brought it back (nil: still over at the end of the log).
    public struct Excursion: Sendable, CustomStringConvertible {
        public var start: Entry
        public var end: Entry?
        /// The most the site drew in it, W.
        public var peakW: Double
        /// The limit less the site's draw at the worst, W (negative).
        public var worstRoomW: Double
        /// Whether it began with the house load rising (not with a charger drawing more).
        public var startedByHouse: Bool
        /// The chargers together drew more while the site was over than when it went over (one
        /// charger taking what another gave up, as a plan's slot changes, adds nothing).
        public var increasedInside: Bool
        /// What the chargers drew together when the site went over, W.
        public var chargersAtStartW: Double = 0
        /// The first grid reading published at or after the start: the bridge's first chance to see it.
        public var firstReading: Entry?

        /// Real seconds from the first reading that showed it to its end (nil: none or no end).
        public var reactionSeconds: Double? {
            guard let firstReading, let end else { return nil }
            return Self.seconds(end.real - firstReading.real)
        }

        /// Devices' clock seconds it lasted (nil: no end).
        public var clockSeconds: Double? { end.map { $0.at.timeIntervalSince(start.at) } }

        public var description: String {
            let ended = end.map { "to \(Self.stamp($0.at)) (\(String(format: "%.1f", $0.at.timeIntervalSince(start.at))) s clock)" } ?? "to the end"
            let reaction = reactionSeconds.map { String(format: ", %.3f s real after the reading that showed it", $0) } ?? ""
            return "over the limit from \(Self.stamp(start.at)) \(ended), by \(Int(-worstRoomW.rounded())) W at the worst (\(Int(peakW.rounded())) W drawn)"
                + ", begun by \(startedByHouse ? "the house" : "a charger: \(start.what)")\(increasedInside ? ", the chargers drew more inside it" : "")\(reaction)"
        }

        static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }

        static func stamp(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: date)
        }
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// Adds an entry (the site records its own; a test may build a log by hand).
    public mutating func record(_ what: What, at: Date, real: ContinuousClock.Instant = .now) {
        entries.append(Entry(at: at, real: real, what: what))
    }

    /// The house load net of the PV production and every charger's draw after each entry, W:
    /// (entry, house less PV, chargers total). The house plus the chargers is what the grid
    /// connection carries (negative: export).
    public func totals() -> [(entry: Entry, houseW: Double, chargersW: Double)] {
        var house = 0.0
        var pv = 0.0
        var draws: [String: Double] = [:]
        return entries.map { entry in
            switch entry.what {
            case let .house(watts): house = watts
            case let .pv(watts): pv = watts
            case let .draw(id, watts, _): draws[id] = watts
            default: break
            }
            return (entry, house - pv, draws.values.reduce(0, +))
        }
    }

    /// Every stretch over `limitW` (the house plus the chargers above it by more than `toleranceW`).
    public func excursions(limitW: Double, toleranceW: Double = 0.5) -> [Excursion] {
        var result: [Excursion] = []
        var current: Excursion?
        for (index, (entry, house, chargers)) in totals().enumerated() {
            let total = house + chargers
            let over = total > limitW + toleranceW
            if case .draw = entry.what, let open = current, chargers > open.chargersAtStartW + toleranceW {
                current?.increasedInside = true
            }
            if over {
                if current == nil {
                    var isHouse = false
                    switch entry.what {
                    case .house, .pv: isHouse = true // the house rose or the sun went: the bridge sees it at the next reading
                    default: break
                    }
                    current = Excursion(start: entry, end: nil, peakW: total, worstRoomW: limitW - total, startedByHouse: isHouse,
                                        increasedInside: false,
                                        firstReading: entries[index...].first { if case .reading = $0.what { return true } else { return false } })
                    current?.chargersAtStartW = chargers
                } else if var open = current {
                    open.peakW = max(open.peakW, total)
                    open.worstRoomW = min(open.worstRoomW, limitW - total)
                    current = open
                }
            } else if var open = current {
                open.end = entry
                result.append(open)
                current = nil
            }
        }
        if let current { result.append(current) }
        return result
    }

    /// The excursions a guard that follows the contract would not have allowed: any begun by a
    /// charger drawing more, any in which the chargers together drew more than when it began
    /// (the bridge cannot know of a house rise before a reading shows it, but must never add to
    /// what the site draws; moving power between chargers at a plan's slot change, reductions
    /// first, adds nothing), and any begun by the house that
    /// lasted beyond `reactionSeconds` (real) after the first grid reading that showed it.
    public func violations(limitW: Double, reactionSeconds: Double = 2, toleranceW: Double = 0.5) -> [Excursion] {
        excursions(limitW: limitW, toleranceW: toleranceW).filter { excursion in
            guard excursion.startedByHouse, !excursion.increasedInside else { return true }
            guard let reaction = excursion.reactionSeconds else { return true }
            return reaction > reactionSeconds
        }
    }

    /// The most the site drew at any moment from `from` to `to` (clock time), W, what was in
    /// force at `from` included; with `includingHouse: false`, the chargers alone.
    public func peakW(from: Date, to: Date, includingHouse: Bool = true) -> Double {
        var peak = 0.0
        var before = 0.0
        for (entry, house, chargers) in totals() {
            let total = (includingHouse ? house : 0) + chargers
            if entry.at < from {
                before = total
                continue
            }
            if entry.at >= to { break }
            peak = max(peak, total)
        }
        return max(peak, before)
    }

    /// The changes of what charger `id` drew: (clock time, W).
    public func draws(of id: String) -> [(at: Date, watts: Double)] {
        entries.compactMap { entry in
            if case let .draw(drawer, watts, _) = entry.what, drawer == id { return (entry.at, watts) }
            return nil
        }
    }

    /// The commands charger `id` was sent.
    public func commands(to id: String) -> [(at: Date, payload: String, interpretation: EmulatedCharger.Interpretation)] {
        entries.compactMap { entry in
            if case let .command(target, payload, interpretation) = entry.what, target == id { return (entry.at, payload, interpretation) }
            return nil
        }
    }

    /// Energy charger `id` drew from `from` to `to` (clock time), Wh.
    public func energyWh(of id: String, from: Date? = nil, to: Date) -> Double {
        var total = 0.0
        var last: (at: Date, watts: Double)?
        for change in draws(of: id) {
            if let last {
                let start = max(last.at, from ?? last.at)
                let end = min(change.at, to)
                if end > start { total += last.watts * end.timeIntervalSince(start) / 3600 }
            }
            last = change
        }
        if let last {
            let start = max(last.at, from ?? last.at)
            if to > start { total += last.watts * to.timeIntervalSince(start) / 3600 }
        }
        return total
    }
}
