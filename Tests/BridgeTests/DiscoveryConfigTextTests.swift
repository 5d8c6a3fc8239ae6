@testable import Bridge
import Foundation
import Testing

/// Home Assistant's discovery configs (nested objects, arrays, integers) read exactly as
/// `JSONSerialization` wrote them before: a broker's retained configs keep their bytes.
@Suite struct DiscoveryConfigTextTests {
    @Test func everyDiscoveryConfigReadsAsJSONSerializationWroteIt() throws {
        let config = try BridgeFixtures.config(vehicles: """
          - {id: car1, name: Family car}
          - {id: van, name: "Work van \\"2\\"", min_soc: 30.5}
        """)
        let messages = HomeAssistantDiscovery(config: config, prefix: "homeassistant").messages()
        #expect(messages.count == 40 + 4) // the vehicles' and the site's (limit, house, chargers, available)
        for message in messages {
            // What JSONSerialization writes for the same document: parsed and written again.
            let object = try JSONSerialization.jsonObject(with: Data(message.payload.utf8))
            let again = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            #expect(message.payload == again, "\(message.topic)")
        }
    }
}
