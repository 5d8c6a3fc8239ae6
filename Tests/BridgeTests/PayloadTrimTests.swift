import Foundation
import Testing
import Bridge

/// Plain payloads are trimmed on their bytes (the reading path of a thousand chargers); the result
/// must be what Foundation's `.whitespacesAndNewlines` trimming gave.
@Suite struct PayloadTrimTests {
    @Test(arguments: [" 42\n", "\t7.5 ", "\u{0B}3\u{0C}", "\r\n1e3\r\n", "  ", "", "\u{A0}5\u{A0}", "\u{2003}6", "12 34", "\u{1F}9"])
    func plainNumbersParseAsWithFoundationTrimming(payload: String) {
        let bytes = Array(payload.utf8)
        let expected = Double(payload.trimmingCharacters(in: .whitespacesAndNewlines))
        let parsed = try? PayloadParser.number(bytes, path: nil, range: -1e9...1e9, what: "power")
        #expect(parsed == expected)
    }

    @Test(arguments: [" ON ", "\tconnected\n", "\u{A0}off", " plugged_in\r\n"])
    func plugWordsParseAsWithFoundationTrimming(payload: String) {
        let trimmed = payload.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let expected: Bool? = ["on", "connected", "plugged_in"].contains(trimmed) ? true : (trimmed == "off" ? false : nil)
        #expect((try? PayloadParser.plug(Array(payload.utf8), path: nil, connectedWords: [])) == expected)
    }
}
