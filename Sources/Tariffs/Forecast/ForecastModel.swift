import Foundation

/// The learned part of the price forecast, on a `DailyPriceGrid`.
///
/// For a forecast made at the start of local day `origin` (everything before it known)
/// for day `target = origin + horizon - 1`, each quarter-hour's price is a linear
/// combination of sixteen features:
///
/// 1. a constant,
/// 2. the same quarter-hour on the last known day,
/// 3. the same quarter-hour one week before the target (the seasonal-naive forecast),
/// 4. the mean of the same quarter-hour over the last 7 days,
/// 5. the mean price of the last known day,
/// 6. the mean daily price of the last 7 days,
/// 7. the mean daily price of the last 28 days,
/// 8. the day-type profile: how the quarter-hour differed from its day's mean on the last
///    four days of the target's type (Monday, Tuesday-Thursday, Friday, Saturday,
///    Sunday or holiday),
/// 9. how much the mean price of those four days differed from their neighbours',
/// 10. the last quarter-hour's price of the last known day (where the night starts from),
/// 11. the lowest and 12. the highest price of the last known day,
/// 13. the median of the same quarter-hour over the last 7 days (a level that one spike
///     does not move),
/// 14. the mean daily price of the last 90 days (where the level returns to),
/// 15. the robust day-type profile: the median, over the last eight days of the target's
///     type, of how the quarter-hour differed from its day's median,
/// 16. last year's profile: the same median over the days of the target's type within three
///     weeks of the target's date 52 weeks earlier (the season's shape: the solar dip, the
///     evening peak; the robust day-type profile while the history is shorter than that).
///
/// The weights are fitted per horizon (1...7 days) and per quarter of the local day
/// (00-06, 06-12, 12-18, 18-24: night, morning, solar noon and evening peak behave
/// differently) by weighted ridge least squares over the
/// forecasts the model could have made and checked in the last `trainingDays` days before
/// the origin: a forecast only ever uses what was known at its origin. Each past
/// quarter-hour is weighted by 1 / max(|r|, mean |r| of its day), where r is its error
/// under the plain level-plus-profile forecast: every day counts by its own scale (a crisis
/// month does not drown a calm one) and spikes count less, which suits an error measured as
/// a mean absolute error. The ridge is relative (a thousandth of the mean diagonal).
struct ForecastModel {
    static let featureCount = 16
    /// Separate weights for each of this many equal parts of the local day.
    static let blocks = 4
    static let slotsPerBlock = DailyPriceGrid.slots / blocks
    /// Length of the normal equations of all blocks: `blocks * k * k` and `blocks * k`.
    static let matrixLength = blocks * featureCount * featureCount
    static let vectorLength = blocks * featureCount
    /// At least this many past forecasts per horizon before the weights are learned;
    /// with fewer, `fallbackWeights` (recent level plus day-type profile) apply.
    static let minimumTrainingOrigins = 28
    /// The earliest origin (in days of history) that has all features.
    static let firstOrigin = 7
    /// Last year's profile looks at the target's date 52 weeks earlier, give or take three weeks.
    static let yearAgoDays = 364
    static let yearAgoWindow = 21
    /// How many days before an origin the features look (level90, last year's profile).
    static let featureLookbackDays = yearAgoDays + yearAgoWindow
    /// The ridge as a fraction of the mean diagonal of the normal matrix.
    static let relativeRidge = 1e-3

    let grid: DailyPriceGrid
    let holidays: MarketHolidays
    let trainingDays: Int
    /// `dayType` of every day of the grid and the week after it.
    private let dayTypes: [Int]
    /// Feature 13 of every origin `1...dayCount`: `[origin * slots + slot]`.
    private let recentMedians: [Double]
    /// Feature 16 of every target day (the grid and the week after it) that has last year's
    /// days: `[day * slots + slot]`, `nan` where not.
    private let yearAgoProfiles: [Double]

