import Foundation
import Planning

/// What the site did and what was forecast for it, step by step over `[start, end)`: the PV's
/// AC power and the house's load, each real and forecast, sampled at every step's middle.
public struct SiteSeries: Sendable {
    public let start: Date
    public let stepSeconds: Double
    /// What the panels produced, W, per step.
    public let pvW: [Double]
    /// What the house drew, W, per step.
    public let houseW: [Double]
    /// What the forecast said the panels would produce, W, per step.
    public let forecastPVW: [Double]
    /// What the planner expects the house to draw (its usual load), W, per step.
    public let forecastHouseW: [Double]

    public init(start: Date, end: Date, stepSeconds: Double = 60,
                pvW: (Date) -> Double, houseW: (Date) -> Double,
                forecastPVW: (Date) -> Double, forecastHouseW: (Date) -> Double) {
        self.start = start
        self.stepSeconds = stepSeconds
        let count = Int((end.timeIntervalSince(start) / stepSeconds).rounded(.up))
        let middles = (0..<count).map { start.addingTimeInterval((Double($0) + 0.5) * stepSeconds) }
        self.pvW = middles.map(pvW)
        self.houseW = middles.map(houseW)
        self.forecastPVW = middles.map(forecastPVW)
        self.forecastHouseW = middles.map(forecastHouseW)
    }

    public var count: Int { pvW.count }

    public var end: Date { time(count) }

    /// The start of step `index`.
    public func time(_ index: Int) -> Date { start.addingTimeInterval(Double(index) * stepSeconds) }

    /// The step that holds `date`.
    public func index(of date: Date) -> Int {
        Int((date.timeIntervalSince(start) / stepSeconds + 1e-9).rounded(.down))
    }

    /// What the home would have exported with no car charging in step `index`, W.
    public func surplusW(_ index: Int) -> Double { max(0, pvW[index] - houseW[index]) }

    /// The surplus the forecast expected in step `index`, W.
    public func forecastSurplusW(_ index: Int) -> Double { max(0, forecastPVW[index] - forecastHouseW[index]) }

    /// The surplus over `[from, to)` in pieces of `pieceSeconds` (the last one shorter), each the
    /// average of its steps: the forecast's, or with `perfect` the real one; none where it is 0.
    public func surplusPieces(from: Date, to: Date, pieceSeconds: Double = 900, perfect: Bool = false) -> [ChargeRequest.SolarPiece] {
        pieces(from: from, to: to, pieceSeconds: pieceSeconds) { steps in
            steps.reduce(0.0) { $0 + (perfect ? surplusW($1) : forecastSurplusW($1)) } / Double(steps.count)
        }.filter { $0.powerW > 0 }.map { ChargeRequest.SolarPiece(start: $0.start, end: $0.end, surplusW: $0.powerW) }
    }

    /// The connection's room over `[from, to)` in pieces of `pieceSeconds`: `connectionW` less
    /// the house's expected load, its highest step in each piece (what the plan keeps free for it).
    public func siteLimits(connectionW: Double, from: Date, to: Date, pieceSeconds: Double = 900) -> [ChargeRequest.SiteLimit] {
        pieces(from: from, to: to, pieceSeconds: pieceSeconds) { steps in
            connectionW - (steps.map { forecastHouseW[$0] }.max() ?? 0)
        }
    }

    /// `[from, to)` cut every `pieceSeconds`, each piece with `value` of its steps.
    private func pieces(from: Date, to: Date, pieceSeconds: Double, value: (Range<Int>) -> Double) -> [ChargeRequest.SiteLimit] {
        var pieces: [ChargeRequest.SiteLimit] = []
        var pieceStart = from
        while pieceStart < to {
            let pieceEnd = min(to, pieceStart.addingTimeInterval(pieceSeconds))
            let first = max(0, index(of: pieceStart))
            let steps = first..<min(count, max(first + 1, index(of: pieceEnd)))
            pieces.append(ChargeRequest.SiteLimit(start: pieceStart, end: pieceEnd, powerW: steps.isEmpty ? 0 : value(steps)))
            pieceStart = pieceEnd
        }
        return pieces
    }
}
