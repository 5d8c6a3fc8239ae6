import Foundation

/// ISO 8601 instants as ChargeBridge reads and writes them: parsed with an offset or `Z`,
/// written in UTC with `Z` and no fractional seconds unless needed.
///
/// Hand-written rather than `ISO8601DateFormatter`: it is exact, allocation-light and
/// fast enough for the ledger's hot path.
public enum Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM|±HHMM|±HH)`; `nil` when malformed
    /// or when it has no offset (an instant without an offset is ambiguous).
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// Writes `instant` as UTC, e.g. `2025-10-07T01:00:00Z`, with fractional seconds
    /// (milliseconds) only when the instant has them.
    public static func format(_ instant: Date) -> String {
        let (civil, secondOfDay, millis) = parts(instant)
        guard (0...9999).contains(civil.year) else {
            return formatByParts(civil: civil, secondOfDay: secondOfDay, millis: millis)
        }
        // Written into one buffer: a schedule response formats two instants per slot, and
        // joining a dozen small strings per instant was a fortieth of a `plan` process.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var end = 0
            func put(_ value: Int, _ width: Int) {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    buffer[end + offset] = UInt8(truncatingIfNeeded: 48 + value % 10)
                    value /= 10
                }
                end += width
            }
            func put(_ character: Unicode.Scalar) {
                buffer[end] = UInt8(ascii: character)
                end += 1
            }
            put(civil.year, 4); put("-"); put(civil.month, 2); put("-"); put(civil.day, 2)
            put("T"); put(secondOfDay / 3600, 2); put(":"); put(secondOfDay / 60 % 60, 2); put(":"); put(secondOfDay % 60, 2)
            if millis != 0 {
                put("."); put(millis, 3)
            }
            put("Z")
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<end]), as: UTF8.self)
        }
    }

    /// The UTC date, second of the day and milliseconds (rounded) of `instant`.
    static func parts(_ instant: Date) -> (civil: CivilDate, secondOfDay: Int, millis: Int) {
        let total = instant.timeIntervalSince1970
        var seconds = total.rounded(.down)
        var millis = Int(((total - seconds) * 1000).rounded())
        if millis == 1000 {
            seconds += 1
            millis = 0
        }
        let whole = Int64(seconds)
        let days = Int(floorDiv(whole, 86_400))
        let secondOfDay = Int(whole - Int64(days) * 86_400)
        return (CivilDate(daysSinceEpoch: days), secondOfDay, millis)
    }

    /// `format(_:)` for any year, joined from its parts (years outside 0...9999 have no fixed width).
    static func formatByParts(civil: CivilDate, secondOfDay: Int, millis: Int) -> String {
        var out = pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2)
        out += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if millis != 0 {
            out += "." + pad(millis, 3)
        }
        return out + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `parse(_:)` on UTF-8 bytes (a CSV field, without making a `String` of it).
    static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
                index += 1
            }
            return value
        }
        func expect(_ char: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == char else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else { return nil }
        guard index < bytes.count, bytes[index] == 84 || bytes[index] == 116 || bytes[index] == 32 else { return nil }
        index += 1
        guard let hour = digits(2), expect(58), let minute = digits(2) else { return nil }
        var second = 0
        var fraction = 0.0
        if expect(58) {
            guard let s = digits(2) else { return nil }
            second = s
            if index < bytes.count, bytes[index] == 46 || bytes[index] == 44 {
                index += 1
                var scale = 0.1
                var any = false
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    fraction += Double(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        guard month >= 1, month <= 12, day >= 1, day <= CivilDate.daysIn(month: month, year: year),
              hour <= 24, minute <= 59, second <= 60 else { return nil }
        if hour == 24, minute != 0 || second != 0 || fraction != 0 { return nil }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case 90, 122: // Z z
            index += 1
        case 43, 45: // + -
            let sign = bytes[index] == 45 ? -1 : 1
            index += 1
            guard let offsetHours = digits(2), offsetHours <= 23 else { return nil }
            var offsetMinutes = 0
            if index < bytes.count {
                _ = expect(58)
                guard let m = digits(2), m <= 59 else { return nil }
                offsetMinutes = m
            }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        let local = Double(days) * 86_400 + Double(hour * 3600 + minute * 60 + second) + fraction
        return Date(timeIntervalSince1970: local - Double(offsetSeconds))
    }
}

@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