    init(grid: DailyPriceGrid, holidays: MarketHolidays, trainingDays: Int) {
        self.grid = grid
        self.holidays = holidays
        self.trainingDays = trainingDays
        let types = (0..<(grid.dayCount + PriceForecaster.horizonDays)).map { Self.dayType(grid.date(ofDay: $0), holidays: holidays) }
        dayTypes = types
        // The medians that do not depend on the horizon, once per origin and per target day
        // (not once per past forecast of each horizon, which repeats them sevenfold).
        let slots = DailyPriceGrid.slots
        var medians = [Double](repeating: 0, count: (grid.dayCount + 1) * slots)
        var recent: [Double] = []
        for origin in 1..<(grid.dayCount + 1) {
            let week = max(0, origin - 7)..<origin
            for slot in 0..<slots {
                recent.removeAll(keepingCapacity: true)
                for d in week { recent.append(grid.value(day: d, slot: slot)) }
                medians[origin * slots + slot] = Self.median(&recent)
            }
        }
        recentMedians = medians
        var profiles = [Double](repeating: .nan, count: types.count * slots)
        var yearAgoDays: [Int] = []
        var deviations: [Double] = []
        for target in types.indices where target - Self.yearAgoDays - Self.yearAgoWindow >= 0 {
            let yearAgo = target - Self.yearAgoDays
            yearAgoDays.removeAll(keepingCapacity: true)
            for d in (yearAgo - Self.yearAgoWindow)...(yearAgo + Self.yearAgoWindow) where types[d] == types[target] { yearAgoDays.append(d) }
            guard !yearAgoDays.isEmpty else { continue }
            for slot in 0..<slots {
                deviations.removeAll(keepingCapacity: true)
                for d in yearAgoDays { deviations.append(grid.value(day: d, slot: slot) - grid.dailyMedian[d]) }
                profiles[target * slots + slot] = Self.median(&deviations)
            }
        }
        yearAgoProfiles = profiles
    }

    /// The day type of day index `day`: 0 Monday, 1 Tuesday-Thursday, 2 Friday, 3 Saturday,
    /// 4 Sunday or holiday.
    func dayType(_ day: Int) -> Int {
        day >= 0 && day < dayTypes.count ? dayTypes[day] : Self.dayType(grid.date(ofDay: day), holidays: holidays)
    }

    static func dayType(_ date: CivilDate, holidays: MarketHolidays) -> Int {
        if holidays.contains(date) { return 4 }
        switch date.weekday {
        case .monday: return 0
        case .tuesday, .wednesday, .thursday: return 1
        case .friday: return 2
        case .saturday: return 3
        case .sunday: return 4
        }
    }

