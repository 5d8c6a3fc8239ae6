import Documents
import Testing

/// The typed field readers the tariff parser, the config loader and the plan request share.
@Suite struct DocumentFieldsTests {
    static func yaml(_ text: String) throws -> DocumentValue { try DocumentValue.parse(text, preferJSON: false) }
    static func json(_ text: String) throws -> DocumentValue { try DocumentValue.parse(text, preferJSON: true) }

    @Test func readsEachKind() throws {
        let document = try Self.yaml("text: hello\nnumber: 2.5\nflag: True\nlist: [1, 2]\nobject: {a: 1}\n")
        #expect(try document.required("text", at: "").string(at: "text") == "hello")
        #expect(try document.required("number", at: "").finiteNumber(at: "number") == 2.5)
        #expect(try document.required("flag", at: "").boolean(at: "flag") == true)
        #expect(try document.required("list", at: "").list(at: "list").count == 2)
        #expect(try document.required("object", at: "").members(at: "object").map(\.key) == ["a"])
    }

    @Test func wrongKindsNameThePathAndWhatWasFound() throws {
        let document = try Self.json(#"{"v": [{"n": "lots", "f": 3, "s": 5, "o": []}]}"#)
        let item = try document.required("v", at: "").list(at: "v")[0]
        #expect(throws: DocumentFieldError(path: "v[0].n", problem: .wrongKind(expected: .number, found: .string("lots")))) {
            try item.required("n", at: "v[0]").finiteNumber(at: "v[0].n")
        }
        #expect(throws: DocumentFieldError(path: "v[0].f", problem: .wrongKind(expected: .bool, found: .number(3)))) {
            try item.required("f", at: "v[0]").boolean(at: "v[0].f")
        }
        #expect(throws: DocumentFieldError(path: "v[0].s", problem: .wrongKind(expected: .text, found: .number(5)))) {
            try item.required("s", at: "v[0]").string(at: "v[0].s")
        }
        #expect(throws: DocumentFieldError(path: "v[0].o", problem: .wrongKind(expected: .object, found: .array([])))) {
            try item.required("o", at: "v[0]").members(at: "v[0].o")
        }
        #expect(throws: DocumentFieldError(path: "v[0].x", problem: .missing)) { try item.required("x", at: "v[0]") }
        let error = DocumentFieldError(path: "v[0].n", problem: .wrongKind(expected: .number, found: .string("lots")))
        #expect(error.description == "v[0].n: must be a number, found a string")
    }

    @Test func nullCountsAsMissing() throws {
        #expect(throws: DocumentFieldError(path: "a.b", problem: .missing)) { try Self.json(#"{"b": null}"#).required("b", at: "a") }
        #expect(throws: DocumentFieldError(path: "b", problem: .missing)) { try Self.yaml("b: ~\n").required("b", at: "") }
    }

    @Test(arguments: ["x: .nan\n", "x: .inf\n", "x: -.inf\n"])
    func nonFiniteNumbersAreRejected(yaml: String) throws {
        #expect(throws: DocumentFieldError(path: "x", problem: .notFinite)) { try Self.yaml(yaml).required("x", at: "").finiteNumber(at: "x") }
    }

    @Test func jsonNumbersBeyondDoubleAreNotFinite() throws {
        #expect(throws: DocumentFieldError(path: "x", problem: .notFinite)) { try Self.json(#"{"x": 1e400}"#).required("x", at: "").finiteNumber(at: "x") }
    }

    @Test func lenientReadersAcceptTheOtherForm() throws {
        #expect(try DocumentValue.string(" 7.5 ").finiteNumber(at: "p", orNumericText: true) == 7.5)
        #expect(throws: DocumentFieldError.self) { try DocumentValue.string("7.5").finiteNumber(at: "p") }
        #expect(throws: DocumentFieldError.self) { try DocumentValue.string("lots").finiteNumber(at: "p", orNumericText: true) }
        #expect(throws: DocumentFieldError.self) { try DocumentValue.bool(true).finiteNumber(at: "p", orNumericText: true) }
        #expect(try DocumentValue.number(42).string(at: "id", orNumber: true) == "42")
        #expect(try DocumentValue.number(2.5).string(at: "id", orNumber: true) == "2.5")
        #expect(throws: DocumentFieldError.self) { try DocumentValue.bool(true).string(at: "id", orNumber: true) }
    }

    @Test func unknownKeysGetASuggestion() throws {
        let document = try Self.yaml("vehicles:\n  - id: car1\n    capacity: 5\n")
        let vehicle = try document.required("vehicles", at: "").list(at: "vehicles")[0]
        #expect(throws: DocumentFieldError(path: "vehicles[0].capacity", problem: .unknownKey(suggestion: "capacity_wh"))) {
            try vehicle.rejectUnknownKeys(["id", "capacity_wh"], at: "vehicles[0]")
        }
        #expect(throws: DocumentFieldError(path: "zzz", problem: .unknownKey(suggestion: nil))) {
            try Self.yaml("zzz: 1\n").rejectUnknownKeys(["id"], at: "")
        }
        try vehicle.rejectUnknownKeys(["id", "capacity"], at: "vehicles[0]")
    }
}
