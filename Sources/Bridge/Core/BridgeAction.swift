import Foundation
import Metering
import Tariffs

/// What the service must do after an event: the core decides, the service executes.
public enum BridgeAction: Sendable, Equatable {
    /// Publish a message.
    case publish(topic: String, payload: String, retain: Bool)
    /// Store metered energy in the ledger (idempotent by `recordId`).
    case record(EnergyRecord)
    /// A charging session began (plug-in), with the charger's counter then (its energy baseline).
    case sessionOpened(vehicleId: String, sessionId: String, at: Date, counterWh: Double?)
    /// A charging session ended (unplug); its records are all flushed before this action.
    case sessionClosed(vehicleId: String, sessionId: String, at: Date)
    /// Publish Home Assistant's discovery messages (retained, one per entity), beside the event
    /// loop and a window at a time (``DiscoveryAnnouncer``).
    case announceDiscovery
    /// Read the session's and the day's and month's costs from the ledger and publish them.
    case refreshCosts(vehicleId: String, sessionId: String?)
    /// Store prices received from a live source in the ledger (a restart plans on them).
    case storePrices([SpotPriceSeries.Row], source: String, receivedAt: Date)
    /// Store a finished quarter-hour of the house's load (the learned profile, docs/site.md);
    /// quarters older than 7 days before `now` go.
    case storeHouseQuarter(HouseLoadQuarter, now: Date)
    /// Price costs with these tariffs from now on (the running costs are priced again).
    /// (`indirect`: inline, a tariff set would make every action several times larger).
    indirect case priceCostsWith(TariffSet)
    /// Something worth a log line.
    case log(level: LogLevel, message: String)
}

/// Severity of a ``BridgeAction/log(level:message:)``.
public enum LogLevel: String, Sendable, Equatable {
    case debug, info, notice, warning, error
}
