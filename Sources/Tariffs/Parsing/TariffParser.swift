import Documents
import Foundation

/// Turns a parsed tariff document into validated `Tariff`s, naming the field of every fault.
struct TariffParser {
    /// Where relative `dynamic.prices` paths are resolved from.
    var baseDirectory: URL
    /// Already-read CSV files, so an import and export sharing one file read it once.
    private var csvCache: [String: (SpotPriceSeries, String?)] = [:]

    init(baseDirectory: URL) {
        self.baseDirectory = baseDirectory
    }

    mutating func parseSet(_ document: DocumentValue) throws -> TariffSet {
        _ = try TariffError.reading { () throws(DocumentFieldError) in try document.members(at: "(top level)") }
        if document["import"] != nil || document["export"] != nil {
            try rejectUnknownKeys(document, allowed: ["import", "export"], field: "")
            guard let importDocument = document["import"] else {
                throw TariffError.invalidField(field: "import", problem: "is required when export is given")
            }
            let importTariff = try parseTariff(importDocument, field: "import", inherited: nil, defaultDirection: .import)
            let exportTariff = try document["export"].map {
                try parseTariff($0, field: "export", inherited: importTariff, defaultDirection: .export)
            }
            if importTariff.direction != .import {
                throw TariffError.invalidField(field: "import.direction", problem: "must be IMPORT")
            }
            if let exportTariff, exportTariff.direction != .export {
                throw TariffError.invalidField(field: "export.direction", problem: "must be EXPORT")
            }
            return TariffSet(importTariff: importTariff, exportTariff: exportTariff)
        }
        let tariff = try parseTariff(document, field: "", inherited: nil, defaultDirection: .import)
        return tariff.direction == .import
            ? TariffSet(importTariff: tariff, exportTariff: nil)
            : TariffSet(importTariff: nil, exportTariff: tariff)
    }

    private static let tariffKeys: Set<String> = [
        "timeZone", "currency", "direction", "tariffs", "tariffIntervals", "holidays",
        "holidayTariffIntervals", "offPeakChargingOnly", "dynamic", "name", "description", "id",
    ]

    mutating func parseTariff(_ document: DocumentValue, field prefix: String, inherited: Tariff?, defaultDirection: EnergyDirection) throws -> Tariff {
        func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }
        _ = try TariffError.reading { () throws(DocumentFieldError) in try document.members(at: prefix.isEmpty ? "(top level)" : prefix) }
        try rejectUnknownKeys(document, allowed: Self.tariffKeys, field: prefix)

        // Time zone.
        let timeZone: TimeZone
        if let zoneValue = document["timeZone"] {
            guard let identifier = zoneValue.text, !identifier.isEmpty else {
                throw TariffError.invalidField(field: path("timeZone"), problem: "must be an IANA time zone name such as Europe/Amsterdam")
            }
            guard let zone = TimeZone(identifier: identifier), KnownTimeZones.contains(zone) || identifier == "UTC" else {
                throw TariffError.invalidField(field: path("timeZone"), problem: "'\(identifier)' is not an IANA time zone (for example Europe/Amsterdam)")
            }
            timeZone = zone
        } else if let inherited {
            timeZone = inherited.timeZone
        } else {
            throw TariffError.invalidField(field: path("timeZone"), problem: "is required (an IANA time zone such as Europe/Amsterdam)")
        }

        // Direction.
        var direction = defaultDirection
        if let value = document["direction"] {
            guard let text = value.text, let parsed = EnergyDirection(rawValue: text.uppercased()) else {
                throw TariffError.invalidField(field: path("direction"), problem: "must be IMPORT or EXPORT, found \(value.kindDescription)")
            }
            direction = parsed
        }

