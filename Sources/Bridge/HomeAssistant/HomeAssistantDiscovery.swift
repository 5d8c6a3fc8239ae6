import Documents
import Foundation

/// Home Assistant MQTT discovery: one device per vehicle with sensors for the session, its
/// cost, today's and this month's costs, the plan, controls for the driver's wishes and, with
/// a live price source, that source's status; and, with a connection limit or a grid meter,
/// one device for the site with its power sensors (`<base>/site`, docs/site.md).
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
        config.vehicles.flatMap(messages(for:)) + siteMessages()
    }

    /// The config messages of one vehicle's entities.
    public func messages(for vehicle: VehicleConfig) -> [(topic: String, payload: String)] {
        messages(entities(for: vehicle), node: "chargebridge_\(vehicle.id)", deviceName: vehicle.name, area: "Garage")
    }

    /// The config messages of the site's power sensors (none when there is neither a
    /// connection limit nor a grid meter: then the bridge publishes no `<base>/site`).
    public func siteMessages() -> [(topic: String, payload: String)] {
        messages(siteEntities(), node: "chargebridge_site_\(config.location.id)", deviceName: "Charging site \(config.location.id)", area: nil)
    }

    private func messages(_ entities: [Entity], node: String, deviceName: String, area: String?) -> [(topic: String, payload: String)] {
        entities.map { entity in
            var payload = entity.fields
            payload["unique_id"] = .string("\(node)_\(entity.object)")
            payload["object_id"] = .string("\(node)_\(entity.object)")
            payload["name"] = .string(entity.name)
            payload["has_entity_name"] = .bool(true)
            payload["availability_topic"] = .string("\(config.baseTopic)/status")
            payload["payload_available"] = .string("online")
            payload["payload_not_available"] = .string("offline")
            var device: [(key: String, value: DocumentValue)] = [
                ("identifiers", .array([.string(node)])),
                ("name", .string(deviceName)),
                ("manufacturer", .string("ChargeBridge")),
                ("model", .string("Tariff-aware charging")),
            ]
            if let area { device.append(("suggested_area", .string(area))) }
            payload["device"] = .object(device)
            payload["origin"] = .object([("name", .string("ChargeBridge")), ("sw_version", .string("0.1.0"))])
            let text = JSONWriter(sortsKeys: true).text(.object(payload.map { ($0.key, $0.value) }))
            return ("\(prefix)/\(entity.component)/\(node)/\(entity.object)/config", text)
        }
    }

    struct Entity {
        var component: String
        var object: String
        var name: String
        var fields: [String: DocumentValue]
    }

    /// The site's power sensors: W, power device class, measurement; the limit and what it
    /// leaves for the chargers with a limit, the grid and the surplus with a grid meter, the PV
    /// production with `location.solar.pv_topic`.
    func siteEntities() -> [Entity] {
        let hasLimit = config.location.maxPowerW != nil
        let hasMeter = config.location.grid != nil
        guard hasLimit || hasMeter else { return [] }
        let topic = "\(config.baseTopic)/site"
        func power(_ object: String, _ name: String, key: String, icon: String) -> Entity {
            Entity(component: "sensor", object: object, name: name, fields: [
                "state_topic": .string(topic),
                "value_template": .string("{{ value_json.\(key) if value_json.\(key) is not none else None }}"),
                "unit_of_measurement": .string("W"), "device_class": .string("power"), "state_class": .string("measurement"),
                "icon": .string(icon),
            ])
        }
        var list: [Entity] = []
        if hasLimit { list.append(power("limit", "Connection limit", key: "limit_w", icon: "mdi:fuse")) }
        if hasMeter { list.append(power("grid", "Grid power", key: "grid_w", icon: "mdi:transmission-tower")) }
        list.append(power("house", "House load", key: "house_w", icon: "mdi:home-lightning-bolt"))
        list.append(power("chargers", "Chargers", key: "chargers_w", icon: "mdi:ev-station"))
        if hasLimit { list.append(power("available", "Available for charging", key: "available_w", icon: "mdi:gauge")) }
        if hasMeter { list.append(power("surplus", "Surplus", key: "surplus_w", icon: "mdi:solar-power")) }
        if config.location.solar?.pvTopic != nil { list.append(power("pv", "Solar power", key: "pv_w", icon: "mdi:solar-panel")) }
        return list
    }

    func entities(for vehicle: VehicleConfig) -> [Entity] {
        let topics = vehicle.topics
        let currency = config.tariff.currency
        func sensor(_ object: String, _ name: String, topic: String, template: String, _ extra: [String: DocumentValue] = [:]) -> Entity {
            Entity(component: "sensor", object: object, name: name,
                   fields: extra.merging(["state_topic": .string(topic), "value_template": .string(template)]) { a, _ in a })
        }
        var list = [
            sensor("session_energy", "Session energy", topic: topics.session, template: "{{ value_json.energy_wh }}",
                   ["unit_of_measurement": .string("Wh"), "device_class": .string("energy"), "state_class": .string("total_increasing")]),
            sensor("session_cost", "Session cost", topic: topics.session, template: "{{ value_json.cost }}",
                   ["unit_of_measurement": .string(currency), "device_class": .string("monetary"), "state_class": .string("total")]),
            sensor("session_average_price", "Session average price", topic: topics.session, template: "{{ value_json.average_price }}",
                   ["unit_of_measurement": .string("\(currency)/kWh")]),
            sensor("session_state", "Session", topic: topics.session, template: "{{ value_json.state }}", ["icon": .string("mdi:ev-station")]),
            sensor("cost_today", "Charging cost today", topic: topics.costToday, template: "{{ value }}",
                   ["unit_of_measurement": .string(currency), "device_class": .string("monetary"), "state_class": .string("total")]),
            sensor("cost_month", "Charging cost this month", topic: topics.costMonth, template: "{{ value }}",
                   ["unit_of_measurement": .string(currency), "device_class": .string("monetary"), "state_class": .string("total")]),
            sensor("price", "Current price", topic: "\(config.baseTopic)/price", template: "{{ value }}",
                   ["unit_of_measurement": .string("\(currency)/kWh"), "state_class": .string("measurement"), "icon": .string("mdi:cash")]),
            sensor("soc", "State of charge", topic: topics.state,
                   template: "{{ value_json.soc if value_json.soc is defined else None }}",
                   ["unit_of_measurement": .string("%"), "device_class": .string("battery"), "state_class": .string("measurement")]),
            sensor("planned_end", "Planned charge end", topic: topics.state,
                   template: "{{ value_json.planned_end if value_json.planned_end is defined else None }}", ["device_class": .string("timestamp")]),
            sensor("next_start", "Next charge start", topic: topics.state,
                   template: "{{ value_json.next_start if value_json.next_start is defined else None }}", ["device_class": .string("timestamp")]),
            sensor("departure", "Ready by", topic: topics.state,
                   template: "{{ value_json.departure if value_json.departure is defined else None }}", ["device_class": .string("timestamp")]),
            sensor("energy_needed", "Energy needed", topic: topics.state,
                   template: "{{ value_json.energy_needed_wh if value_json.energy_needed_wh is defined else 0 }}",
                   ["unit_of_measurement": .string("Wh"), "device_class": .string("energy")]),
            sensor("planned_cost", "Planned cost", topic: topics.state,
                   template: "{{ value_json.planned_cost if value_json.planned_cost is defined else 0 }}",
                   ["unit_of_measurement": .string(currency), "device_class": .string("monetary")]),
            Entity(component: "binary_sensor", object: "plugged", name: "Plugged in", fields: [
                "state_topic": .string(topics.state), "value_template": .string("{{ 'ON' if value_json.plugged else 'OFF' }}"), "device_class": .string("plug"),
            ]),
            Entity(component: "binary_sensor", object: "charging", name: "Charging", fields: [
                "state_topic": .string(topics.state), "value_template": .string("{{ 'ON' if value_json.charging else 'OFF' }}"), "device_class": .string("battery_charging"),
            ]),
            Entity(component: "select", object: "mode", name: "Charging mode", fields: [
                "state_topic": .string(topics.state), "value_template": .string("{{ value_json.mode }}"), "command_topic": .string(topics.modeSet),
                "options": .array(ChargingMode.allCases.map { .string($0.rawValue) }), "icon": .string("mdi:ev-plug-type2"),
            ]),
            Entity(component: "number", object: "target_soc", name: "Target charge", fields: [
                "state_topic": .string(topics.state), "value_template": .string("{{ value_json.target_soc }}"), "command_topic": .string(topics.targetSocSet),
                "min": .number(vehicle.minSoc), "max": .number(100), "step": .number(1), "unit_of_measurement": .string("%"), "mode": .string("slider"),
            ]),
            Entity(component: "text", object: "ready_by", name: "Ready-by time", fields: [
                "state_topic": .string(topics.state), "value_template": .string("{{ value_json.ready_by }}"), "command_topic": .string(topics.readyBySet),
                "pattern": .string("^([01][0-9]|2[0-3]):[0-5][0-9]$"), "icon": .string("mdi:clock-end"),
            ]),
            Entity(component: "button", object: "boost", name: "Boost", fields: [
                "command_topic": .string(topics.boostSet), "payload_press": .string("ON"), "icon": .string("mdi:flash"),
            ]),
            Entity(component: "binary_sensor", object: "boosting", name: "Boosting", fields: [
                "state_topic": .string(topics.state), "value_template": .string("{{ 'ON' if value_json.boost else 'OFF' }}"), "icon": .string("mdi:flash"),
            ]),
        ]
        if config.location.grid != nil {
            // Solar needs the grid meter: the session's solar share and what it saved against
            // charging at once from the grid (docs/costs.md).
            list.append(sensor("session_solar_share", "Session solar share", topic: topics.session,
                               template: "{{ value_json.solar_share if value_json.solar_share is defined else 0 }}",
                               ["unit_of_measurement": .string("%"), "state_class": .string("measurement"), "icon": .string("mdi:solar-power")]))
            list.append(sensor("session_savings", "Session savings", topic: topics.session,
                               template: "{{ value_json.savings if value_json.savings is defined else None }}",
                               ["unit_of_measurement": .string(currency), "device_class": .string("monetary"), "state_class": .string("total"),
                                "icon": .string("mdi:piggy-bank")]))
        }
        if config.tariff.dynamic?.source?.isLive == true {
            // How the live price source is doing (up_to_date, waiting, failing), its message and
            // how far prices are known as attributes.
            list.append(sensor("price_source", "Price source", topic: "\(config.baseTopic)/prices/status", template: "{{ value_json.state }}", [
                "json_attributes_topic": .string("\(config.baseTopic)/prices/status"), "entity_category": .string("diagnostic"), "icon": .string("mdi:cloud-download"),
            ]))
        }
        return list
    }
}
