import Foundation
import Testing
@testable import Tariffs

/// `KnownTimeZones.contains` decides most zones without building Foundation's
/// `TimeZone.knownTimeZoneIdentifiers`; it must answer as that list does, for every name.
@Suite struct KnownTimeZonesTests {
    /// Every file name under the system's zoneinfo (`Europe/Berlin`, `US/Eastern`, `posix/...`).
    private static func zoneinfoNames() -> [String] {
        let root = "/usr/share/zoneinfo"
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var names: [String] = []
        while let name = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(name)", isDirectory: &isDirectory), !isDirectory.boolValue {
                names.append(name)
            }
        }
        return names
    }

    @Test func answersAsFoundationsListForEveryName() {
        let known = Set(TimeZone.knownTimeZoneIdentifiers)
        var names = Set(Self.zoneinfoNames())
        names.formUnion(known)
        names.formUnion(KnownTimeZones.legacyNames)
        names.formUnion(["US/Eastern", "Etc/GMT+1", "Canada/Atlantic", "GMT", "UTC", "Europe/Kiev", "Europe/Kyiv",
                         "Asia/Calcutta", "europe/berlin", "Mars/Olympus", "Europe/Amsterdan", "GMT+1", "Europe/"])
        var checked = 0
        var fast = 0
        for name in names.sorted() {
            guard let zone = TimeZone(identifier: name) else { continue }
            checked += 1
            #expect(KnownTimeZones.contains(zone) == known.contains(zone.identifier), "\(name) (\(zone.identifier))")
            let identifier = zone.identifier
            if let slash = identifier.firstIndex(of: "/"), KnownTimeZones.isRegion(identifier[..<slash]),
               !KnownTimeZones.legacyNames.contains(identifier) {
                fast += 1
            }
        }
        #expect(checked > 400)
        // Most of the list is decided without it.
        #expect(fast * 10 > known.count * 9)
    }

    @Test func theLegacyNamesAreOutOfTheList() {
        let known = Set(TimeZone.knownTimeZoneIdentifiers)
        for name in KnownTimeZones.legacyNames {
            #expect(!known.contains(name), "\(name)")
        }
    }

    @Test func aTariffStillRejectsLegacyNames() throws {
        for name in ["US/Eastern", "Etc/GMT+1", "Asia/Saigon", "Australia/NSW"] {
            let json = #"{"timeZone": "\#(name)", "currency": "EUR", "tariffs": [{"currency": "EUR", "price": 0.3, "type": "peak"}]}"#
            #expect(Fixtures.error(json) == "timeZone: '\(name)' is not an IANA time zone (for example Europe/Amsterdam)")
        }
        let json = #"{"timeZone": "Europe/Berlin", "currency": "EUR", "tariffs": [{"currency": "EUR", "price": 0.3, "type": "peak"}]}"#
        #expect(try Fixtures.load(json).importTariff?.timeZone.identifier == "Europe/Berlin")
    }
}
