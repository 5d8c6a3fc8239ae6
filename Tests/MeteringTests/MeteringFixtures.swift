import Foundation
import Metering
import Tariffs

/// A fresh folder under the system's temp dir, removed when the test ends.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "chargebridge-ledger-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// `2025-10-07T01:00:00Z` as a `Date`.
func instant(_ text: String) -> Date {
    guard let date = Timestamp.parse(text) else { fatalError("bad instant \(text)") }
    return date
}

/// A meter record over `[start, start + minutes)` with `energyWh`.
func record(
    _ id: String, _ start: String, minutes: Double = 15, energyWh: Double, device: String = "car1",
    session: String? = "S1", direction: EnergyDirection = .import
) -> MeterRecord {
    let from = instant(start)
    return MeterRecord(start: from, end: from.addingTimeInterval(minutes * 60), deviceId: device,
                       locationId: "home", sessionReferenceId: session, recordReferenceId: id,
                       direction: direction, energyWh: energyWh)
}

/// Slices of `minutes` each from `start`, with the given prices per kWh.
func timeline(from start: String, minutes: Double = 15, prices: [Double], type: TariffType = .dynamic,
              confidence: Double = 1) -> RateTimeline {
    let from = instant(start)
    var slices: [RateSlice] = []
    for (index, price) in prices.enumerated() {
        let a = from.addingTimeInterval(Double(index) * minutes * 60)
        slices.append(RateSlice(start: a, end: a.addingTimeInterval(minutes * 60), pricePerKWh: price,
                                type: type, confidence: confidence))
    }
    return RateTimeline(from: from, to: slices.last?.end ?? from, slices: slices, gaps: [])
}

/// JSON text of meter records for a batch.
func batchJSON(_ items: [[String: Any]]) -> Data {
    try! JSONSerialization.data(withJSONObject: items, options: [.sortedKeys])
}

/// A meter record as JSON (docs/meter-records.md).
func jsonRecord(
    _ id: String, _ start: String, _ end: String, value: Any = 2000, units: String = "W",
    device: String = "car1", session: String = "S1", direction: String = "IMPORT"
) -> [String: Any] {
    ["start_time": start, "end_time": end, "device_id": device, "location_id": "home",
     "session_reference_id": session, "record_reference_id": id, "direction": direction,
     "tariff_rate": direction, "measurand": "TRANSFERRED", "units": units, "value": value]
}
