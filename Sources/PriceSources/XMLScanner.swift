/// A small, strict reader of XML 1.0 for the documents price APIs answer (ENTSO-E's market
/// documents): elements, character data with the five predefined and numeric character
/// references, CDATA sections; it skips the declaration, processing instructions, comments
/// and a DOCTYPE, and ignores attribute values. UTF-8 only (ENTSO-E's encoding).
///
/// Pure Swift, instead of FoundationXML's `XMLParser`, whose libxml2 and the libraries behind it
/// every process of the command line would load at start-up. Rejects what is not well-formed:
/// unclosed or mismatched elements, a second root, text outside the root, an unknown entity.
enum XMLScanner {
    /// What the reader meets, in document order. Element names are as written (with any
    /// namespace prefix); text comes in pieces, entities resolved.
    enum Event: Equatable {
        case start(String)
        case text(String)
        case end(String)
    }

    /// The document is not well-formed XML; `offset` is the byte where reading stopped.
    struct Malformed: Error, Equatable {
        var offset: Int
    }

    /// Reads `bytes` and hands every event to `handle`, then checks that the document closed.
    static func scan(_ bytes: [UInt8], _ handle: (Event) -> Void) throws(Malformed) {
        var reader = Reader(bytes: bytes)
        try reader.run(handle)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0
        var open: [String] = []
        var rootSeen = false

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        mutating func run(_ handle: (Event) -> Void) throws(Malformed) {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "<") {
                    try markup(handle)
                } else {
                    try text(handle)
                }
            }
            guard rootSeen, open.isEmpty else { throw Malformed(offset: index) }
        }

        private func failure() -> Malformed { Malformed(offset: index) }

        private func has(_ prefix: String, at position: Int) -> Bool {
            var position = position
            for byte in prefix.utf8 {
                guard position < bytes.count, bytes[position] == byte else { return false }
                position += 1
            }
            return true
        }

        /// The index just past the next `terminator` at or after `from`.
        private func past(_ terminator: String, from: Int) throws(Malformed) -> Int {
            let pattern = Array(terminator.utf8)
            var position = from
            while position + pattern.count <= bytes.count {
                if bytes[position] == pattern[0], bytes[position ..< position + pattern.count].elementsEqual(pattern) {
                    return position + pattern.count
                }
                position += 1
            }
            throw failure()
        }

        private static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        private static func isNameByte(_ byte: UInt8) -> Bool {
            !isSpace(byte) && !"<>/=\"'&".utf8.contains(byte)
        }

        private mutating func skipSpace() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }

        private mutating func name() throws(Malformed) -> String {
            let start = index
            while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
            guard index > start else { throw failure() }
            let first = bytes[start]
            guard !(UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(first), first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else {
                throw failure()
            }
            return String(decoding: bytes[start ..< index], as: UTF8.self)
        }

        private mutating func markup(_ handle: (Event) -> Void) throws(Malformed) {
            if has("<?", at: index) {
                index = try past("?>", from: index + 2)
            } else if has("<!--", at: index) {
                index = try past("-->", from: index + 4)
            } else if has("<![CDATA[", at: index) {
                guard !open.isEmpty else { throw failure() }
                let end = try past("]]>", from: index + 9)
                handle(.text(String(decoding: bytes[index + 9 ..< end - 3], as: UTF8.self)))
                index = end
            } else if has("<!DOCTYPE", at: index) {
                guard !rootSeen else { throw failure() }
                var depth = 0
                index += 9
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "[") { depth += 1 }
                    if byte == UInt8(ascii: "]") { depth -= 1 }
                    if byte == UInt8(ascii: ">"), depth == 0 { return }
                }
                throw failure()
            } else if has("</", at: index) {
                index += 2
                let closing = try name()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">"), open.last == closing else { throw failure() }
                index += 1
                open.removeLast()
                handle(.end(closing))
            } else {
                index += 1
                guard !(rootSeen && open.isEmpty) else { throw failure() } // a second root
                let element = try name()
                try attributes()
                rootSeen = true
                handle(.start(element))
                if bytes[index] == UInt8(ascii: "/") {
                    index += 2
                    handle(.end(element))
                } else {
                    index += 1
                    open.append(element)
                }
            }
        }

        /// Skips the attributes up to `>` or `/>`, leaving `index` on its first byte.
        private mutating func attributes() throws(Malformed) {
            while true {
                let spaced = index < bytes.count && Self.isSpace(bytes[index])
                skipSpace()
                guard index < bytes.count else { throw failure() }
                if bytes[index] == UInt8(ascii: ">") { return }
                if has("/>", at: index) { return }
                guard spaced else { throw failure() }
                _ = try name()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw failure() }
                index += 1
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else { throw failure() }
                let quote = bytes[index]
                index += 1
                while index < bytes.count, bytes[index] != quote {
                    guard bytes[index] != UInt8(ascii: "<") else { throw failure() }
                    index += 1
                }
                guard index < bytes.count else { throw failure() }
                index += 1
            }
        }

        private mutating func text(_ handle: (Event) -> Void) throws(Malformed) {
            var decoded: [UInt8] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: "<") {
                if bytes[index] == UInt8(ascii: "&") {
                    decoded.append(contentsOf: try reference())
                } else {
                    decoded.append(bytes[index])
                    index += 1
                }
            }
            if open.isEmpty {
                guard decoded.allSatisfy(Self.isSpace) else { throw failure() }
            } else {
                handle(.text(String(decoding: decoded, as: UTF8.self)))
            }
        }

        /// `&lt;` and the other predefined entities, `&#65;`, `&#x41;`: the bytes they stand for.
        private mutating func reference() throws(Malformed) -> [UInt8] {
            let start = index + 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ";"), end - start < 12 { end += 1 }
            guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else { throw failure() }
            let entity = String(decoding: bytes[start ..< end], as: UTF8.self)
            index = end + 1
            switch entity {
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "amp": return [UInt8(ascii: "&")]
            case "quot": return [UInt8(ascii: "\"")]
            case "apos": return [UInt8(ascii: "'")]
            default:
                let scalar: UInt32?
                if entity.hasPrefix("#x") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst(), radix: 10)
                } else {
                    scalar = nil
                }
                guard let scalar, scalar != 0, let character = Unicode.Scalar(scalar) else { throw failure() }
                return Array(String(Character(character)).utf8)
            }
        }
    }
}
