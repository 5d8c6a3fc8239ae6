import Bridge
import Foundation
import Metering
import Tariffs
import Testing

/// Hand-written bad inputs and the exact sentence each one gets (the table in README.md's
/// Reliability section). The bridge must never crash on them; it names what is wrong.
@Suite struct BadInputTableTests {
    static let folder = URL(fileURLWithPath: "/etc/chargebridge")

    static let broker = "broker:\n  url: mqtt://127.0.0.1:1883\n"
    static let vehicle = "vehicles:\n  - id: car1\n"
    static let tariff = "tariff:\n" + BridgeFixtures.tariff + "\n"

    static let configs: [(String, String)] = [
        ("", "is empty; it needs at least broker, tariff and vehicles (see Config/chargebridge.yaml)"),
        ("broker: [\n", "not valid YAML: did not find expected node content while parsing a flow node at line 2, column 1"),
        ("- a\n- b\n", "(top level) must be a mapping of keys"),
        (vehicle, "broker is required"),
        ("broker:\n  url: http://example.com\n" + vehicle, "broker.url 'http://example.com' must look like mqtt://host:1883 or mqtts://host:8883"),
        ("broker:\n  url: mqtt://127.0.0.1:99999\n" + vehicle, "broker.url has port 99999, which is not between 1 and 65535"),
        ("broker:\n  url: mqtt://user:pw@127.0.0.1\n" + vehicle, "broker.url must not hold credentials; use broker.username and password_env or password_file"),
        (broker + "  username: bridge\n  password_env: NOT_SET_ANYWHERE\n" + tariff + vehicle, "broker.password_env names the environment variable NOT_SET_ANYWHERE, which is not set"),
        (broker + "  protocol: 6\n" + tariff + vehicle, "broker.protocol must be 5 or 3.1.1"),
        (broker + "brokers: 1\n" + vehicle, "brokers is not a known key (did you mean broker?)"),
        (broker + tariff + "vehicles: []\n", "vehicles must list at least one vehicle, each with an id"),
        (broker + "tariff: missing-tariff.json\n" + vehicle, "tariff is not usable: /etc/chargebridge/missing-tariff.json: cannot read the file (no such file)"),
        (broker + tariff + "metering:\n  flush_interval_s: 5\n" + vehicle, "metering.flush_interval_s must be at most 1 second (energy is flushed at least every second)"),
        (broker + "base_topic: 'home/#'\n" + tariff + vehicle, "base_topic 'home/#' must be a plain MQTT topic without wildcards"),
        (broker + tariff + "vehicles:\n  - id: car1\n    phases: 2\n", "vehicles[0].phases must be 1 or 3"),
        (broker + tariff + "vehicles:\n  - id: car1\n    efficiency: 1.5\n", "vehicles[0].efficiency must be a fraction between 0 and 1, such as 0.9"),
        ("{\"broker\": 5, \"vehicles\": [{\"id\": \"car1\"}]}", "broker must be a mapping of keys"),
    ]

    static func configMessage(_ text: String) -> String {
        do { _ = try BridgeConfigLoader.parse(text, baseDirectory: folder) } catch { return "\(error)" }
        return "no error"
    }

    @Test(arguments: configs)
    func badConfigGetsItsSentence(text: String, expected: String) {
        #expect(Self.configMessage(text) == expected)
    }

