import Foundation
import PriceSources
import Tariffs

/// The live prices as the core sees them, pure: what each source (aWATTar, ENTSO-E, an MQTT
/// topic) delivered, how each is doing, and what to store, log and publish about it. Owned by
/// ``BridgeCore``; every method returns the actions to take and whether the prices the plans
/// rest on changed.
struct PriceFeeds: Sendable {
    /// The tariffs with the prices received so far.
    private(set) var live: LivePrices
    /// The status last reported per source (published retained, again after a reconnect).
    private var statuses: [PriceSourceSpec: PriceStatusPayload] = [:]
    /// MQTT price topics and the source each carries.
    private let topics: [String: PriceSourceSpec]
    /// When a source counts as up to date.
    private let policy: PollingPolicy
    private let baseTopic: String
    /// Where the tariff file lives, for the log.
    private let tariffPath: String?

    init(config: BridgeConfig, policy: PollingPolicy) {
        live = LivePrices(base: config.tariffs)
        topics = Dictionary(live.sources.compactMap { source in source.topic.map { ($0, source) } }, uniquingKeysWith: { first, _ in first })
        self.policy = policy
        baseTopic = config.baseTopic
        tariffPath = config.tariffPath
    }

    /// The MQTT topics prices arrive on.
    var subscriptions: [String] { topics.keys.sorted() }

    /// Whether `topic` is a price topic.
    func carriesPrices(_ topic: String) -> Bool { topics[topic] != nil }

    /// `<base>/prices/status` for the import tariff's source, `<base>/prices/export/status` for
    /// a separate source of the export tariff.
    func statusTopic(of sourceName: String) -> String {
        let exportOnly = live.base.importTariff?.dynamic?.source?.name != sourceName
        return "\(baseTopic)/prices/\(exportOnly ? "export/" : "")status"
    }

    // MARK: Events

    /// The prices stored by earlier runs; the MQTT sources wait for their topic to speak.
    mutating func restore(_ stored: [PriceSourceSpec: SpotPriceSeries], now: Date, actions: inout [BridgeAction]) -> Bool {
        var changed = false
        for source in live.sources {
            guard let series = stored[source], let until = series.lastEnd else { continue }
            changed = live.receive(series, from: source) || changed
            actions.append(.log(level: .info, message: "\(source.name): \(series.rows.count) stored prices, known until \(Timestamp.format(until))"))
        }
        for source in live.sources where source.kind == .mqtt {
            report(.waiting(knownUntil: live.series(of: source).lastEnd), of: source, now: now, actions: &actions)
        }
        return changed
    }

    /// A message on a price topic: its prices are stored and planned with, and the status says
    /// whether they reach as far as the market has published, or what is wrong with them.
    mutating func receive(topic: String, payload: [UInt8], now: Date, actions: inout [BridgeAction]) -> Bool {
        guard let source = topics[topic] else { return false }
        let text = String(decoding: payload, as: UTF8.self)
        // An empty payload clears a retained message: nothing to learn from it.
        guard !text.allSatisfy(\.isWhitespace) else { return false }
        let status: PriceSourceStatus
        var changed = false
        do {
            let rows = try SpotPriceSeries(jsonPayload: text, topic: "payload").rows
            let merged = live.series(of: source).merging(rows)
            actions.append(.storePrices(rows, source: source.name, receivedAt: now))
            changed = receive(merged, from: source, actions: &actions)
            let until = merged.lastEnd
            status = policy.isComplete(knownUntil: until, at: now) ? .upToDate(knownUntil: until!) : .waiting(knownUntil: until)
        } catch {
            status = .failing(.malformed(source: source.name, problem: "\(error)"))
        }
        report(status, of: source, now: now, actions: &actions)
        return changed
    }

    /// A day-ahead source's prices, all it knows: what is new is stored, then planned with.
    mutating func receive(polled series: SpotPriceSeries, from source: PriceSourceSpec, now: Date, actions: inout [BridgeAction]) -> Bool {
        let known = Set(live.series(of: source).rows)
        let fresh = series.rows.filter { !known.contains($0) }
        if !fresh.isEmpty { actions.append(.storePrices(fresh, source: source.name, receivedAt: now)) }
        return receive(series, from: source, actions: &actions)
    }

    /// The re-read tariff file: planned with, the received prices laid over it.
    mutating func rebase(_ set: TariffSet, actions: inout [BridgeAction]) {
        actions.append(.log(level: .notice, message: "new prices in \(tariffPath ?? "the tariff"); re-planning"))
        if set.livePriceSources != live.sources {
            actions.append(.log(level: .warning, message: "the tariff file names other price sources now; restart the bridge to use them"))
        }
        live.rebase(set)
    }

    /// A source's status, logged and published (retained) when it changes; a failing source
    /// is reported once, not on every retry.
    mutating func report(_ status: PriceSourceStatus, of source: PriceSourceSpec, now: Date, actions: inout [BridgeAction]) {
        guard statuses[source]?.status != status else { return }
        let payload = PriceStatusPayload(source: source.name, status: status, knownUntil: live.series(of: source).lastEnd, updated: now)
        statuses[source] = payload
        switch status {
        case .failing:
            let known = payload.knownUntil.map { "the prices known until \(Timestamp.format($0))" } ?? "the tariff's own prices"
            actions.append(.log(level: .warning, message: "price source \(status); planning goes on with \(known) and the forecast"))
        case .upToDate, .waiting:
            actions.append(.log(level: .info, message: "price source \(source.name): \(status)"))
        }
        actions.append(.publish(topic: statusTopic(of: source.name), payload: payload.json(), retain: true))
    }

    /// Every status reported so far, again: a restarted broker may have lost the retained ones.
    func republish(actions: inout [BridgeAction]) {
        for payload in statuses.values.sorted(by: { $0.source < $1.source }) {
            actions.append(.publish(topic: statusTopic(of: payload.source), payload: payload.json(), retain: true))
        }
    }

    /// New prices from `source`: plans are re-made when they change anything.
    private mutating func receive(_ series: SpotPriceSeries, from source: PriceSourceSpec, actions: inout [BridgeAction]) -> Bool {
        guard live.receive(series, from: source) else { return false }
        actions.append(.log(level: .notice, message: "\(source.name): prices known until \(series.lastEnd.map { Timestamp.format($0) } ?? "-"); re-planning"))
        return true
    }
}
