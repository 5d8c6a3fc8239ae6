import Documents
import Foundation
import Tariffs

/// The expected PV production from `location.solar.forecast_topic` (docs/bridge.md,
/// "location.solar"): a JSON array of `{"start", "end", "power_w"}`, ISO 8601 instants with an
/// offset or `Z`, the production's average over the piece in W. Pure: the core keeps the last
/// good one and forgets the pieces that have ended.
struct PVForecast: Sendable, Equatable {
    struct Piece: Sendable, Equatable {
        var start: Date
        var end: Date
        var powerW: Double
    }

    /// Sorted, not overlapping.
    private(set) var pieces: [Piece] = []

    /// Parses a payload strictly: every element an object with exactly `start`, `end` and
    /// `power_w`, `end` after `start`, `power_w` a number of 0 or more, no two pieces
    /// overlapping (they may come in any order). Throws one sentence naming the element.
    static func parse(_ payload: [UInt8]) throws(PayloadError) -> [Piece] {
        let text = String(decoding: payload, as: UTF8.self)
        let document: DocumentValue
        do {
            document = try DocumentValue.parse(text, preferJSON: true)
        } catch {
            throw PayloadError("PV forecast: not JSON (\(error))")
        }
        guard case let .array(items) = document else {
            throw PayloadError("PV forecast: not a JSON array of {\"start\", \"end\", \"power_w\"}")
        }
        var pieces: [Piece] = []
        for (index, item) in items.enumerated() {
            let at = "PV forecast [\(index)]"
            guard let object = item.membersByKey else { throw PayloadError("\(at): not an object") }
            for key in object.keys.sorted() where !["start", "end", "power_w"].contains(key) {
                throw PayloadError("\(at).\(key): not a key of a forecast piece (start, end, power_w)")
            }
            func instant(_ key: String) throws(PayloadError) -> Date {
                guard let raw = object[key], raw != .null else { throw PayloadError("\(at).\(key): missing") }
                guard let text = raw.text, let date = Timestamp.parse(text) else {
                    throw PayloadError("\(at).\(key): '\(raw.text ?? raw.jsonText())' is not an ISO 8601 instant with an offset or Z")
                }
                return date
            }
            let start = try instant("start")
            let end = try instant("end")
            guard end > start else {
                throw PayloadError("\(at).end: \(Timestamp.format(end)) is not after start \(Timestamp.format(start))")
            }
            guard let raw = object["power_w"], raw != .null else { throw PayloadError("\(at).power_w: missing") }
            guard case let .number(power) = raw, power.isFinite else {
                throw PayloadError("\(at).power_w: '\(raw.text ?? raw.jsonText())' is not a number")
            }
            guard power >= 0 else { throw PayloadError("\(at).power_w: \(power) W is below 0") }
            pieces.append(Piece(start: start, end: end, powerW: power))
        }
        pieces.sort { $0.start < $1.start }
        for (a, b) in zip(pieces, pieces.dropFirst()) where b.start < a.end {
            throw PayloadError("PV forecast: the pieces starting \(Timestamp.format(a.start)) and \(Timestamp.format(b.start)) overlap")
        }
        return pieces
    }

    /// Takes a new forecast (replacing the last one), forgetting what has ended by `now`.
    mutating func replace(with pieces: [Piece], now: Date) {
        self.pieces = pieces
        forget(before: now)
    }

    /// Forgets the pieces that ended at or before `now`.
    mutating func forget(before now: Date) {
        if let keep = pieces.firstIndex(where: { $0.end > now }) {
            if keep > 0 { pieces.removeFirst(keep) }
        } else {
            pieces.removeAll()
        }
    }

    /// The expected average production over `[from, to)`, W (0 where no piece says anything).
    func averageW(from: Date, to: Date) -> Double {
        let length = to.timeIntervalSince(from)
        guard length > 0 else { return 0 }
        var energy = 0.0
        for piece in pieces where piece.end > from && piece.start < to {
            energy += piece.powerW * (min(piece.end, to).timeIntervalSince(max(piece.start, from)))
        }
        return energy / length
    }
}
