import Documents
import Testing

/// The JSON path a vehicle's topics use to pick a value out of a payload.
@Suite struct JSONPathTests {
    static let payload = #"{"a": {"b": 7}, "nrg": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 230.5], "state of charge": 55, "data": [{"soc": 61}]}"#

    @Test(arguments: [
        ("$.a.b", DocumentValue.number(7)), ("a.b", .number(7)), ("$.nrg[11]", .number(230.5)), ("$.nrg[0]", .number(0)),
        ("$['state of charge']", .number(55)), (#"$["state of charge"]"#, .number(55)), ("$.data[0].soc", .number(61)),
    ])
    func selectsFromAnObject(path: String, expected: DocumentValue) throws {
        let document = try DocumentValue.parse(Self.payload, preferJSON: true)
        #expect(try #require(JSONPath(path)).select(in: document) == expected)
    }

    @Test func selectsFromABareArray() throws {
        let document = try DocumentValue.parse("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11.5, 12]", preferJSON: true)
        #expect(try #require(JSONPath("$[11]")).select(in: document) == .number(11.5))
        #expect(try #require(JSONPath("[0]")).select(in: document) == .number(0))
        #expect(try #require(JSONPath("$[13]")).select(in: document) == nil)
        #expect(try #require(JSONPath("$.a")).select(in: document) == nil)
        let nested = try DocumentValue.parse(#"[{"soc": 40}, [5, 6]]"#, preferJSON: true)
        #expect(try #require(JSONPath("$[0].soc")).select(in: nested) == .number(40))
        #expect(try #require(JSONPath("$[1][1]")).select(in: nested) == .number(6))
    }

    @Test func theWholePayload() throws {
        let document = try DocumentValue.parse("[1]", preferJSON: true)
        #expect(try #require(JSONPath("$")).select(in: document) == document)
    }

    @Test(arguments: ["$.nrg[11]", "$.a"])
    func missingOrMismatchedStepsSelectNothing(path: String) throws {
        let document = try DocumentValue.parse(#"{"nrg": [1, 2], "a": null}"#, preferJSON: true)
        let selected = try #require(JSONPath(path)).select(in: document)
        #expect(selected == (path == "$.a" ? .null : nil))
    }

    @Test(arguments: ["$.", "$..a", "$[-1]", "$[x]", "$[1", "$.a b", "$x", "$['a]"])
    func malformedPathsAreRejected(path: String) {
        #expect(JSONPath(path) == nil)
    }
}
