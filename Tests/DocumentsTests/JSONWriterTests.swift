import Documents
import Foundation
import Testing

/// The one JSON writer: every MQTT payload and every `--format json` output.
@Suite struct JSONWriterTests {
    enum Field: Sendable {
        case flag(Bool), number(Double), text(String)
    }

    /// The state, session and price status payloads must read exactly as `JSONSerialization`
    /// wrote them before (retained topics keep their bytes across the change).
    @Test(arguments: [
        ["plugged": .flag(true), "mode": .text("smart"), "target_soc": .number(80), "soc": .number(42.5), "energy_needed_wh": .number(18500)] as [String: Field],
        ["plan_problem": .text("no prices for 2026-11-22T03:00:00Z/07:00 \"EUR\"\n\\"), "planned_cost": .number(1.2345), "boost": .flag(false)],
        ["ready_by": .text("07:00"), "ready_by_override": .text("2026-11-23T06:00:00Z"), "next_start": .text("2026-11-22T22:00:00.5Z")],
        ["a": .number(-0.0001), "b": .number(1e-7), "c": .number(123456789012.25), "d": .number(0), "e": .number(-3), "f": .number(0.1 + 0.2),
         "tab\tkey": .text("\u{01}\u{08}\u{0C}\u{1F}é✓😀")],
    ])
    func writesWhatJSONSerializationWrites(fields: [String: Field]) throws {
        var object: [String: Any] = [:]
        var members: [(key: String, value: DocumentValue)] = []
        for (key, value) in fields {
            switch value {
            case let .flag(flag): members.append((key, .bool(flag))); object[key] = flag
            case let .number(number): members.append((key, .number(number))); object[key] = number
            case let .text(string): members.append((key, .string(string))); object[key] = string
            }
        }
        for escapeSlashes in [true, false] {
            let options: JSONSerialization.WritingOptions = escapeSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
            #expect(DocumentValue.object(members).jsonText(sortsKeys: true, escapesSlashes: escapeSlashes) == expected)
        }
    }

    @Test(arguments: [
        (0, "0"), (-0.0, "0"), (5300, "5300"), (-3, "-3"), (0.1234, "0.1234"), (-2.5, "-2.5"), (1e-7, "1e-07"),
        (0.1 + 0.2, "0.30000000000000004"), (1e15, "1000000000000000"), (123456789012345, "123456789012345"),
        // The largest integral doubles below 2^53 are exact: no fraction.
        (9_007_199_254_740_991, "9007199254740991"), (-9_007_199_254_740_991, "-9007199254740991"),
        // From 2^53 on a double no longer holds every integer: Swift's shortest round-trip form.
        (9_007_199_254_740_992, "9007199254740992.0"), (-9_007_199_254_740_992, "-9007199254740992.0"),
        (1e16, "1e+16"), (1.5e300, "1.5e+300"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (Double.leastNonzeroMagnitude, "5e-324"),
        (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
    ] as [(Double, String)])
    func numbersAreIntegralOnlyWhereExact(value: Double, text: String) {
        #expect(JSONWriter.number(value) == text)
        #expect(DocumentValue.number(value).jsonText() == text)
    }

    @Test func optionalHelpersWriteNull() {
        #expect(DocumentValue.finiteNumber(nil).jsonText() == "null")
        #expect(DocumentValue.finiteNumber(.nan).jsonText() == "null")
        #expect(DocumentValue.finiteNumber(2.5).jsonText() == "2.5")
        #expect(DocumentValue.optionalString(nil).jsonText() == "null")
        #expect(DocumentValue.optionalString("a").jsonText() == "\"a\"")
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("line\nfeed\rreturn\ttab", #""line\nfeed\rreturn\ttab""#),
        ("\u{08}\u{0C}", #""\b\f""#),
        ("\u{00}\u{01}\u{1B}\u{1F}", #""\u0000\u0001\u001b\u001f""#),
        ("\u{7F} é ✓ 😀 \u{2028}", "\"\u{7F} é ✓ 😀 \u{2028}\""),
        ("a/b", #""a/b""#),
    ])
    func stringsAreEscapedOnce(text: String, json: String) {
        #expect(DocumentValue.string(text).jsonText() == json)
    }

    @Test func slashesAreEscapedOnlyWhenAsked() {
        #expect(DocumentValue.string("a/b").jsonText(escapesSlashes: true) == #""a\/b""#)
        #expect(DocumentValue.object([("k/ey", .string("/"))]).jsonText(escapesSlashes: true) == #"{"k\/ey":"\/"}"#)
    }

    @Test func keysKeepTheirOrderUnlessSorted() {
        let value = DocumentValue.object([("b", .null), ("a", .array([])), ("B", .bool(true))])
        #expect(value.jsonText() == #"{"b":null,"a":[],"B":true}"#)
        #expect(value.jsonText(sortsKeys: true) == #"{"B":true,"a":[],"b":null}"#)
    }

    /// The cost and meter batch reports' layout.
    @Test func indentedLayout() {
        let value = DocumentValue.object([("a", .number(1)), ("list", .array([.string("x"), .object([])])), ("none", .array([])),
                                          ("nested", .object([("b", .bool(false))]))])
        #expect(value.jsonText(.indented) == """
        {
          "a": 1,
          "list": [
            "x",
            {}
          ],
          "none": [],
          "nested": {
            "b": false
          }
        }
        """)
    }

    struct Sample: Encodable {
        var z = [Double]()
        var a = 80.0
        var b = "a/b\u{01}é"
        var c = [["x": 0.25]]
        var d = [String: Int]()
        var e = [true, false]
    }

    /// The plan, tariff and forecast commands' layout: what `JSONEncoder` printed before.
    @Test func spacedIndentedLayoutIsWhatJSONEncoderPrinted() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(Sample()), as: UTF8.self)
        let value = DocumentValue.object([
            ("z", .array([])), ("a", .number(80)), ("b", .string("a/b\u{01}é")),
            ("c", .array([.object([("x", .number(0.25))])])), ("d", .object([])), ("e", .array([.bool(true), .bool(false)])),
        ])
        #expect(value.jsonText(.spacedIndented, sortsKeys: true) == expected)
    }

    @Test(arguments: [DocumentValue.object([
        ("text", .string("quote \" backslash \\ slash / nl \n ctl \u{01}\u{1F} del \u{7F} é 😀")),
        ("numbers", .array([.number(0), .number(-1.5), .number(1e-7), .number(9_007_199_254_740_991), .number(9_007_199_254_740_992),
                            .number(1e300), .number(0.1 + 0.2)])),
        ("flags", .array([.bool(true), .bool(false), .null])),
        ("nested", .object([("empty", .object([])), ("list", .array([.array([])]))])),
    ])])
    func outputParsesBackToTheSameValue(value: DocumentValue) throws {
        for layout in [JSONWriter.Layout.compact, .indented, .spacedIndented] {
            for escapesSlashes in [false, true] {
                let text = value.jsonText(layout, escapesSlashes: escapesSlashes)
                #expect(try DocumentValue.parse(text, preferJSON: true) == value)
            }
        }
    }
}
