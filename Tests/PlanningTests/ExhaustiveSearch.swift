import Foundation

/// The best executable schedule by exhaustive search, for small instances: time is cut into
/// cells (`cellsPerQuarter` per quarter-hour) and every cell gets every combination of powers
/// the cars' chargers can draw (0 included) whose sum fits the site limit, each car running at
/// its power for any part of the cell (a shorter run carries less energy). Dynamic programming
/// over the energy each car has so far makes "every combination in every cell" affordable;
/// no combination is left out.
///
/// Powers are whole multiples of `unitW` (230 W: one amp on one phase), so energies are whole
/// multiples of `unitW` x a cell. Cost in the prices' currency (prices per kWh).
enum ExhaustiveSearch {
    struct Car {
        /// Quarters `[first, last)` the car may charge in.
        var first: Int
        var last: Int
        /// The powers its charger can draw, in units, above 0.
        var levels: [Int]
        /// Its demand, in units of energy (`unitW` over one cell).
        var demand: Int
    }

    static let unitW = 230.0

    /// Wh of one unit of energy.
    static func unitWh(cellsPerQuarter: Int) -> Double { unitW * 900 / Double(cellsPerQuarter) / 3600 }

    /// The most energy (units) and, for it, the least cost. `siteUnitsByQuarter`: the limit in
    /// each quarter where it is not `siteUnits` (nil: `siteUnits` there; at or below 0: nothing
    /// may run).
    static func best(
        cars: [Car], prices: [Double], siteUnits: Int?, siteUnitsByQuarter: [Int?]? = nil, cellsPerQuarter: Int = 3
    ) -> (units: Int, cost: Double) {
        let radix = cars.map { $0.demand + 1 }
        var stride = [Int](repeating: 1, count: cars.count)
        for c in cars.indices.dropFirst() { stride[c] = stride[c - 1] * radix[c - 1] }
        let states = radix.reduce(1, *)
        let units = (0..<states).map { state in cars.indices.reduce(0) { $0 + state / stride[$1] % radix[$1] } }
        let unitKWh = unitWh(cellsPerQuarter: cellsPerQuarter) / 1000
        var cost = [Double](repeating: .infinity, count: states)
        cost[0] = 0
        for quarter in prices.indices {
            // Every combination of drawable powers (0 included) that fits the limit; a car may
            // run any part of a cell, so combinations below another one add nothing: keep the
            // maximal ones.
            var configs: [[Int]] = [[]]
            for car in cars {
                let choices = quarter >= car.first && quarter < car.last ? [0] + car.levels : [0]
                configs = configs.flatMap { config in choices.map { config + [$0] } }
            }
            let site = (siteUnitsByQuarter?[quarter] ?? siteUnits).map { max(0, $0) }
            configs = configs.filter { config in site.map { config.reduce(0, +) <= $0 } ?? true }
            configs = configs.filter { config in
                !configs.contains { other in other != config && zip(other, config).allSatisfy { $0 >= $1 } }
            }
            let perUnit = prices[quarter] * unitKWh
            for _ in 0..<cellsPerQuarter {
                // With each car anywhere from nothing to its power for the whole cell, a state
                // `t` is reached from every `s` with `t - config <= s <= t`, at the cost of
                // `s` plus the energy added: a sliding minimum per car of `cost - energy x price`.
                let base = (0..<states).map { cost[$0] - Double(units[$0]) * perUnit }
                var next = [Double](repeating: .infinity, count: states)
                for config in configs {
                    var window = base
                    for c in cars.indices where config[c] > 0 {
                        var slid = window
                        for t in 0..<states {
                            let digit = t / stride[c] % radix[c]
                            var value = window[t]
                            var k = 1
                            while k <= min(config[c], digit) {
                                value = min(value, window[t - k * stride[c]])
                                k += 1
                            }
                            slid[t] = value
                        }
                        window = slid
                    }
                    for t in 0..<states where window[t] < next[t] { next[t] = window[t] }
                }
                for t in 0..<states { cost[t] = next[t] + Double(units[t]) * perUnit }
            }
        }
        var best = (units: -1, cost: Double.infinity)
        for state in 0..<states where cost[state] < .infinity {
            if units[state] > best.units || (units[state] == best.units && cost[state] < best.cost) {
                best = (units[state], cost[state])
            }
        }
        return best
    }
}
