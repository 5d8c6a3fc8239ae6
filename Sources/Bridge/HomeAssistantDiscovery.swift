import Foundation

/// Home Assistant MQTT discovery: one device per vehicle with sensors for the session, its
/// cost, today's and this month's costs, the plan, controls for the driver's wishes and, with
/// a live price source, that source's status.
/// Every entity is available while `<base>/status` is `online`.
public struct HomeAssistantDiscovery: Sendable {
    public let config: BridgeConfig
    public let prefix: String

    public init(config: BridgeConfig, prefix: String) {
        self.config = config
        self.prefix = prefix
    }

    /// Where Home Assistant says `online` when it (re)starts: the bridge announces again then.
    public var statusTopic: String { "\(prefix)/status" }

    /// One retained config message per entity.
    public func messages() -> [(topic: String, payload: String)] {
        config.vehicles.flatMap(messages(for:))
    }

    /// The config messages of one vehicle's entities.
    public func messages(for vehicle: VehicleConfig) -> [(topic: String, payload: String)] {
        entities(for: vehicle).map { entity in
            let node = "chargebridge_\(vehicle.id)"
            var payload = entity.fields
            payload["unique_id"] = "\(node)_\(entity.object)"
            payload["object_id"] = "\(node)_\(entity.object)"
            payload["name"] = entity.name
            payload["has_entity_name"] = true
            payload["availability_topic"] = "\(config.baseTopic)/status"
            payload["payload_available"] = "online"
            payload["payload_not_available"] = "offline"
            payload["device"] = [
                "identifiers": [node],
                "name": vehicle.name,
                "manufacturer": "ChargeBridge",
                "model": "Tariff-aware charging",
                "suggested_area": "Garage",
            ] as [String: Any]
            payload["origin"] = ["name": "ChargeBridge", "sw_version": "0.1.0"]
            return ("\(prefix)/\(entity.component)/\(node)/\(entity.object)/config", JSONObjectText.document(payload))
        }
    }

    struct Entity {
        var component: String
        var object: String
        var name: String
        var fields: [String: Any]
    }

    func entities(for vehicle: VehicleConfig) -> [Entity] {
        let topics = vehicle.topics
        let currency = config.tariff.currency
        func sensor(_ object: String, _ name: String, topic: String, template: String, _ extra: [String: Any] = [:]) -> Entity {
            Entity(component: "sensor", object: object, name: name,
                   fields: extra.merging(["state_topic": topic, "value_template": template]) { a, _ in a })
        }
        var list = [
            sensor("session_energy", "Session energy", topic: topics.session, template: "{{ value_json.energy_wh }}",
                   ["unit_of_measurement": "Wh", "device_class": "energy", "state_class": "total_increasing"]),
            sensor("session_cost", "Session cost", topic: topics.session, template: "{{ value_json.cost }}",
                   ["unit_of_measurement": currency, "device_class": "monetary", "state_class": "total"]),
            sensor("session_average_price", "Session average price", topic: topics.session, template: "{{ value_json.average_price }}",
                   ["unit_of_measurement": "\(currency)/kWh"]),
            sensor("session_state", "Session", topic: topics.session, template: "{{ value_json.state }}", ["icon": "mdi:ev-station"]),
            sensor("cost_today", "Charging cost today", topic: topics.costToday, template: "{{ value }}",
                   ["unit_of_measurement": currency, "device_class": "monetary", "state_class": "total"]),
            sensor("cost_month", "Charging cost this month", topic: topics.costMonth, template: "{{ value }}",
                   ["unit_of_measurement": currency, "device_class": "monetary", "state_class": "total"]),
            sensor("price", "Current price", topic: "\(config.baseTopic)/price", template: "{{ value }}",
                   ["unit_of_measurement": "\(currency)/kWh", "state_class": "measurement", "icon": "mdi:cash"]),
            sensor("soc", "State of charge", topic: topics.state,
                   template: "{{ value_json.soc if value_json.soc is defined else None }}",
                   ["unit_of_measurement": "%", "device_class": "battery", "state_class": "measurement"]),
            sensor("planned_end", "Planned charge end", topic: topics.state,
                   template: "{{ value_json.planned_end if value_json.planned_end is defined else None }}", ["device_class": "timestamp"]),
            sensor("next_start", "Next charge start", topic: topics.state,
                   template: "{{ value_json.next_start if value_json.next_start is defined else None }}", ["device_class": "timestamp"]),
            sensor("departure", "Ready by", topic: topics.state,
                   template: "{{ value_json.departure if value_json.departure is defined else None }}", ["device_class": "timestamp"]),
            sensor("energy_needed", "Energy needed", topic: topics.state,
                   template: "{{ value_json.energy_needed_wh if value_json.energy_needed_wh is defined else 0 }}",
                   ["unit_of_measurement": "Wh", "device_class": "energy"]),
            sensor("planned_cost", "Planned cost", topic: topics.state,
                   template: "{{ value_json.planned_cost if value_json.planned_cost is defined else 0 }}",
                   ["unit_of_measurement": currency, "device_class": "monetary"]),
            Entity(component: "binary_sensor", object: "plugged", name: "Plugged in", fields: [
                "state_topic": topics.state, "value_template": "{{ 'ON' if value_json.plugged else 'OFF' }}", "device_class": "plug",
            ]),
            Entity(component: "binary_sensor", object: "charging", name: "Charging", fields: [
                "state_topic": topics.state, "value_template": "{{ 'ON' if value_json.charging else 'OFF' }}", "device_class": "battery_charging",
            ]),
            Entity(component: "select", object: "mode", name: "Charging mode", fields: [
                "state_topic": topics.state, "value_template": "{{ value_json.mode }}", "command_topic": topics.modeSet,
                "options": ChargingMode.allCases.map(\.rawValue), "icon": "mdi:ev-plug-type2",
            ]),
            Entity(component: "number", object: "target_soc", name: "Target charge", fields: [
                "state_topic": topics.state, "value_template": "{{ value_json.target_soc }}", "command_topic": topics.targetSocSet,
                "min": vehicle.minSoc, "max": 100, "step": 1, "unit_of_measurement": "%", "mode": "slider",
            ]),
            Entity(component: "text", object: "ready_by", name: "Ready-by time", fields: [
                "state_topic": topics.state, "value_template": "{{ value_json.ready_by }}", "command_topic": topics.readyBySet,
                "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "icon": "mdi:clock-end",
            ]),
            Entity(component: "button", object: "boost", name: "Boost", fields: [
                "command_topic": topics.boostSet, "payload_press": "ON", "icon": "mdi:flash",
            ]),
            Entity(component: "binary_sensor", object: "boosting", name: "Boosting", fields: [
                "state_topic": topics.state, "value_template": "{{ 'ON' if value_json.boost else 'OFF' }}", "icon": "mdi:flash",
            ]),
        ]
        if config.tariff.dynamic?.source?.isLive == true {
            // How the live price source is doing (up_to_date, waiting, failing), its message and
            // how far prices are known as attributes.
            list.append(sensor("price_source", "Price source", topic: "\(config.baseTopic)/prices/status", template: "{{ value_json.state }}", [
                "json_attributes_topic": "\(config.baseTopic)/prices/status", "entity_category": "diagnostic", "icon": "mdi:cloud-download",
            ]))
        }
        return list
    }
}
