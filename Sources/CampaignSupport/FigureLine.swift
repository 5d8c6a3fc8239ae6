import Documents

/// A value of a campaign's figures: a number, a word, a flag or a list of them.
public protocol FigureValue: Sendable {
    var document: DocumentValue { get }
}

extension Double: FigureValue {
    public var document: DocumentValue { .number(self) }
}

extension Int: FigureValue {
    public var document: DocumentValue { .number(Double(self)) }
}

extension UInt64: FigureValue {
    public var document: DocumentValue { .number(Double(self)) }
}

extension String: FigureValue {
    public var document: DocumentValue { .string(self) }
}

extension Bool: FigureValue {
    public var document: DocumentValue { .bool(self) }
}

extension Array: FigureValue where Element: FigureValue {
    public var document: DocumentValue { .array(map(\.document)) }
}

/// A campaign's figures as its one JSON line (keys sorted, `/` as `\/`: the lines
/// `make chaos` and `make load` have always printed), written by the Documents module's writer.
public func figureLine(_ figures: [String: any FigureValue]) -> String {
    JSONWriter(sortsKeys: true, escapesSlashes: true).text(.object(figures.map { ($0.key, $0.value.document) }))
}
