import Foundation
import Testing
@testable import PriceSources

@Suite struct XMLScannerTests {
    private func events(_ text: String) throws -> [XMLScanner.Event] {
        var events: [XMLScanner.Event] = []
        try XMLScanner.scan(Array(text.utf8)) { events.append($0) }
        return events
    }

    @Test func elementsTextAndEntitiesInDocumentOrder() throws {
        let document = """
            \u{FEFF}<?xml version="1.0" encoding="utf-8"?>
            <!-- a comment -->
            <doc:Root xmlns:doc="urn:x" a='1'><a>1 &lt; 2 &amp;&#x41;&#66;</a><b/><c x="y" /><![CDATA[<raw>]]></doc:Root>
            """
        #expect(try events(document) == [
            .start("doc:Root"), .start("a"), .text("1 < 2 &AB"), .end("a"), .start("b"), .end("b"), .start("c"), .end("c"),
            .text("<raw>"), .end("doc:Root"),
        ])
    }

    @Test(arguments: [
        "<Publication_MarketDocument><TimeSeries>", // unclosed
        "<a><b></a></b>", // mismatched
        "<a></a><b></b>", // a second root
        "text<a></a>", // text outside the root
        "<a>&nbsp;</a>", // an entity XML does not define
        "<a b=c></a>", // an unquoted attribute
        "<a", "", "   ", "<a><!-- open", "<1a></1a>",
    ])
    func notWellFormedIsRejected(text: String) {
        #expect(throws: XMLScanner.Malformed.self) { try events(text) }
    }

    @Test func theRecordedENTSOEDocumentsReadAsBefore() throws {
        // The recorded acknowledgement: its reason code and text, as FoundationXML's XMLParser gave them.
        let url = Bundle.module.url(forResource: "entsoe-no-data", withExtension: "xml", subdirectory: "Responses")!
        let document = try ENTSOEDocument.parse(Data(contentsOf: url))
        guard case let .acknowledgement(code, text) = document else {
            Issue.record("expected an acknowledgement, got \(document)")
            return
        }
        #expect(code == "999")
        #expect(text.hasPrefix("No matching data found for Data item Energy Prices [12.1.D] (10Y1001A1001A82H, 10Y1001A1001A82H)"))
    }
}
