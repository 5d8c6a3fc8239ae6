import Bridge
import Documents
import Foundation
import Metering
import Tariffs

// libFuzzer entry for `make fuzz` (see Fuzz/run-fuzz.sh). One binary, several targets: the
// environment variable FUZZ_TARGET picks one (payload, jsonpath, config, tariff, meter, prices). Every
// parser must return or throw on any input; a trap, overflow or memory error is a crash.

private enum FuzzTarget: String {
    case payload, jsonpath, config, tariff, meter, prices
}

private let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be payload, jsonpath, config, tariff, meter or prices (got '\(name)')\n".utf8))
        exit(2)
    }
    return target
}()

/// An empty folder: relative CSV paths in fuzzed tariffs resolve here and find nothing.
private let emptyFolder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("chargebridge-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

private let berlin = ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!)
private let fixedNow = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    switch selected {
    case .payload: fuzzPayload(bytes)
    case .jsonpath: fuzzJSONPath(bytes)
    case .config: fuzzConfig(bytes)
    case .tariff: fuzzTariff(bytes)
    case .meter: fuzzMeter(bytes)
    case .prices: fuzzPrices(bytes)
    }
    return 0
}

/// Every payload function on the bytes; for the path-taking ones, the first line (when there is
/// one) is the configured path and the rest the payload, and the whole input is also tried as a
/// plain-text payload.
private func fuzzPayload(_ bytes: [UInt8]) {
    var path: String?
    var payload = bytes
    if let newline = bytes.firstIndex(of: 0x0A) {
        path = String(decoding: bytes[..<newline], as: UTF8.self)
        payload = Array(bytes[(newline + 1)...])
    }
    for (p, body) in [(path, payload), (nil, bytes)] {
        _ = try? PayloadParser.plug(body, path: p, connectedWords: [])
        _ = try? PayloadParser.plug(body, path: p, connectedWords: ["charging", "Connected"])
        _ = try? PayloadParser.plugState(body, path: p, mapping: PlugMapping(connected: ["2", "3", "4"], disconnected: ["1"], unknown: ["0", "5"]))
        _ = try? PayloadParser.number(body, path: p, range: 0...100, what: "state of charge")
        _ = try? PayloadParser.number(body, path: p, range: -1e6...1e6, what: "power")
    }
    _ = try? PayloadParser.mode(bytes)
    _ = try? PayloadParser.readyBy(bytes, calendar: berlin, now: fixedNow)
    _ = try? PayloadParser.boost(bytes)
}

/// A path compiled from the first line, selected in a document parsed from the rest.
private func fuzzJSONPath(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
    guard let path = JSONPath(String(parts[0])) else { return }
    let body = parts.count > 1 ? String(parts[1]) : ""
    if let document = try? DocumentValue.parse(body, preferJSON: true) {
        _ = path.select(in: document)
    }
}

private func fuzzConfig(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? BridgeConfigLoader.parse(text, baseDirectory: emptyFolder, environment: ["MQTT_PASSWORD": "secret"])
}

private func fuzzTariff(_ bytes: [UInt8]) {
    let data = Data(bytes)
    _ = try? TariffSet.parse(data, preferJSON: false, baseDirectory: emptyFolder)
    _ = try? TariffSet.parse(data, preferJSON: true, baseDirectory: emptyFolder)
}

private func fuzzMeter(_ bytes: [UInt8]) {
    _ = try? MeterBatch.parse(json: Data(bytes), source: "fuzz input")
}

/// Known prices the received ones are laid over, as the bridge does with an MQTT price topic.
private let knownPrices = try! SpotPriceSeries(rows: (0..<96).map { quarter in
    let start = fixedNow.addingTimeInterval(Double(quarter) * 900)
    return .init(start: start, end: start.addingTimeInterval(900), price: Double(quarter % 7) * 10 - 20)
}, source: "fuzz")

/// A message on an MQTT price topic: parsed, then merged into the known prices.
private func fuzzPrices(_ bytes: [UInt8]) {
    guard let received = try? SpotPriceSeries(jsonPayload: String(decoding: bytes, as: UTF8.self), topic: "payload") else { return }
    _ = knownPrices.merging(received.rows)
}
