import Foundation
import Planning

extension SolarBacktest {
    /// Gives `request` the PV forecast over `[from, to)` (each quarter-hour's expected surplus:
    /// the forecast's, or with ``perfectForecast`` the real one) and the export price.
    func addSolarForecast(to request: inout ChargeRequest, from: Date, to: Date) throws {
        request.solarForecast = site.surplusPieces(from: from, to: to, perfect: perfectForecast)
        request.exportPricePerKWh = exportPricePerKWh
    }
}