    static let week = "[monday, tuesday, wednesday, thursday, friday, saturday, sunday]"
    static let tariffs: [(String, String)] = [
        ("\u{FF}\u{FE}", "not valid JSON or YAML: the file is not UTF-8 text"),
        ("{\"currency\": \"EUR\",", "not valid JSON: expected a quoted member name at line 1, column 20"),
        ("[]", "(top level): must be an object, found a list"),
        ("{\"tariffType\": \"FLAT\"}", "tariffType: is not a known field"),
        ("timeZone: Europe/Berlin\ncurrency: EUR\ntariffs:\n  - {type: peak, currency: EUR, price: 0.4}\ntariffIntervals:\n  - {daysOfWeek: \(week), startTime: \"00:00\", endTime: \"23:00\", tariffType: peak}\n", "tariffIntervals: monday 23:00-24:00 is not covered"),
        ("timeZone: Europe/Berlin\ncurrency: EUR\ntariffs:\n  - {type: peak, currency: EUR, price: 0.4}\ntariffIntervals:\n  - {daysOfWeek: \(week), startTime: \"00:00\", endTime: \"24:00\", tariffType: peak}\n  - {daysOfWeek: [monday], startTime: \"10:00\", endTime: \"11:00\", tariffType: peak}\n", "tariffIntervals: monday 10:00-11:00 is covered twice"),
        ("timeZone: Europe/Berlin\ncurrency: EUR\ntariffs:\n  - {type: peak, currency: EUR, price: 0.4}\ntariffIntervals:\n  - {daysOfWeek: \(week), startTime: \"00:00\", endTime: \"25:00\", tariffType: peak}\n", "tariffIntervals[0].endTime: '25:00' is not a time HH:MM from 00:00 to 24:00"),
        ("timeZone: Mars/Olympus\ncurrency: EUR\ntariffs:\n  - {type: peak, currency: EUR, price: 0.4}\ntariffIntervals:\n  - {daysOfWeek: \(week), startTime: \"00:00\", endTime: \"24:00\", tariffType: peak}\n", "timeZone: 'Mars/Olympus' is not an IANA time zone (for example Europe/Amsterdam)"),
        ("timeZone: Europe/Berlin\ncurrency: EUR\ntariffs:\n  - {type: peak, currency: EUR, price: 0.4}\ntariffIntervals:\n  - {daysOfWeek: \(week), startTime: \"00:00\", endTime: \"24:00\", tariffType: offPeak}\n", "tariffIntervals[0].tariffType: 'offPeak' is not defined in tariffs"),
        ("timeZone: Europe/Berlin\ncurrency: EUR\ntariffs:\n  - {type: dynamic, currency: EUR}\ndynamic:\n  prices: no-such-prices.csv\n  unit: EUR/MWh\n", "dynamic.prices: cannot read 'no-such-prices.csv' (no such file)"),
    ]

    static func tariffMessage(_ text: String) -> String {
        let bytes: Data = text == "\u{FF}\u{FE}" ? Data([0xFF, 0xFE]) : Data(text.utf8)
        do { _ = try TariffSet.parse(bytes, baseDirectory: folder) } catch { return "\(error)" }
        return "no error"
    }

    @Test(arguments: tariffs)
    func badTariffGetsItsSentence(text: String, expected: String) {
        #expect(Self.tariffMessage(text) == expected)
    }

    enum Field: String, Sendable { case plug, plugCustom, soc, power, mode, readyBy, boost }

