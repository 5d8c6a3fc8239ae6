import Foundation
import Tariffs

/// When the driver needs the car.
public enum ReadyBy: Sendable, Hashable {
    /// The next local occurrence of this time of day.
    case timeOfDay(TimeOfDay)
    /// One departure instant.
    case instant(Date)
}
