/// The known key a misspelt one most likely meant, for "did you mean ...?" in errors: the same
/// key up to case and underscores, else the closest within two edits (insert, delete, replace).
public enum KeySuggestion {
    public static func closest(to key: String, among known: some Collection<String>) -> String? {
        func normalised(_ text: String) -> [Character] { Array(text.lowercased().filter { $0 != "_" }) }
        let wanted = normalised(key)
        if let same = known.sorted().first(where: { normalised($0) == wanted }) { return same }
        guard wanted.count >= 3 else { return nil }
        var best: (key: String, distance: Int)?
        for candidate in known.sorted() {
            let distance = editDistance(wanted, normalised(candidate), limit: 2)
            if distance <= 2, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.key
    }

    /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            if current.min()! > limit { return limit + 1 }
            previous = current
        }
        return previous[b.count]
    }
}
