import Foundation

/// A south-facing rooftop PV system's clear-sky AC power: the sun's position from the date and
/// the place, the direct beam through the air mass, the beam and a diffuse part on the tilted
/// panels, times the system's peak power and performance ratio, cut at the inverter's maximum.
///
/// The formulas are the textbook ones (Duffie & Beckman, *Solar Engineering of Thermal
/// Processes*, ch. 1-2): Cooper's declination, the equation of time, the angle of incidence on a
/// south-facing surface `cos θ = sin δ sin(φ-β) + cos δ cos(φ-β) cos ω`, Kasten and Young's air
/// mass and Meinel's beam `1353 W/m² × 0.7^(AM^0.678)`; the diffuse part is 10 % of the beam
/// from the half of the sky the panels see. Good enough for a production's shape and size (a
/// bell from sunrise to sunset, about 6 kW at noon in May for 8 kWp at 50° N), not for a yield
/// estimate.
public struct PVSystem: Sendable, Hashable {
    /// The modules' peak power, W (8 kWp: 8,000).
    public var peakW: Double
    /// Degrees north.
    public var latitude: Double
    /// Degrees east.
    public var longitude: Double
    /// The panels' tilt from horizontal, degrees; they face south.
    public var tilt: Double
    /// What reaches the AC side of the modules' rated power at 1,000 W/m² (losses, heat).
    public var performanceRatio: Double
    /// The inverter's maximum AC power, W.
    public var inverterW: Double

    public init(peakW: Double = 8_000, latitude: Double = 50, longitude: Double = 8.7, tilt: Double = 30,
                performanceRatio: Double = 0.75, inverterW: Double = 7_000) {
        self.peakW = peakW
        self.latitude = latitude
        self.longitude = longitude
        self.tilt = tilt
        self.performanceRatio = performanceRatio
        self.inverterW = inverterW
    }

    /// The AC power under a clear sky at `date`, W (0 while the sun is down).
    public func clearSkyW(at date: Date) -> Double {
        let seconds = date.timeIntervalSince1970
        let dayOfYear = Self.dayOfYear(date)
        let utcHours = seconds.truncatingRemainder(dividingBy: 86_400) / 3_600
        let b = 2 * Double.pi * (dayOfYear - 81) / 364
        let equationOfTimeMinutes = 9.87 * sin(2 * b) - 7.53 * cos(b) - 1.5 * sin(b)
        let solarHours = utcHours + longitude / 15 + equationOfTimeMinutes / 60
        let hourAngle = Self.radians(15 * (solarHours - 12))
        let declination = Self.radians(23.45 * sin(2 * Double.pi * (284 + dayOfYear) / 365))
        let phi = Self.radians(latitude)
        let sinElevation = sin(phi) * sin(declination) + cos(phi) * cos(declination) * cos(hourAngle)
        guard sinElevation > 0 else { return 0 }
        let elevationDegrees = asin(sinElevation) * 180 / Double.pi
        let airMass = 1 / (sinElevation + 0.50572 * pow(elevationDegrees + 6.07995, -1.6364))
        let beam = 1353 * pow(0.7, pow(airMass, 0.678))
        let beta = Self.radians(tilt)
        let cosIncidence = sin(declination) * sin(phi - beta) + cos(declination) * cos(phi - beta) * cos(hourAngle)
        let onPanels = beam * max(0, cosIncidence) + 0.1 * beam * (1 + cos(beta)) / 2
        return min(inverterW, peakW * onPanels / 1000 * performanceRatio)
    }

    private static func radians(_ degrees: Double) -> Double { degrees * Double.pi / 180 }

    /// The day of the year (1 on 1 January, UTC).
    private static func dayOfYear(_ date: Date) -> Double {
        Double(utc.ordinality(of: .day, in: .year, for: date) ?? 1)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