        // Tariff layers and currency.
        var currency = try document["currency"].map { try currencyCode($0, field: path("currency")) }
        guard let tariffsValue = document["tariffs"] else {
            throw TariffError.invalidField(field: path("tariffs"), problem: "is required: a list of {currency, price, type}")
        }
        guard case let .array(entries) = tariffsValue, !entries.isEmpty else {
            throw TariffError.invalidField(field: path("tariffs"), problem: "must be a non-empty list of {currency, price, type}")
        }
        var fixedPrices: [TariffType: Double] = [:]
        var hasDynamic = false
        for (index, entry) in entries.enumerated() {
            let entryPath = path("tariffs[\(index)]")
            guard case .object = entry else {
                throw TariffError.invalidField(field: entryPath, problem: "must be an object {currency, price, type}")
            }
            try rejectUnknownKeys(entry, allowed: ["currency", "price", "type", "name"], field: entryPath)
            guard let typeText = entry["type"]?.text else {
                throw TariffError.invalidField(field: "\(entryPath).type", problem: "is required: standard, peak, offPeak, superOffPeak or dynamic")
            }
            guard let type = TariffType(rawValue: typeText) else {
                throw TariffError.invalidField(field: "\(entryPath).type", problem: "'\(typeText)' is not one of standard, peak, offPeak, superOffPeak, dynamic")
            }
            if fixedPrices[type] != nil || (type == .dynamic && hasDynamic) {
                throw TariffError.invalidField(field: "\(entryPath).type", problem: "'\(typeText)' is defined twice")
            }
            if let entryCurrencyValue = entry["currency"] {
                let entryCurrency = try currencyCode(entryCurrencyValue, field: "\(entryPath).currency")
                if let currency, currency != entryCurrency {
                    throw TariffError.invalidField(field: "\(entryPath).currency", problem: "\(entryCurrency) does not match the tariff's currency \(currency)")
                }
                currency = entryCurrency
            }
            if type == .dynamic {
                hasDynamic = true
                if let price = entry["price"], !price.isNull {
                    _ = try finiteNumber(price, field: "\(entryPath).price")
                }
            } else {
                guard let priceValue = entry["price"] else {
                    throw TariffError.invalidField(field: "\(entryPath).price", problem: "is required: the price per kWh")
                }
                fixedPrices[type] = try finiteNumber(priceValue, field: "\(entryPath).price")
            }
        }
        let layerCount = fixedPrices.count + (hasDynamic ? 1 : 0)
        guard layerCount <= 3 else {
            throw TariffError.invalidField(field: path("tariffs"), problem: "defines \(layerCount) layers; at most three are allowed")
        }
        if fixedPrices[.standard] != nil, layerCount > 1 {
            throw TariffError.invalidField(field: path("tariffs"), problem: "a standard (flat) price cannot be combined with other layers; use peak, offPeak and superOffPeak")
        }
        guard let currency = currency ?? inherited?.currency else {
            throw TariffError.invalidField(field: path("currency"), problem: "is required (an ISO 4217 code such as EUR)")
        }
        if let inherited, inherited.currency != currency {
            throw TariffError.invalidField(field: path("currency"), problem: "\(currency) does not match the import tariff's currency \(inherited.currency)")
        }
        let defined = Set(fixedPrices.keys).union(hasDynamic ? [.dynamic] : [])

        // Intervals.
        var intervals: [WeeklyRule<TariffType>] = []
        var alwaysType: TariffType?
        if let value = document["tariffIntervals"], !value.isNull {
            intervals = try layerRules(value, field: path("tariffIntervals"), defined: defined, requireDays: true)
            if let fault = CoverageCheck.firstFault(in: intervals, field: path("tariffIntervals"), requireFullCoverage: true) {
                throw fault
            }
            let unused = defined.subtracting(intervals.map(\.value))
            if let firstUnused = unused.sorted().first, layerCount > 1 {
                throw TariffError.invalidField(field: path("tariffs"), problem: "'\(firstUnused.rawValue)' is defined but no interval uses it")
            }
        } else if layerCount == 1 {
            alwaysType = defined.first
        } else {
            throw TariffError.invalidField(field: path("tariffIntervals"), problem: "is required when more than one tariff layer is defined")
        }

