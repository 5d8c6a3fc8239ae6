import Documents
import Foundation
import Testing

/// The JSON reader behind tariff files, inline config tariffs and every JSON MQTT payload.
@Suite struct JSONTextParserTests {
    /// Found by `make fuzz` (jsonpath target, Tests/FuzzCorpus/jsonpath/crash-lone-high-surrogate):
    /// a high surrogate followed by a `\u` escape that is not a low surrogate trapped on UInt32
    /// underflow, so one bad MQTT payload took the bridge down. Now it is a syntax error.
    @Test(arguments: [
        #""\ud800\u0041""#,
        #"".,\udAae\uAae e\u"#,
        #"{"soc": "\uD83D\uD83D"}"#,
        #""\ud800\u00""#,
        #""\u+123""#,
        #""\u-000""#,
    ])
    func brokenUnicodeEscapeIsASyntaxError(json: String) {
        #expect(throws: DocumentSyntaxError.self) { try DocumentValue.parse(json, preferJSON: true) }
    }

    @Test func surrogatePairBecomesOneCharacter() throws {
        let value = try DocumentValue.parse(#""\ud83d\ude00 \u00e9""#, preferJSON: true)
        #expect(value.text == "😀 é")
    }

    @Test func loneHighSurrogateErrorSaysWhy() {
        do {
            _ = try DocumentValue.parse(#""\ud800\u0041""#, preferJSON: true)
            Issue.record("parsed")
        } catch {
            #expect("\(error)" == "not valid JSON: invalid \\u escape (a high surrogate without its low half) at line 1, column 14")
        }
    }
}