    /// The 96 x `featureCount` feature rows (row-major) for one origin and horizon.
    func features(origin: Int, horizon: Int) -> [Double] {
        let k = Self.featureCount
        let slots = DailyPriceGrid.slots
        let target = origin + horizon - 1
        let last = origin - 1
        let week = max(0, origin - 7)..<origin
        let month = max(0, origin - 28)..<origin
        let dm = grid.dailyMean
        let level1 = dm[last]
        let level7 = week.reduce(0.0) { $0 + dm[$1] } / Double(week.count)
        let level28 = month.reduce(0.0) { $0 + dm[$1] } / Double(month.count)
        let quarter = max(0, origin - 90)..<origin
        let level90 = quarter.reduce(0.0) { $0 + dm[$1] } / Double(quarter.count)
        // The last four known days of the target's type.
        let type = dayType(target)
        var sameType: [Int] = []
        var day = last
        while day >= 0, sameType.count < 4 {
            if dayType(day) == type { sameType.append(day) }
            day -= 1
        }
        // The last eight known days of the target's type (within ten weeks), for the robust profile.
        var robustDays = sameType
        while day >= max(0, last - 70), robustDays.count < 8 {
            if dayType(day) == type { robustDays.append(day) }
            day -= 1
        }
        let dayMedian = grid.dailyMedian
        var typeOffset = 0.0
        for d in sameType {
            let around = max(0, d - 3)..<min(origin, d + 4)
            typeOffset += dm[d] - around.reduce(0.0) { $0 + dm[$1] } / Double(around.count)
        }
        if !sameType.isEmpty { typeOffset /= Double(sameType.count) }
        let weekAgo = target - 7
        var lowest = Double.infinity
        var highest = -Double.infinity
        for slot in 0..<slots {
            lowest = min(lowest, grid.value(day: last, slot: slot))
            highest = max(highest, grid.value(day: last, slot: slot))
        }
        let lastQuarter = grid.value(day: last, slot: slots - 1)

        var rows = [Double](repeating: 0, count: slots * k)
        var deviations = [Double](repeating: 0, count: robustDays.count)
        for slot in 0..<slots {
            for (index, d) in robustDays.enumerated() { deviations[index] = grid.value(day: d, slot: slot) - dayMedian[d] }
            var mean7 = 0.0
            for d in week { mean7 += grid.value(day: d, slot: slot) }
            mean7 /= Double(week.count)
            var profile = 0.0
            for d in sameType { profile += grid.value(day: d, slot: slot) - dm[d] }
            if !sameType.isEmpty { profile /= Double(sameType.count) }
            let base = slot * k
            rows[base] = 1
            rows[base + 1] = grid.value(day: last, slot: slot)
            rows[base + 2] = weekAgo >= 0 ? grid.value(day: weekAgo, slot: slot) : mean7
            rows[base + 3] = mean7
            rows[base + 4] = level1
            rows[base + 5] = level7
            rows[base + 6] = level28
            rows[base + 7] = profile
            rows[base + 8] = typeOffset
            rows[base + 9] = lastQuarter
            rows[base + 10] = lowest
            rows[base + 11] = highest
            rows[base + 12] = recentMedians[origin * slots + slot]
            rows[base + 13] = level90
            rows[base + 14] = deviations.isEmpty ? 0 : Self.median(&deviations)
            // The days of the target's type within three weeks of its date a year before (all
            // of them known: the newest lies 343 days before the target); without them, the
            // robust day-type profile.
            let yearAgo = target < dayTypes.count ? yearAgoProfiles[target * slots + slot] : .nan
            rows[base + 15] = yearAgo.isNaN ? rows[base + 14] : yearAgo
        }
        return rows
    }

    /// The normal equations `(XᵀX, Xᵀy)` of one past forecast, over the quarter-hours whose
    /// price became known (`nil` when none did or the target lies beyond the grid).
    func normalEquations(origin: Int, horizon: Int) -> (a: [Double], b: [Double])? {
        var a = [Double](repeating: 0, count: Self.matrixLength)
        var b = [Double](repeating: 0, count: Self.vectorLength)
        return accumulateNormalEquations(origin: origin, horizon: horizon, a: &a, b: &b) ? (a, b) : nil
    }

    /// Adds one past forecast's normal equations to `a` and `b` (the upper triangle of each
    /// block's `a`; `weights` mirrors it). Returns whether any quarter-hour was known.
    func accumulateNormalEquations(origin: Int, horizon: Int, a: inout [Double], b: inout [Double]) -> Bool {
        let target = origin + horizon - 1
        guard origin >= Self.firstOrigin, target < grid.dayCount else { return false }
        let k = Self.featureCount
        let slots = DailyPriceGrid.slots
        let x = features(origin: origin, horizon: horizon)
        let actual = (0..<slots).map { grid.rawValue(day: target, slot: $0) }
        // Errors of the plain level-plus-profile forecast set each quarter-hour's weight.
        var residuals = [Double](repeating: .nan, count: slots)
        var residualSum = 0.0
        var known = 0
        for slot in 0..<slots where !actual[slot].isNaN {
            let base = slot * k
            let plain = x[base + 5] + x[base + 7] + x[base + 8] // fallbackWeights
            residuals[slot] = abs(actual[slot] - plain)
            residualSum += residuals[slot]
            known += 1
        }
        guard known > 0 else { return false }
        let floor = max(residualSum / Double(known), 1e-9)
        x.withUnsafeBufferPointer { x in
            a.withUnsafeMutableBufferPointer { a in
                b.withUnsafeMutableBufferPointer { b in
                    for slot in 0..<slots where !actual[slot].isNaN {
                        let y = actual[slot]
                        let weight = 1 / max(residuals[slot], floor)
                        let base = slot * k
                        let block = slot / Self.slotsPerBlock
                        let aBase = block * k * k
                        let bBase = block * k
                        for i in 0..<k {
                            let xi = x[base + i] * weight
                            b[bBase + i] += xi * y
                            let row = aBase + i * k
                            for j in i..<k { a[row + j] += xi * x[base + j] }
                        }
                    }
                }
            }
        }
        return true
    }

