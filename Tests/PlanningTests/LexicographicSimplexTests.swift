@testable import Planning
import TestSupport
import Testing

/// The small simplex behind the exact layout of small groups: the first objective at its
/// optimum, then the second among those optima.
struct LexicographicSimplexTests {
    @Test func secondObjectiveChoosesAmongTheFirstsOptima() throws {
        // Most of x + y under x + y <= 1, x <= 1, y <= 1 (every split of 1 is optimal), then
        // the least 2x + y among those: x = 0, y = 1.
        var lp = LexicographicSimplex(rows: 3, columns: 2)
        lp[0, 0] = 1; lp[0, 1] = 1; lp.b[0] = 1
        lp[1, 0] = 1; lp.b[1] = 1
        lp[2, 1] = 1; lp.b[2] = 1
        lp.objectives = [[1, 1], [-2, -1]]
        let x = try #require(lp.solve())
        #expect(abs(x[0]) < 1e-12 && abs(x[1] - 1) < 1e-12, "\(x)")
    }

    @Test func secondObjectiveNeverCostsTheFirst() throws {
        // The second objective alone would take y = 0; the first needs x + y = 3 at its most.
        var lp = LexicographicSimplex(rows: 2, columns: 2)
        lp[0, 0] = 1; lp.b[0] = 2
        lp[1, 1] = 1; lp.b[1] = 1
        lp.objectives = [[1, 1], [0, -5]]
        let x = try #require(lp.solve())
        #expect(abs(x[0] - 2) < 1e-12 && abs(x[1] - 1) < 1e-12, "\(x)")
    }

    /// Random small programmes: the solution is feasible and no vertex of a brute-force
    /// enumeration of 2-variable programmes beats it lexicographically.
    @Test func randomTwoVariableProgrammesAgainstTheirVertices() throws {
        var rng = SeededGenerator(seed: 0x51_3913)
        for round in 0..<300 {
            let rows = Int.random(in: 1...5, using: &rng)
            var lp = LexicographicSimplex(rows: rows, columns: 2)
            for r in 0..<rows {
                lp[r, 0] = Double(Int.random(in: -2...4, using: &rng))
                lp[r, 1] = Double(Int.random(in: -2...4, using: &rng))
                lp.b[r] = Double(Int.random(in: 0...6, using: &rng))
            }
            // Bounded: x, y <= 10 as well.
            var bounded = LexicographicSimplex(rows: rows + 2, columns: 2)
            for r in 0..<rows {
                bounded[r, 0] = lp[r, 0]; bounded[r, 1] = lp[r, 1]; bounded.b[r] = lp.b[r]
            }
            bounded[rows, 0] = 1; bounded.b[rows] = 10
            bounded[rows + 1, 1] = 1; bounded.b[rows + 1] = 10
            bounded.objectives = [[Double(Int.random(in: -1...3, using: &rng)), Double(Int.random(in: -1...3, using: &rng))],
                                  [Double(Int.random(in: -3...3, using: &rng)), Double(Int.random(in: -3...3, using: &rng))]]
            let x = try #require(bounded.solve(), "round \(round)")
            func feasible(_ p: [Double]) -> Bool {
                p.allSatisfy { $0 >= -1e-9 } && (0..<(rows + 2)).allSatisfy { r in
                    bounded[r, 0] * p[0] + bounded[r, 1] * p[1] <= bounded.b[r] + 1e-9
                }
            }
            #expect(feasible(x), "round \(round): \(x)")
            // Vertices: intersections of every two constraint lines (x = 0 and y = 0 included).
            var lines: [(Double, Double, Double)] = (0..<(rows + 2)).map { (bounded[$0, 0], bounded[$0, 1], bounded.b[$0]) }
            lines += [(1, 0, 0), (0, 1, 0)]
            let goals = bounded.objectives
            let value = { (p: [Double]) in (goals[0][0] * p[0] + goals[0][1] * p[1], goals[1][0] * p[0] + goals[1][1] * p[1]) }
            let got = value(x)
            for (a, l1) in lines.enumerated() {
                for l2 in lines[(a + 1)...] {
                    let det = l1.0 * l2.1 - l1.1 * l2.0
                    guard abs(det) > 1e-12 else { continue }
                    let p = [(l1.2 * l2.1 - l1.1 * l2.2) / det, (l1.0 * l2.2 - l1.2 * l2.0) / det]
                    guard feasible(p) else { continue }
                    let v = value(p)
                    #expect(v.0 <= got.0 + 1e-7, "round \(round): vertex \(p) has the first objective \(v.0) > \(got.0)")
                    if abs(v.0 - got.0) <= 1e-9 {
                        #expect(v.1 <= got.1 + 1e-7, "round \(round): vertex \(p) has the second objective \(v.1) > \(got.1)")
                    }
                }
            }
        }
    }
}
