import Foundation
import Testing

/// The repository stands alone and its documentation holds together: every relative link in
/// its Markdown files names a file of the repository, and a link's `#anchor` a heading of that
/// file (the id GitHub gives it); no link leaves the repository.
@Suite struct RepositoryDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyRelativeLinkResolvesInsideTheRepository() throws {
        let checker = MarkdownLinks(root: Self.root)
        let files = try checker.markdownFiles()
        #expect(files.contains("README.md"))
        #expect(files.contains("docs/README.md"))
        #expect(files.count >= 15, "found only \(files)")
        let problems = try checker.problems()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func headingIdsAreGitHubs() {
        #expect(MarkdownLinks.headingID("The broker's ceiling (issue #19, last round)") == "the-brokers-ceiling-issue-19-last-round")
        #expect(MarkdownLinks.headingID("`bridge.rss` after the house in order") == "bridgerss-after-the-house-in-order")
        #expect(MarkdownLinks.headingID("`make fuzz`: bad input") == "make-fuzz-bad-input")
        #expect(MarkdownLinks.headingID("Set-up: two commands") == "set-up-two-commands")
        #expect(MarkdownLinks.headingID("Against [HiGHS](https://highs.dev) and EMHASS") == "against-highs-and-emhass")
        #expect(MarkdownLinks.headingID("snake_case keys") == "snake_case-keys")
    }

    /// The checker finds each kind of broken link (so the test above can fail).
    @Test func theCheckerFindsBrokenLinks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-doc-links-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("docs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        # Title

        ## A part

        [good](docs/page.md#second-part), [self](#a-part), [web](https://example.org/x.md#nowhere),
        [gone](docs/missing.md), [no anchor](docs/page.md#nowhere), [outside](../elsewhere/notes.md)

        ```text
        [in a code block](not/checked.md)
        ```
        """.write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try """
        # Page

        ## Second part

        [back](../README.md#a-part), [up and wrong](../README.md#title-2)
        """.write(to: folder.appendingPathComponent("docs/page.md"), atomically: true, encoding: .utf8)
        let problems = try MarkdownLinks(root: folder).problems()
        #expect(problems == [
            "README.md:6: no such file: docs/missing.md",
            "README.md:6: no heading #nowhere in docs/page.md",
            "README.md:6: leaves the repository: ../elsewhere/notes.md",
            "docs/page.md:5: no heading #title-2 in README.md",
        ])
    }
}

/// Relative links of the Markdown files below a root, checked against the files and headings.
struct MarkdownLinks {
    let root: URL

    /// Paths relative to the root, sorted; build folders and hidden folders are skipped.
    func markdownFiles() throws -> [String] {
        let rootPath = root.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var files: [String] = []
        for case let url as URL in walker {
            let name = url.lastPathComponent
            if (try url.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true {
                if name.hasPrefix(".build") || name == "node_modules" { walker.skipDescendants() }
                continue
            }
            guard name.hasSuffix(".md") else { continue }
            files.append(String(url.standardizedFileURL.path.dropFirst(rootPath.count + 1)))
        }
        return files.sorted()
    }

    /// One line per broken link: `file:line: what is wrong`.
    func problems() throws -> [String] {
        var problems: [String] = []
        var headings: [String: Set<String>] = [:]
        let rootPath = root.standardizedFileURL.path
        for file in try markdownFiles() {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            let folder = (file as NSString).deletingLastPathComponent
            for (number, line) in Self.proseLines(text) {
                for target in Self.linkTargets(line) where !Self.isAbsolute(target) {
                    let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                    let path = String(parts[0]), anchor = parts.count > 1 ? String(parts[1]) : nil
                    let absolute = path.isEmpty ? URL(fileURLWithPath: rootPath).appendingPathComponent(file).path
                        : URL(fileURLWithPath: rootPath).appendingPathComponent(folder).appendingPathComponent(path)
                            .standardizedFileURL.path
                    guard absolute.hasPrefix(rootPath + "/") else {
                        problems.append("\(file):\(number): leaves the repository: \(target)")
                        continue
                    }
                    let resolved = String(absolute.dropFirst(rootPath.count + 1))
                    guard FileManager.default.fileExists(atPath: absolute) else {
                        problems.append("\(file):\(number): no such file: \(target)")
                        continue
                    }
                    guard let anchor, resolved.hasSuffix(".md") else { continue }
                    if headings[resolved] == nil {
                        headings[resolved] = Self.headingIDs(try String(contentsOfFile: absolute, encoding: .utf8))
                    }
                    if headings[resolved]?.contains(anchor) != true {
                        problems.append("\(file):\(number): no heading #\(anchor) in \(resolved)")
                    }
                }
            }
        }
        return problems
    }

    /// The lines outside fenced code blocks, numbered from 1.
    static func proseLines(_ text: String) -> [(Int, Substring)] {
        var inFence = false
        var lines: [(Int, Substring)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") { inFence.toggle(); continue }
            if !inFence { lines.append((index + 1, line)) }
        }
        return lines
    }

    /// The targets of `[text](target)` links on a line (targets without spaces).
    static func linkTargets(_ line: Substring) -> [String] {
        var targets: [String] = []
        var rest = line[...]
        while let open = rest.range(of: "](") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: ")") else { break }
            let target = after[..<close]
            if !target.isEmpty, !target.contains(" ") { targets.append(String(target)) }
            rest = after[close...]
        }
        return targets
    }

    static func isAbsolute(_ target: String) -> Bool {
        guard let colon = target.firstIndex(of: ":") else { return false }
        return target[..<colon].allSatisfy { $0.isLetter }
    }

    /// The ids of a file's headings, as GitHub makes them (a repeated one gets `-1`, `-2`, ...).
    static func headingIDs(_ text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var ids: Set<String> = []
        for (_, line) in proseLines(text) {
            let hashes = line.prefix { $0 == "#" }.count
            guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { continue }
            let id = headingID(String(line.dropFirst(hashes)))
            let count = seen[id, default: 0]
            seen[id] = count + 1
            ids.insert(count == 0 ? id : "\(id)-\(count)")
        }
        return ids
    }

    /// GitHub's id of a heading: the text of its links, lower case, letters, digits, spaces,
    /// hyphens and underscores kept, spaces made hyphens.
    static func headingID(_ heading: String) -> String {
        var text = heading.trimmingCharacters(in: .whitespaces)
        while let open = text.range(of: "["), let middle = text.range(of: "](", range: open.upperBound..<text.endIndex),
              let close = text.range(of: ")", range: middle.upperBound..<text.endIndex) {
            text.replaceSubrange(open.lowerBound..<close.upperBound, with: text[open.upperBound..<middle.lowerBound])
        }
        return String(text.lowercased().compactMap { character -> Character? in
            if character == " " { return "-" }
            if character.isLetter || character.isNumber || character == "-" || character == "_" { return character }
            return nil
        })
    }
}
