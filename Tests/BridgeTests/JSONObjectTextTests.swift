import Foundation
import Testing
@testable import Bridge

/// The hand-written state and session payloads must read exactly as `JSONSerialization` wrote
/// them before (retained topics keep their bytes across the change).
@Suite struct JSONObjectTextTests {
    enum Field: Sendable {
        case flag(Bool), number(Double), text(String)
    }

    @Test(arguments: [
        ["plugged": .flag(true), "mode": .text("smart"), "target_soc": .number(80), "soc": .number(42.5), "energy_needed_wh": .number(18500)] as [String: Field],
        ["plan_problem": .text("no prices for 2026-11-22T03:00:00Z/07:00 \"EUR\"\n\\"), "planned_cost": .number(1.2345), "boost": .flag(false)],
        ["ready_by": .text("07:00"), "ready_by_override": .text("2026-11-23T06:00:00Z"), "next_start": .text("2026-11-22T22:00:00.5Z")],
        ["a": .number(-0.0001), "b": .number(1e-7), "c": .number(123456789012.25), "d": .number(0), "e": .number(-3), "f": .number(0.1 + 0.2),
         "tab\tkey": .text("\u{01}é✓")],
    ])
    func writesWhatJSONSerializationWrites(fields: [String: Field]) throws {
        var object: [String: Any] = [:]
        for escapeSlashes in [true, false] {
            var text = JSONObjectText(escapeSlashes: escapeSlashes)
            for (key, value) in fields {
                switch value {
                case let .flag(flag): text.set(key, flag); object[key] = flag
                case let .number(number): text.set(key, number); object[key] = number
                case let .text(string): text.set(key, string); object[key] = string
                }
            }
            let options: JSONSerialization.WritingOptions = escapeSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
            #expect(text.text == expected)
        }
    }
}
