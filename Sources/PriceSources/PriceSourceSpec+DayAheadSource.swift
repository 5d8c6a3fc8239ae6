import Foundation
import Tariffs

extension PriceSourceSpec {
    /// The HTTP fetcher for an `awattar` or `entsoe` source; `nil` for `file` (use a
    /// `PriceFileWatcher` on `filePath`) and `mqtt` (fed by the bridge's MQTT client).
    public func dayAheadSource() -> (any DayAheadPriceSource)? {
        switch kind {
        case .awattar:
            return zone.flatMap { AWATTarSource(zone: $0) }
        case .entsoe:
            guard let zone else { return nil }
            return ENTSOESource(zone: zone, tokenVariable: tokenVariable ?? ENTSOESource.defaultTokenVariable)
        case .file, .mqtt:
            return nil
        }
    }
}
