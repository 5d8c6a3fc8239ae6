import Foundation
import Testing
@testable import Tariffs

/// `Timestamp.format` writes into one buffer for years 0...9999; it must give the bytes that
/// joining the parts gives (`formatByParts`, the way it was written before and still is for
/// other years), and read back as the same instant.
@Suite struct TimestampFormatTests {
    @Test func theBufferGivesWhatJoiningThePartsGives() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 0.0005),
            Date(timeIntervalSince1970: 0.9996), Date(timeIntervalSince1970: 1_779_062_400.25),
            Date(timeIntervalSince1970: -62_167_219_200), // 0000-01-01
            Date(timeIntervalSince1970: 253_402_300_799.999), // 9999-12-31T23:59:59.999
            Date(timeIntervalSince1970: 253_402_300_800), // 10000-01-01: by parts
            Date(timeIntervalSince1970: -62_167_219_201), // year -1: by parts
        ]
        for _ in 0..<20_000 {
            let millis = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            instants.append(Date(timeIntervalSince1970: Double(millis) / 1000))
            instants.append(Date(timeIntervalSince1970: Double(millis / 1000)))
        }
        for instant in instants {
            let (civil, secondOfDay, millis) = Timestamp.parts(instant)
            let text = Timestamp.format(instant)
            #expect(text == Timestamp.formatByParts(civil: civil, secondOfDay: secondOfDay, millis: millis), "\(instant.timeIntervalSince1970)")
            if (0...9999).contains(civil.year), let back = Timestamp.parse(text) {
                #expect(abs(back.timeIntervalSince(instant)) <= 0.0005 + 1e-6, "\(text)")
            }
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_779_062_400)) == "2026-05-18T00:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_779_062_400.25)) == "2026-05-18T00:00:00.250Z")
    }
}
