// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ChargeBridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "chargebridge", targets: ["chargebridge"]),
        .library(name: "TestSupport", targets: ["TestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The system library shim over Debian's libmosquitto-dev.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // glibc's malloc.h (malloc_trim), which the Glibc module leaves out: for Bridge's Heap, Linux only.
        .systemLibrary(name: "CMalloc"),
        // The one document codec: JSON/YAML values, their reader (line and column errors), typed
        // field readers, JSON paths and the one JSON writer. Foundation and Yams only.
        .target(
            name: "Documents",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The system library shim over Debian's zlib1g-dev: gzip-compressed price files.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Tariff model, validation and rate slices: pure, Foundation and Documents, and zlib for
        // reading gzip-compressed price files.
        .target(name: "Tariffs", dependencies: ["CZlib", "Documents"]),
        // Meter records, sessions and costs (pure), and the SQLite ledger (GRDB over Debian's libsqlite3).
        .target(
            name: "Metering",
            dependencies: ["Documents", "Tariffs", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The optimiser: cheapest charging schedules for one device or many under a shared limit. Pure.
        .target(name: "Planning", dependencies: ["Documents", "Tariffs"]),
        // One lock type: a value behind a lock, shared by the MQTT client, the bridge, the kit and the bench.
        .target(name: "Locking"),
        // Config, per-vehicle state machines, Home Assistant discovery, the service.
        .target(
            name: "Bridge",
            dependencies: [
                "Documents", "Tariffs", "Planning", "Metering", "MQTT", "PriceSources", "Locking",
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A Swift-concurrency MQTT client over libmosquitto: the only code that touches the C API.
        .target(
            name: "MQTT",
            dependencies: ["CMosquitto", "Locking", .product(name: "Logging", package: "swift-log")],
            exclude: ["README.md"]
        ),
        // The test kit, a product like NIO's NIOTestUtils: a real mosquitto on a free loopback port,
        // throwaway TLS certificates, a local HTTP server, the built binary, a seeded generator. Used
        // by the tests, the bench, make chaos and make load, and `chargebridge demo`.
        // Also emulated devices for the site (chargers of every kind, a grid meter) over the MQTT client.
        .target(name: "TestSupport", dependencies: ["Locking", "MQTT", .product(name: "Logging", package: "swift-log")]),
        // libcurl opened with dlopen on the first HTTP request (a C target with its own
        // declarations of libcurl's stable ABI): no libcurl at build time or at start-up.
        .target(name: "CCurl"),
        // Day-ahead price sources over HTTP (aWATTar, ENTSO-E), polling, file watching.
        .target(
            name: "PriceSources",
            dependencies: ["CCurl", "Documents", "Tariffs"]
        ),
        // The command line; `demo` starts its broker with the test kit's MosquittoBroker.
        .executableTarget(
            name: "chargebridge",
            dependencies: [
                "Documents",
                "Tariffs",
                "Metering",
                "Planning",
                "Bridge",
                "MQTT",
                "CMosquitto",
                "TestSupport",
                "Locking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: one JSON line per figure.
        .executableTarget(
            name: "chargebridge-bench",
            dependencies: ["Documents", "Tariffs", "Metering", "Planning", "MQTT", "Bridge", "TestSupport", "CampaignSupport", "Locking", .product(name: "Logging", package: "swift-log")]
        ),
        // What `make chaos`, `make load` and the bridge bench share: the real bridge binary as a child
        // process, an observing MQTT client, a fleet of simulated vehicles, figure helpers.
        .target(
            name: "CampaignSupport",
            dependencies: ["Documents", "MQTT", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")]
        ),
        // `make chaos`: broker restarts and bridge crashes against the real binary, one JSON line each.
        .executableTarget(
            name: "chargebridge-chaos",
            dependencies: ["CampaignSupport", "Documents", "Metering", "MQTT", "Bridge", "TestSupport",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")]
        ),
        // `make load`: 1,000 simulated vehicles and a burst test against the real binary, one JSON line.
        .executableTarget(
            name: "chargebridge-load",
            dependencies: ["CampaignSupport", "MQTT", "TestSupport",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "DocumentsTests", dependencies: ["Documents"]),
        .testTarget(name: "TariffsTests", dependencies: ["Documents", "Tariffs", "TestSupport"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "Tariffs", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Tariffs", "TestSupport"]),
        .testTarget(name: "MeteringTests", dependencies: ["Documents", "Metering", "Tariffs", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "BridgeTests",
            dependencies: ["Bridge", "CampaignSupport", "Documents", "Planning", "Tariffs", "Metering", "MQTT", "PriceSources", "TestSupport", "Locking",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "MQTTTests",
            dependencies: ["MQTT", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport", "MQTT", "Locking"]),
        .testTarget(name: "PriceSourcesTests", dependencies: ["PriceSources", "Tariffs", "TestSupport"], resources: [.copy("Responses")]),
    ],
    swiftLanguageModes: [.v6]
)

// `make fuzz` only (CHARGEBRIDGE_FUZZ=1, scratch path .build-fuzz): the libFuzzer targets, built with
// `--sanitize fuzzer --sanitize address`. Absent from the normal build, whose `main` it would clash with.
if Context.environment["CHARGEBRIDGE_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "chargebridge-fuzz",
        dependencies: ["Bridge", "Documents", "Metering", "Tariffs"],
        path: "Fuzz/chargebridge-fuzz",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    ))
}
