import Foundation

/// Whether a time zone is one of Foundation's `TimeZone.knownTimeZoneIdentifiers` (what a
/// tariff's `timeZone` must be: it rejects `US/Eastern`, `Etc/GMT+1` and the other legacy names
/// ICU still knows), mostly without building that list.
///
/// Building it enumerates ICU's ~600 zones into `String`s and filters each against a list of
/// ~120 legacy names: 0.8 ms, a sixteenth of a whole `chargebridge plan` process. Most zones are
/// decided without it: a zone that `TimeZone(identifier:)` made (so ICU knows its name) under
/// one of the ten regions of the tz database, and not one of the legacy names below, is in the
/// list. Anything else (`UTC`-like names, other prefixes, the legacy names) is looked up in the
/// list itself. `KnownTimeZonesTests` checks both ways agree on every name in the system's
/// zoneinfo and every name of the list.
enum KnownTimeZones {
    /// The regions of the tz database whose zones Foundation lists (less the legacy names).
    static func isRegion(_ name: Substring) -> Bool {
        switch name {
        case "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific": true
        default: false
        }
    }

    /// Names under those regions that ICU knows but `knownTimeZoneIdentifiers` leaves out
    /// (old spellings and links, as Foundation filters them); decided by the list itself.
    static let legacyNames: [String] = [
        "Africa/Asmera", "Africa/Timbuktu",
        "America/Argentina/ComodRivadavia", "America/Atka", "America/Buenos_Aires", "America/Catamarca",
        "America/Coral_Harbour", "America/Cordoba", "America/Ensenada", "America/Fort_Wayne", "America/Indianapolis",
        "America/Jujuy", "America/Knox_IN", "America/Louisville", "America/Mendoza", "America/Porto_Acre",
        "America/Rosario", "America/Virgin",
        "Asia/Ashkhabad", "Asia/Chungking", "Asia/Dacca", "Asia/Istanbul", "Asia/Kolkata", "Asia/Macao",
        "Asia/Riyadh87", "Asia/Riyadh88", "Asia/Riyadh89", "Asia/Saigon", "Asia/Tel_Aviv", "Asia/Thimbu",
        "Asia/Ujung_Pandang", "Asia/Ulan_Bator",
        "Atlantic/Faeroe", "Atlantic/Jan_Mayen",
        "Australia/ACT", "Australia/Canberra", "Australia/LHI", "Australia/NSW", "Australia/North",
        "Australia/Queensland", "Australia/South", "Australia/Tasmania", "Australia/Victoria", "Australia/West",
        "Australia/Yancowinna",
        "Europe/Belfast", "Europe/Nicosia", "Europe/Tiraspol",
        "Pacific/Samoa", "Pacific/Yap",
    ]

    /// True when `zone` (made by `TimeZone(identifier:)`) is in `TimeZone.knownTimeZoneIdentifiers`.
    static func contains(_ zone: TimeZone) -> Bool {
        let name = zone.identifier
        if let slash = name.firstIndex(of: "/"), isRegion(name[..<slash]), !legacyNames.contains(name) {
            return true
        }
        return TimeZone.knownTimeZoneIdentifiers.contains(name)
    }
}
