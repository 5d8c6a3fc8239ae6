import Foundation

/// A small JSON path for picking a value out of a payload: `$.battery.level`, `$.data[0].soc`,
/// `$['state of charge']`, `$[11]` for an item of a bare array, or just `$` for the whole payload.
public struct JSONPath: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    let steps: [Step]

    /// `nil` when `text` is not a path of this form.
    public init?(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("$") { rest = rest.dropFirst() } else if !rest.isEmpty, rest.first != "." && rest.first != "[" { rest = "." + rest }
        var steps: [Step] = []
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty, !name.contains(where: \.isWhitespace) else { return nil }
                steps.append(.key(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if let index = Int(inside), index >= 0 {
                    steps.append(.index(index))
                } else if inside.count >= 2, let quote = inside.first, quote == "'" || quote == "\"", inside.last == quote {
                    steps.append(.key(String(inside.dropFirst().dropLast())))
                } else {
                    return nil
                }
                rest = rest[rest.index(after: close)...]
            } else {
                return nil
            }
        }
        self.steps = steps
    }

    /// The value at this path, or `nil` when the document has none there.
    public func select(in document: DocumentValue) -> DocumentValue? {
        var current = document
        for step in steps {
            switch (step, current) {
            case let (.key(name), .object):
                guard let next = current[name] else { return nil }
                current = next
            case let (.index(index), .array(items)):
                guard index < items.count else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}