    /// Weights (`blocks * featureCount`) from summed normal equations of `count` past forecasts.
    static func weights(a: [Double], b: [Double], count: Int) -> [Double] {
        let k = featureCount
        guard count >= minimumTrainingOrigins else { return fallbackAllBlocks }
        var result: [Double] = []
        result.reserveCapacity(vectorLength)
        for block in 0..<blocks {
            var matrix = Array(a[(block * k * k)..<((block + 1) * k * k)])
            for i in 0..<k { for j in 0..<i { matrix[i * k + j] = matrix[j * k + i] } }
            var trace = 0.0
            for i in 0..<k { trace += matrix[i * k + i] }
            let ridge = relativeRidge * trace / Double(k)
            for i in 0..<k { matrix[i * k + i] += ridge }
            result += solve(matrix, Array(b[(block * k)..<((block + 1) * k)])) ?? fallbackWeights
        }
        return result
    }

    /// Recent level plus day-type profile and offset, for short histories.
    static let fallbackWeights: [Double] = [0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    static let fallbackAllBlocks = Array([[Double]](repeating: fallbackWeights, count: blocks).joined())

    /// The forecast for the 96 quarter-hours of one target day.
    func predict(origin: Int, horizon: Int, weights: [Double]) -> [Double] {
        let k = Self.featureCount
        let x = features(origin: origin, horizon: horizon)
        return (0..<DailyPriceGrid.slots).map { slot in
            let base = slot / Self.slotsPerBlock * k
            var value = 0.0
            for i in 0..<k { value += weights[base + i] * x[slot * k + i] }
            return value
        }
    }

    /// Weights for forecasts made at `origin`, fitted on what was known then.
    func fittedWeights(origin: Int, horizon: Int) -> [Double] {
        var a = [Double](repeating: 0, count: Self.matrixLength)
        var b = [Double](repeating: 0, count: Self.vectorLength)
        var count = 0
        let lowest = max(Self.firstOrigin, origin - trainingDays)
        var past = origin - horizon
        while past >= lowest {
            if accumulateNormalEquations(origin: past, horizon: horizon, a: &a, b: &b) {
                count += 1
            }
            past -= 1
        }
        return Self.weights(a: a, b: b, count: count)
    }

    /// The median of `values` (sorted in place; the mean of the middle two for an even count).
    static func median(_ values: inout [Double]) -> Double {
        if values.count <= 16 {
            // The features' medians are of 4 to 8 values: an insertion sort is several times
            // faster there than the general sort (the same order, so the same median).
            values.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices.dropFirst() {
                    let value = buffer[i]
                    var j = i
                    while j > 0, buffer[j - 1] > value {
                        buffer[j] = buffer[j - 1]
                        j -= 1
                    }
                    buffer[j] = value
                }
            }
        } else {
            values.sort()
        }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }

    /// Solves `m x = v` by Gaussian elimination with partial pivoting; `nil` if singular.
    static func solve(_ m: [Double], _ v: [Double]) -> [Double]? {
        let n = v.count
        var a = m
        var x = v
        for column in 0..<n {
            var pivot = column
            for row in (column + 1)..<n where abs(a[row * n + column]) > abs(a[pivot * n + column]) { pivot = row }
            guard abs(a[pivot * n + column]) > 1e-12 else { return nil }
            if pivot != column {
                for j in 0..<n { a.swapAt(column * n + j, pivot * n + j) }
                x.swapAt(column, pivot)
            }
            for row in (column + 1)..<n {
                let factor = a[row * n + column] / a[column * n + column]
                guard factor != 0 else { continue }
                for j in column..<n { a[row * n + j] -= factor * a[column * n + j] }
                x[row] -= factor * x[column]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for j in (row + 1)..<n { sum -= a[row * n + j] * x[j] }
            x[row] = sum / a[row * n + row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
