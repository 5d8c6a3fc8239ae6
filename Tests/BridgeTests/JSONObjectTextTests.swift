import Foundation
import Testing
@testable import Bridge

/// The hand-written state and session payloads must read exactly as `JSONSerialization` wrote
/// them before (retained topics keep their bytes across the change).
@Suite struct JSONObjectTextTests {
    enum Field: Sendable {
        case flag(Bool), number(Double), text(String)
    }

    @Test(arguments: [
        ["plugged": .flag(true), "mode": .text("smart"), "target_soc": .number(80), "soc": .number(42.5), "energy_needed_wh": .number(18500)] as [String: Field],
        ["plan_problem": .text("no prices for 2026-11-22T03:00:00Z/07:00 \"EUR\"\n\\"), "planned_cost": .number(1.2345), "boost": .flag(false)],
        ["ready_by": .text("07:00"), "ready_by_override": .text("2026-11-23T06:00:00Z"), "next_start": .text("2026-11-22T22:00:00.5Z")],
        ["a": .number(-0.0001), "b": .number(1e-7), "c": .number(123456789012.25), "d": .number(0), "e": .number(-3), "f": .number(0.1 + 0.2),
         "tab\tkey": .text("\u{01}é✓")],
    ])
    func writesWhatJSONSerializationWrites(fields: [String: Field]) throws {
        var object: [String: Any] = [:]
        for escapeSlashes in [true, false] {
            var text = JSONObjectText(escapeSlashes: escapeSlashes)
            for (key, value) in fields {
                switch value {
                case let .flag(flag): text.set(key, flag); object[key] = flag
                case let .number(number): text.set(key, number); object[key] = number
                case let .text(string): text.set(key, string); object[key] = string
                }
            }
            let options: JSONSerialization.WritingOptions = escapeSlashes ? [.sortedKeys] : [.sortedKeys, .withoutEscapingSlashes]
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
            #expect(text.text == expected)
        }
    }
}

/// Home Assistant's discovery configs (nested objects, arrays, integers) read exactly as
/// `JSONSerialization` wrote them before: a broker's retained configs keep their bytes.
@Suite struct JSONDocumentTextTests {
    @Test func writesNestedDocumentsAsJSONSerializationDoes() throws {
        let document: [String: Any] = [
            "name": "Target charge", "has_entity_name": true, "min": 20.0, "max": 100, "step": 1, "ratio": 0.25,
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "value_template": "{{ 'ON' if value_json.plugged else 'OFF' }}",
            "options": ["smart", "fast", "off"], "empty": [String](), "nested": ["identifiers": ["chargebridge_car1"], "a_b": "x/y", "ab": false] as [String: Any],
            "payload_available": "online", "payload_not_available": "offline", "plan_problem": "tab\t\"quoted\"", "planned": -3,
        ]
        for (escapeSlashes, options) in [(false, [.sortedKeys, .withoutEscapingSlashes]), (true, [.sortedKeys])] as [(Bool, JSONSerialization.WritingOptions)] {
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: document, options: options), as: UTF8.self)
            #expect(JSONObjectText.document(document, escapeSlashes: escapeSlashes) == expected)
        }
    }

    @Test func everyDiscoveryConfigReadsAsJSONSerializationWroteIt() throws {
        let config = try BridgeFixtures.config(vehicles: """
          - {id: car1, name: Family car}
          - {id: van, name: "Work van \\"2\\"", min_soc: 30.5}
        """)
        let messages = HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages()
        #expect(messages.count == 40)
        for message in messages {
            // What JSONSerialization writes for the same document: parsed and written again.
            let object = try JSONSerialization.jsonObject(with: Data(message.payload.utf8))
            let again = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            #expect(message.payload == again, "\(message.topic)")
        }
    }
}