        // Holidays.
        var holidays: Set<CivilDate> = []
        if let value = document["holidays"], !value.isNull {
            guard case let .array(items) = value else {
                throw TariffError.invalidField(field: path("holidays"), problem: "must be a list of dates YYYY-MM-DD")
            }
            for (index, item) in items.enumerated() {
                guard let text = item.text, let date = CivilDate(text) else {
                    throw TariffError.invalidField(field: path("holidays[\(index)]"), problem: "\(item.foundDescription) is not a date YYYY-MM-DD")
                }
                holidays.insert(date)
            }
        }
        var holidayIntervals: [WeeklyRule<TariffType>]?
        if let value = document["holidayTariffIntervals"], !value.isNull {
            if alwaysType != nil {
                throw TariffError.invalidField(field: path("holidayTariffIntervals"), problem: "needs tariffIntervals: with a single layer every day is priced the same")
            }
            let rules = try layerRules(value, field: path("holidayTariffIntervals"), defined: defined, requireDays: false)
            if let fault = CoverageCheck.firstFault(in: rules, field: path("holidayTariffIntervals"), requireFullCoverage: true, ignoreDays: true) {
                throw fault
            }
            holidayIntervals = rules
        }

        // Off-peak only.
        var offPeakChargingOnly = false
        if let value = document["offPeakChargingOnly"], !value.isNull {
            let flag = try TariffError.reading { () throws(DocumentFieldError) in try value.boolean(at: path("offPeakChargingOnly")) }
            offPeakChargingOnly = flag
            if flag, fixedPrices[.offPeak] == nil, fixedPrices[.superOffPeak] == nil {
                throw TariffError.invalidField(field: path("offPeakChargingOnly"), problem: "is true but no offPeak or superOffPeak price is defined")
            }
        }

        // Dynamic prices.
        var dynamic: DynamicPricing?
        if let value = document["dynamic"], !value.isNull {
            guard hasDynamic else {
                throw TariffError.invalidField(field: path("dynamic"), problem: "is given but no tariff has type dynamic")
            }
            dynamic = try dynamicPricing(value, field: path("dynamic"), currency: currency, timeZone: timeZone, holidays: holidays)
        } else if hasDynamic {
            throw TariffError.invalidField(field: path("dynamic"), problem: "is required for a dynamic tariff: {prices, unit, charges, vat}")
        }

