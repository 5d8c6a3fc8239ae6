/// A wall-clock stretch `[start, end)` on some days of the week (optionally only in some
/// months) carrying a value: a tariff layer or a grid charge.
struct WeeklyRule<Value: Sendable & Hashable>: Sendable, Hashable {
    var days: Set<Weekday>
    /// `nil` when the rule applies all year.
    var months: Set<Month>?
    var start: TimeOfDay
    var end: TimeOfDay
    var value: Value

    func applies(on weekday: Weekday, in month: Month) -> Bool {
        days.contains(weekday) && (months?.contains(month) ?? true)
    }
}
