/// A small dense simplex for `maximize (c1 · x, then c2 · x, ...)` subject to `A x <= b`,
/// `x >= 0`, `b >= 0` (so the origin is feasible and no first phase is needed). Each objective
/// is optimised among the optimal solutions of those before it (lexicographically): once one is
/// optimal, only columns whose reduced costs in it and the earlier ones are zero may enter. Internal to the solver, for
/// problems of a few hundred rows and columns (``ScheduleSolver``'s exact layout of small
/// groups); Dantzig's rule, Bland's after a run of degenerate pivots (no cycling).
struct LexicographicSimplex {
    /// Row-major constraint matrix, `rows` x `columns`.
    var a: [Double]
    var b: [Double]
    /// The objectives, most important first, each `columns` long.
    var objectives: [[Double]]
    let rows: Int
    let columns: Int

    init(rows: Int, columns: Int, objectives: Int = 2) {
        self.rows = rows
        self.columns = columns
        a = [Double](repeating: 0, count: rows * columns)
        b = [Double](repeating: 0, count: rows)
        self.objectives = [[Double]](repeating: [Double](repeating: 0, count: columns), count: objectives)
    }

    subscript(row: Int, column: Int) -> Double {
        get { a[row * columns + column] }
        set { a[row * columns + column] = newValue }
    }

    /// The optimal `x`, or nil when the pivots run out (`maxPivots`) or the problem is
    /// unbounded (neither happens for the solver's problems; the caller then keeps its heuristic).
    func solve(maxPivots: Int = 20_000) -> [Double]? {
        let width = columns + rows + 1
        // Tableau: constraint rows with slacks, then the objective rows (reduced costs).
        let goals = objectives.count
        var t = [Double](repeating: 0, count: (rows + goals) * width)
        for r in 0..<rows {
            for c in 0..<columns { t[r * width + c] = a[r * columns + c] }
            t[r * width + columns + r] = 1
            t[r * width + width - 1] = b[r]
        }
        for (k, objective) in objectives.enumerated() {
            for c in 0..<columns { t[(rows + k) * width + c] = -objective[c] }
        }
        var basis = (0..<rows).map { columns + $0 }
        let epsilon = 1e-10
        var degenerate = 0
        var pivots = 0
        for goal in 0..<goals {
            let objective = (rows + goal) * width
            while true {
                pivots += 1
                if pivots > maxPivots { return nil }
                let bland = degenerate > 50
                var enter = -1
                var most = -epsilon
                for c in 0..<(width - 1) {
                    if (0..<goal).contains(where: { abs(t[(rows + $0) * width + c]) > 1e-9 }) { continue }
                    let reduced = t[objective + c]
                    if reduced < most {
                        enter = c
                        if bland { break }
                        most = reduced
                    }
                }
                if enter < 0 { break }
                var leave = -1
                var ratio = Double.infinity
                for r in 0..<rows {
                    let coefficient = t[r * width + enter]
                    guard coefficient > 1e-9 else { continue }
                    let value = t[r * width + width - 1] / coefficient
                    if value < ratio - 1e-12 || (value <= ratio + 1e-12 && leave >= 0 && basis[r] < basis[leave]) {
                        ratio = value
                        leave = r
                    }
                }
                if leave < 0 { return nil }
                degenerate = ratio <= 1e-12 ? degenerate + 1 : 0
                let pivot = t[leave * width + enter]
                let pivotRow = leave * width
                var nonzero: [Int] = []
                for c in 0..<width where t[pivotRow + c] != 0 {
                    t[pivotRow + c] /= pivot
                    nonzero.append(c)
                }
                for r in 0..<(rows + goals) where r != leave {
                    let row = r * width
                    let factor = t[row + enter]
                    guard factor != 0 else { continue }
                    for c in nonzero { t[row + c] -= factor * t[pivotRow + c] }
                    t[row + enter] = 0
                }
                basis[leave] = enter
            }
        }
        var x = [Double](repeating: 0, count: columns)
        for (r, column) in basis.enumerated() where column < columns {
            x[column] = max(0, t[r * width + width - 1])
        }
        return x
    }
}