        return Tariff(
            timeZone: timeZone, currency: currency, direction: direction, offPeakChargingOnly: offPeakChargingOnly,
            fixedPrices: fixedPrices, intervals: intervals, holidayIntervals: holidayIntervals, holidays: holidays,
            alwaysType: alwaysType, dynamic: dynamic
        )
    }

    // MARK: Parts

    private func layerRules(_ value: DocumentValue, field: String, defined: Set<TariffType>, requireDays: Bool) throws -> [WeeklyRule<TariffType>] {
        guard case let .array(items) = value else {
            throw TariffError.invalidField(field: field, problem: "must be a list of {daysOfWeek, startTime, endTime, tariffType}")
        }
        return try items.enumerated().map { index, item in
            let itemPath = "\(field)[\(index)]"
            try rejectUnknownKeys(item, allowed: ["daysOfWeek", "startTime", "endTime", "tariffType", "months"], field: itemPath)
            guard let typeText = item["tariffType"]?.text else {
                throw TariffError.invalidField(field: "\(itemPath).tariffType", problem: "is required")
            }
            guard let type = TariffType(rawValue: typeText), defined.contains(type) else {
                throw TariffError.invalidField(field: "\(itemPath).tariffType", problem: "'\(typeText)' is not defined in tariffs")
            }
            return try rule(item, field: itemPath, value: type, requireDays: requireDays)
        }
    }

    private func rule<V>(_ item: DocumentValue, field: String, value: V, requireDays: Bool) throws -> WeeklyRule<V> {
        guard case .object = item else {
            throw TariffError.invalidField(field: field, problem: "must be an object")
        }
        var days = Set(Weekday.allCases)
        if let daysValue = item["daysOfWeek"], !daysValue.isNull {
            days = try nameSet(daysValue, field: "\(field).daysOfWeek", all: Weekday.allCases)
        } else if requireDays {
            throw TariffError.invalidField(field: "\(field).daysOfWeek", problem: "is required: a list such as [\"monday\", \"tuesday\"]")
        }
        var months: Set<Month>?
        if let monthsValue = item["months"], !monthsValue.isNull {
            months = try nameSet(monthsValue, field: "\(field).months", all: Month.allCases)
        }
        let start = try time(item["startTime"], field: "\(field).startTime")
        let end = try time(item["endTime"], field: "\(field).endTime")
        guard start.minutes < 1440 else {
            throw TariffError.invalidField(field: "\(field).startTime", problem: "24:00 can only end an interval")
        }
        guard start < end else {
            throw TariffError.invalidField(
                field: field,
                problem: start == end
                    ? "\(start)-\(end) is empty"
                    : "\(start)-\(end) runs backwards; split an interval that crosses midnight into \(start)-24:00 and 00:00-\(end)"
            )
        }
        return WeeklyRule(days: days, months: months, start: start, end: end, value: value)
    }

    private func nameSet<T: RawRepresentable & Hashable>(_ value: DocumentValue, field: String, all: [T]) throws -> Set<T> where T.RawValue == String {
        guard case let .array(items) = value, !items.isEmpty else {
            throw TariffError.invalidField(field: field, problem: "must be a non-empty list such as [\"\(all[0].rawValue)\"]")
        }
        var result = Set<T>()
        for (index, item) in items.enumerated() {
            guard let text = item.text, let parsed = T(rawValue: text.lowercased()) else {
                throw TariffError.invalidField(
                    field: "\(field)[\(index)]",
                    problem: "\(item.foundDescription) is not one of \(all.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard result.insert(parsed).inserted else {
                throw TariffError.invalidField(field: "\(field)[\(index)]", problem: "'\(text)' is listed twice")
            }
        }
        return result
    }

    private func time(_ value: DocumentValue?, field: String) throws -> TimeOfDay {
        guard let value else {
            throw TariffError.invalidField(field: field, problem: "is required (HH:MM)")
        }
        guard let text = value.text, let time = TimeOfDay(text) else {
            throw TariffError.invalidField(field: field, problem: "\(value.foundDescription) is not a time HH:MM from 00:00 to 24:00")
        }
        return time
    }

    private func currencyCode(_ value: DocumentValue, field: String) throws -> String {
        guard let text = value.text, text.count == 3, text.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw TariffError.invalidField(field: field, problem: "\(value.foundDescription) is not an ISO 4217 currency code such as EUR")
        }
        return text
    }

    private func finiteNumber(_ value: DocumentValue, field: String) throws -> Double {
        try TariffError.reading { () throws(DocumentFieldError) in try value.finiteNumber(at: field) }
    }

    private func rejectUnknownKeys(_ value: DocumentValue, allowed: Set<String>, field: String) throws {
        guard case .object = value else { return }
        try TariffError.reading { () throws(DocumentFieldError) in try value.rejectUnknownKeys(allowed, at: field) }
    }

    // MARK: Dynamic

    private mutating func dynamicPricing(
        _ value: DocumentValue, field: String, currency: String, timeZone: TimeZone, holidays: Set<CivilDate>
    ) throws -> DynamicPricing {
        guard case .object = value else {
            throw TariffError.invalidField(field: field, problem: "must be an object {prices, unit, charges, vat}")
        }
        try rejectUnknownKeys(
            value, allowed: ["prices", "unit", "charges", "vat", "chargesZones", "source", "zone", "tokenEnv", "topic", "forecast"], field: field
        )
        let (source, sourceZone) = try priceSource(value, field: field)
        var csvColumn: String?
        let series: SpotPriceSeries
        switch value["prices"] {
        case nil where source != nil && source?.kind != .file:
            // A live source fills the prices in; until then only the forecast could help, and
            // it needs a week of history.
            series = try SpotPriceSeries(rows: [], source: "\(field).prices")
        case nil:
            throw TariffError.invalidField(field: "\(field).prices", problem: "is required: a CSV path or a list of {start, end, price}")
        case let .array(items)?:
            series = try SpotPriceSeries(list: items, field: "\(field).prices")
        case let pathValue?:
            guard let path = pathValue.text, !path.isEmpty else {
                throw TariffError.invalidField(field: "\(field).prices", problem: "must be a CSV path or a list of {start, end, price}")
            }
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
            let key = url.standardizedFileURL.path
            if let cached = csvCache[key] {
                (series, csvColumn) = cached
            } else {
                let read: (series: SpotPriceSeries, priceColumn: String?)
                do {
                    read = try SpotPriceSeries.readCSV(at: url, displayPath: path)
                } catch let TariffError.unreadable(_, reason) {
                    throw TariffError.invalidField(field: "\(field).prices", problem: "cannot read '\(path)' (\(reason))")
                }
                csvCache[key] = (read.series, read.priceColumn)
                (series, csvColumn) = (read.series, read.priceColumn)
            }
        }

        let columnUnit = csvColumn.flatMap(Self.unit(fromColumn:))
        let unitText = value["unit"]?.text ?? columnUnit ?? "\(currency)/MWh"
        let parts = unitText.split(separator: "/")
        guard parts.count == 2, parts[0].uppercased() == currency, ["MWH", "KWH"].contains(parts[1].uppercased()) else {
            throw TariffError.invalidField(field: "\(field).unit", problem: "'\(unitText)' must be \(currency)/MWh or \(currency)/kWh")
        }
        let scale = parts[1].uppercased() == "MWH" ? 0.001 : 1.0
        if let columnUnit, columnUnit.uppercased() != unitText.uppercased() {
            throw TariffError.invalidField(field: "\(field).unit", problem: "\(unitText) contradicts the CSV price column '\(csvColumn!)'")
        }
        let charges = try value["charges"].map { try finiteNumber($0, field: "\(field).charges") } ?? 0
        let vat = try value["vat"].map { try finiteNumber($0, field: "\(field).vat") } ?? 0
        guard vat >= 0, vat < 1 else {
            throw TariffError.invalidField(
                field: "\(field).vat",
                problem: vat >= 1 ? "\(vat) looks like a percentage; write it as a fraction (0.19 for 19 %)" : "must not be negative"
            )
        }
        var zones: [WeeklyRule<Double>] = []
        if let zonesValue = value["chargesZones"], !zonesValue.isNull {
            guard case let .array(items) = zonesValue else {
                throw TariffError.invalidField(field: "\(field).chargesZones", problem: "must be a list of {daysOfWeek, startTime, endTime, charges}")
            }
            zones = try items.enumerated().map { index, item in
                let itemPath = "\(field).chargesZones[\(index)]"
                try rejectUnknownKeys(item, allowed: ["daysOfWeek", "startTime", "endTime", "charges", "months"], field: itemPath)
                guard let chargesValue = item["charges"] else {
                    throw TariffError.invalidField(field: "\(itemPath).charges", problem: "is required: the charges per kWh in these hours")
                }
                return try rule(item, field: itemPath, value: try finiteNumber(chargesValue, field: "\(itemPath).charges"), requireDays: false)
            }
            if let fault = CoverageCheck.firstFault(in: zones, field: "\(field).chargesZones", requireFullCoverage: false) {
                throw fault
            }
        }
        var forecastEnabled = true
        if let forecastValue = value["forecast"], !forecastValue.isNull {
            forecastEnabled = try TariffError.reading { () throws(DocumentFieldError) in try forecastValue.boolean(at: "\(field).forecast") }
        }
        // A CSV path without another source is the file source (re-read when it changes).
        var spec = source
        if spec == nil, let path = value["prices"]?.text, !path.isEmpty {
            spec = PriceSourceSpec(kind: .file, zone: sourceZone)
        }
        if spec?.kind == .file {
            guard let path = value["prices"]?.text, !path.isEmpty else {
                throw TariffError.invalidField(field: "\(field).source", problem: "file needs prices to name a CSV file")
            }
            spec?.filePath = (path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)).standardizedFileURL.path
        }
        let zone = (spec?.zone ?? sourceZone)?.name
        let forecaster = PriceForecaster(
            calendar: ZoneCalendar(timeZone: timeZone),
            holidays: MarketHolidays(zone: zone ?? (timeZone.identifier == "Europe/Berlin" ? "DE-LU" : nil), extraDates: holidays)
        )
        return DynamicPricing(
            spot: series, unitScale: scale, charges: charges, vat: vat, chargesZones: zones,
            forecastEnabled: forecastEnabled, forecaster: forecaster, source: spec
        )
    }

    /// `source`, `zone`, `tokenEnv` and `topic`; `nil` when none is given.
    private func priceSource(_ value: DocumentValue, field: String) throws -> (spec: PriceSourceSpec?, zone: BiddingZone?) {
        func text(_ key: String, _ expected: @autoclosure () -> String) throws -> String? {
            guard let item = value[key], !item.isNull else { return nil }
            guard let string = item.text?.trimmingCharacters(in: .whitespaces), !string.isEmpty else {
                throw TariffError.invalidField(field: "\(field).\(key)", problem: "must be \(expected())")
            }
            return string
        }
        // Only for the error messages (joining the names at every load cost a conformance scan).
        func kinds() -> String { PriceSourceSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ") }
        let sourceText = try text("source", "one of \(kinds())")
        let zoneText = try text("zone", "a bidding zone such as DE-LU")
        let tokenText = try text("tokenEnv", "the name of an environment variable")
        let topicText = try text("topic", "an MQTT topic")
        var zone: BiddingZone?
        if let zoneText {
            guard let known = BiddingZone(named: zoneText) else {
                let names = BiddingZone.known.map(\.name).joined(separator: ", ")
                throw TariffError.invalidField(field: "\(field).zone", problem: "'\(zoneText)' is not a known bidding zone (\(names)) or an ENTSO-E area code")
            }
            zone = known
        }
        guard let sourceText else {
            for (key, given) in [("tokenEnv", tokenText), ("topic", topicText)] where given != nil {
                throw TariffError.invalidField(field: "\(field).\(key)", problem: "needs a source (entsoe for tokenEnv, mqtt for topic)")
            }
            return (nil, zone)
        }
        guard let kind = PriceSourceSpec.Kind(rawValue: sourceText.lowercased()) else {
            throw TariffError.invalidField(field: "\(field).source", problem: "'\(sourceText)' is not one of \(kinds())")
        }
        var spec = PriceSourceSpec(kind: kind, zone: zone)
        switch kind {
        case .awattar:
            let zone = zone ?? BiddingZone(named: "DE-LU")!
            guard zone.awattarURL != nil else {
                throw TariffError.invalidField(field: "\(field).zone", problem: "aWATTar serves DE-LU and AT, not \(zone.name)")
            }
            spec.zone = zone
        case .entsoe:
            guard zone != nil else {
                throw TariffError.invalidField(field: "\(field).zone", problem: "is required for the entsoe source (a bidding zone such as DE-LU)")
            }
            spec.tokenVariable = tokenText ?? PriceSourceSpec.defaultTokenVariable
        case .mqtt:
            guard let topicText else {
                throw TariffError.invalidField(field: "\(field).topic", problem: "is required for the mqtt source (the topic carrying [{start, end, price}])")
            }
            spec.topic = topicText
        case .file:
            break
        }
        if tokenText != nil, kind != .entsoe {
            throw TariffError.invalidField(field: "\(field).tokenEnv", problem: "is only for the entsoe source")
        }
        if topicText != nil, kind != .mqtt {
            throw TariffError.invalidField(field: "\(field).topic", problem: "is only for the mqtt source")
        }
        return (spec, spec.zone)
    }

    /// `eur_per_mwh` -> `EUR/MWh`.
    private static func unit(fromColumn column: String) -> String? {
        let parts = column.lowercased().split(separator: "_")
        guard parts.count == 3, parts[1] == "per", parts[0].count == 3, ["mwh", "kwh"].contains(parts[2]) else { return nil }
        return "\(parts[0].uppercased())/\(parts[2] == "mwh" ? "MWh" : "kWh")"
    }
}
