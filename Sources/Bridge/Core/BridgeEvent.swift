import Foundation
import Metering
import PriceSources
import Tariffs

/// Something that happened, fed to ``BridgeCore/handle(_:now:)``: every input of the bridge
/// (a message, the time passing, the broker, prices and price sources) reaches the core as one.
/// The price cases are `indirect`: a tariff set inline would make every event, the readings
/// queued by the thousand included, several times larger (bridge.rss).
public enum BridgeEvent: Sendable, Equatable {
    /// An MQTT message on a subscribed topic (topic and payload copied out of the callback);
    /// a live price source's topic among them.
    case message(topic: String, payload: [UInt8])
    /// Time passed: flush energy, follow the schedule, publish costs. Sent at least every
    /// flush interval by the service.
    case tick
    /// The broker connection is (again) up: publish status and discovery, re-send wanted commands.
    case connected
    /// A day-ahead source (aWATTar, ENTSO-E) delivered its prices: all it knows so far.
    indirect case pricesChanged(PriceSourceSpec, SpotPriceSeries)
    /// The tariff file (or the prices CSV it names) was changed on disk: its prices as re-read.
    indirect case tariffFileChanged(TariffSet)
    /// A day-ahead source's status changed (reported by its poller).
    indirect case priceSourceStatus(PriceSourceSpec, PriceSourceStatus)
    /// The prices the ledger holds from earlier runs, by source, read at start-up (empty when
    /// none): planned with until the sources speak again.
    case pricesRestored([PriceSourceSpec: SpotPriceSeries])
    /// The house's quarter-hour loads the ledger holds from the last 7 days, read at start-up:
    /// the learned usual load survives a restart.
    case houseLoadRestored([HouseLoadQuarter])
    /// An open session found in the ledger at start-up, to continue under the same id.
    case sessionRestored(vehicleId: String, RestoredSession)
}
