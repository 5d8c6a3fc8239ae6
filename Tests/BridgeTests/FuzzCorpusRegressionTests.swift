import Bridge
import Documents
import Foundation
import Metering
import Tariffs
import Testing

/// Every input of the fuzz corpus (Tests/FuzzCorpus/<target>/: the hand-made seeds and any crash
/// input `make fuzz` ever found) fed to its parser the way the libFuzzer target does
/// (Fuzz/chargebridge-fuzz/FuzzEntry.swift): each must return or throw, never trap.
@Suite struct FuzzCorpusRegressionTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

    static func inputs(_ target: String) throws -> [(String, [UInt8])] {
        let folder = corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    /// The first line as a JSON path, the rest as the payload (as the payload and jsonpath targets split).
    static func split(_ bytes: [UInt8]) -> (String?, [UInt8]) {
        guard let newline = bytes.firstIndex(of: 0x0A) else { return (nil, bytes) }
        return (String(decoding: bytes[..<newline], as: UTF8.self), Array(bytes[(newline + 1)...]))
    }

    @Test func payloadCorpusParsesOrGetsAnError() throws {
        let inputs = try Self.inputs("payload")
        #expect(inputs.count >= 10)
        var parsed = 0
        for (_, bytes) in inputs {
            let (path, body) = Self.split(bytes)
            if (try? PayloadParser.plug(body, path: path, connectedWords: ["charging"])) != nil { parsed += 1 }
            if (try? PayloadParser.number(body, path: path, range: 0...100, what: "state of charge")) != nil { parsed += 1 }
            if (try? PayloadParser.mode(bytes)) != nil { parsed += 1 }
            let berlin = ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!)
            if (try? PayloadParser.readyBy(bytes, calendar: berlin, now: Date(timeIntervalSince1970: 1_767_225_600))) != nil { parsed += 1 }
            if (try? PayloadParser.boost(bytes)) != nil { parsed += 1 }
        }
        // The valid seeds (plug words, numbers, JSON values, times, a mode) do parse.
        #expect(parsed >= 8)
    }

    @Test func jsonPathCorpusSelectsOrFindsNothing() throws {
        var selected = 0
        for (_, bytes) in try Self.inputs("jsonpath") {
            let (pathText, body) = Self.split(bytes)
            guard let pathText, let path = JSONPath(pathText),
                  let document = try? DocumentValue.parse(String(decoding: body, as: UTF8.self), preferJSON: true) else { continue }
            if path.select(in: document) != nil { selected += 1 }
        }
        #expect(selected >= 3)
    }

    @Test func configCorpusParsesOrNamesTheKey() throws {
        let base = Self.corpus.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Config")
        var outcomes: [String: String] = [:]
        for (name, bytes) in try Self.inputs("config") {
            do {
                _ = try BridgeConfigLoader.parse(String(decoding: bytes, as: UTF8.self), baseDirectory: base, environment: ["MQTT_PASSWORD": "x"])
                outcomes[name] = "ok"
            } catch let error as ConfigError {
                outcomes[name] = error.description
            }
        }
        #expect(outcomes["example.yaml"] == "ok")
        #expect(outcomes["minimal.yaml"] != nil)
    }

    @Test func tariffCorpusParsesOrNamesTheField() throws {
        let base = URL(fileURLWithPath: "/nonexistent-chargebridge-folder")
        var outcomes: [String: String] = [:]
        for (name, bytes) in try Self.inputs("tariff") {
            do {
                _ = try TariffSet.parse(Data(bytes), preferJSON: name.hasSuffix(".json"), baseDirectory: base)
                outcomes[name] = "ok"
            } catch let error as TariffError {
                outcomes[name] = error.description
            }
        }
        #expect(outcomes["tou.json"] == "ok")
        #expect(outcomes["truncated.json"]?.hasPrefix("not valid JSON") == true)
    }

    @Test func meterCorpusParsesOrNamesTheSource() throws {
        var records = 0
        for (_, bytes) in try Self.inputs("meter") {
            do {
                records += try MeterBatch.parse(json: Data(bytes), source: "corpus").records.count
            } catch let error as MeterBatchError {
                #expect(error.description.hasPrefix("corpus is not"))
            }
        }
        #expect(records >= 1)
    }

    @Test func pricesCorpusParsesOrNamesTheItem() throws {
        var parsed = 0
        for (_, bytes) in try Self.inputs("prices") {
            do {
                parsed += try SpotPriceSeries(jsonPayload: String(decoding: bytes, as: UTF8.self), topic: "payload").rows.count
            } catch let error as TariffError {
                #expect(error.description.hasPrefix("payload"))
            }
        }
        #expect(parsed >= 2)
    }
}
