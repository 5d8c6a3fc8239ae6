import ArgumentParser

/// What a command's `--from` and `--to` take, in its help.
protocol WindowBounds {
    static var fromHelp: String { get }
    static var toHelp: String { get }
}

/// `--from T --to T`: the window `[from, to)` a command looks at, as given. Each command reads
/// the bounds as what it takes (see `WindowBounds`), with its own errors.
struct WindowOption<Bounds: WindowBounds>: ParsableArguments {
    @Option(help: ArgumentHelp(Bounds.fromHelp))
    var from: String

    @Option(help: ArgumentHelp(Bounds.toHelp))
    var to: String
}

/// ISO 8601 instants with an offset or Z (`costs interval`).
enum InstantBounds: WindowBounds {
    static let fromHelp = "Start instant, ISO 8601 with an offset or Z (inclusive)."
    static let toHelp = "End instant, ISO 8601 with an offset or Z (exclusive)."
}

/// Instants or local times and dates in the tariff's time zone (`tariff rates`).
enum TariffTimeBounds: WindowBounds {
    static let fromHelp = "Start of the window (inclusive)."
    static let toHelp = "End of the window (exclusive)."
}
