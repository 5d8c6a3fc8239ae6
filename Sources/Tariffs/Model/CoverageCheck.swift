/// Checks that rules cover each day (each month, where months are used) from 00:00 to
/// 24:00 exactly once, or, for sparse rules such as charges zones, at most once.
enum CoverageCheck {
    /// The first gap or overlap, in calendar order (month, weekday, time); `nil` when none.
    static func firstFault<V>(
        in rules: [WeeklyRule<V>], field: String, requireFullCoverage: Bool, ignoreDays: Bool = false
    ) -> TariffError? {
        let usesMonths = rules.contains { $0.months != nil }
        let months: [Month?] = usesMonths ? Month.allCases.map { $0 } : [nil]
        let days: [Weekday] = ignoreDays ? [.monday] : Weekday.allCases
        for month in months {
            for day in days {
                let todays = rules
                    .filter { (ignoreDays || $0.days.contains(day)) && (month == nil || $0.months?.contains(month!) ?? true) }
                    .sorted { ($0.start, $0.end) < ($1.start, $1.end) }
                var covered = 0
                for rule in todays {
                    if rule.start.minutes > covered, requireFullCoverage {
                        return fault(.gap, field, ignoreDays ? nil : day, month, covered, rule.start.minutes)
                    }
                    if rule.start.minutes < covered {
                        return fault(.overlap, field, ignoreDays ? nil : day, month, rule.start.minutes, min(covered, rule.end.minutes))
                    }
                    covered = max(covered, rule.end.minutes)
                }
                if covered < 1440, requireFullCoverage {
                    return fault(.gap, field, ignoreDays ? nil : day, month, covered, 1440)
                }
            }
        }
        return nil
    }

    private enum Kind { case gap, overlap }

    private static func fault(_ kind: Kind, _ field: String, _ day: Weekday?, _ month: Month?, _ from: Int, _ to: Int) -> TariffError {
        let fromText = TimeOfDay(minutes: from)!.description
        let toText = TimeOfDay(minutes: to)!.description
        guard let day else {
            let when = "\(fromText)-\(toText)\(month.map { " in \($0.rawValue)" } ?? "")"
            return .invalidField(field: field, problem: kind == .gap ? "\(when) is not covered" : "\(when) is covered twice")
        }
        switch kind {
        case .gap: return .gap(field: field, day: day, month: month, from: fromText, to: toText)
        case .overlap: return .overlap(field: field, day: day, month: month, from: fromText, to: toText)
        }
    }
}