    static let payloads: [(Field, String?, String, String)] = [
        (.plug, nil, "maybe", "'maybe' is not a plug state (connected/disconnected, ON/OFF, true/false, 1/0)"),
        (.plug, nil, "", "expected a plug state such as connected or disconnected, got a string"),
        (.plug, "$.state", "{oops", "expected JSON with $.state, got '{oops'"),
        (.plug, "$.state", "{\"other\": 1}", "the JSON has no $.state"),
        (.plug, "battery level", "{}", "the configured path 'battery level' is not a JSON path"),
        (.plug, "$.state", "{\"state\": [1]}", "expected a plug state such as connected or disconnected, got a list"),
        (.soc, nil, "full", "expected state of charge as a number, got a string"),
        (.soc, nil, "150", "state of charge 150 is outside 0...100"),
        (.soc, nil, "nan", "state of charge must be a finite number"),
        (.soc, "$.battery.level", "{\"battery\": {\"level\": 1e400}}", "state of charge must be a finite number"),
        (.soc, "$.data[0].soc", "{\"data\": []}", "the JSON has no $.data[0].soc"),
        (.soc, "$.soc", #"{"soc": "\ud800\u0041"}"#, "expected JSON with $.soc, got '{\"soc\": \"\\ud800\\u0041\"}'"),
        (.power, nil, "-2000000", "power -2000000 is outside -1000000...1000000"),
        (.mode, nil, "turbo", "'turbo' is not a mode (smart, fast, solar, min_solar or off)"),
        (.readyBy, nil, "25:00", "'25:00' is not a time between 00:00 and 23:59"),
        (.readyBy, nil, "2020-01-01T07:00:00Z", "ready-by 2020-01-01T07:00:00Z is in the past"),
        (.readyBy, nil, "tomorrow", "'tomorrow' is not a ready-by time (HH:MM or an ISO 8601 instant)"),
        (.boost, nil, "maybe", "'maybe' is not a boost switch (ON or OFF)"),
    ]

    static func payloadMessage(_ field: Field, _ path: String?, _ payload: String) -> String {
        let bytes = Array(payload.utf8)
        let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        do {
            switch field {
            case .plug: _ = try PayloadParser.plug(bytes, path: path, connectedWords: [])
            case .plugCustom: _ = try PayloadParser.plug(bytes, path: path, connectedWords: ["charging"])
            case .soc: _ = try PayloadParser.number(bytes, path: path, range: 0...100, what: "state of charge")
            case .power: _ = try PayloadParser.number(bytes, path: path, range: -1_000_000...1_000_000, what: "power")
            case .mode: _ = try PayloadParser.mode(bytes)
            case .readyBy: _ = try PayloadParser.readyBy(bytes, calendar: ZoneCalendar(timeZone: TimeZone(identifier: "Europe/Berlin")!), now: now)
            case .boost: _ = try PayloadParser.boost(bytes)
            }
        } catch { return "\(error)" }
        return "no error"
    }

    @Test(arguments: payloads)
    func badPayloadGetsItsSentence(field: Field, path: String?, payload: String, expected: String) {
        #expect(Self.payloadMessage(field, path, payload) == expected)
    }

    static let record = #""start_time": "2025-10-07T01:00:00Z", "end_time": "2025-10-07T02:00:00Z", "device_id": "car1", "record_reference_id": "r1""#
    static let meterBatches: [(String, String)] = [
        ("{oops", "batch.json is not valid JSON: expected an array of meter records or {\"data\": [...]}."),
        ("{\"records\": []}", "batch.json is not a batch of meter records: expected an array or an object with a \"data\" array."),
        ("42", "batch.json is not a batch of meter records: expected an array or an object with a \"data\" array."),
        ("[7]", "record 0: the record is not a JSON object."),
        ("[{}]", "record 0: record_reference_id is missing."),
        ("[{\(record), \"units\": \"W\", \"value\": -5}]", "record 0: value -5.0 is negative: send exported energy with direction EXPORT."),
        ("[{\(record), \"units\": \"W\", \"value\": \"lots\"}]", "record 0: value \"lots\" is not a number."),
        ("[{\(record), \"value\": 2000, \"units\": \"MW\"}]", "record 0: units \"MW\" is not one of W, KW, WH, KWH."),
        ("[{\"start_time\": \"yesterday\", \"end_time\": \"2025-10-07T02:00:00Z\", \"device_id\": \"car1\", \"record_reference_id\": \"r1\", \"units\": \"W\", \"value\": 1}]", "record 0: start_time \"yesterday\" is not an ISO 8601 instant with an offset or Z."),
        ("[{\"start_time\": \"2025-10-07T03:00:00Z\", \"end_time\": \"2025-10-07T02:00:00Z\", \"device_id\": \"car1\", \"record_reference_id\": \"r1\", \"units\": \"W\", \"value\": 1}]", "record 0: end_time 2025-10-07T02:00:00Z is before start_time 2025-10-07T03:00:00Z."),
    ]

    /// A batch that is not a batch throws; a bad record inside one is reported, the rest kept.
    static func meterMessage(_ json: String) -> String {
        do {
            let batch = try MeterBatch.parse(json: Data(json.utf8), source: "batch.json")
            if let failure = batch.failures.first { return "record \(failure.recordNum): \(failure.error)" }
        } catch { return "\(error)" }
        return "no error"
    }

    @Test(arguments: meterBatches)
    func badMeterBatchGetsItsSentence(json: String, expected: String) {
        #expect(Self.meterMessage(json) == expected)
    }
}
