// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ChargeBridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "chargebridge", targets: ["chargebridge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The system library shim over Debian's libmosquitto-dev.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // Tariff model, validation and rate slices: pure, Foundation and Yams only.
        .target(
            name: "Tariffs",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // Day-ahead price sources over HTTP (aWATTar, ENTSO-E), polling, file watching.
        .target(
            name: "PriceSources",
            dependencies: ["Tariffs"]
        ),
        // The command line.
        .executableTarget(
            name: "chargebridge",
            dependencies: [
                "Tariffs",
                "CMosquitto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: one JSON line per figure.
        .executableTarget(
            name: "chargebridge-bench",
            dependencies: ["Tariffs"]
        ),
        .testTarget(name: "TariffsTests", dependencies: ["Tariffs"]),
        .testTarget(name: "CLITests", dependencies: ["Tariffs"]),
        .testTarget(name: "PriceSourcesTests", dependencies: ["PriceSources", "Tariffs"], resources: [.copy("Responses")]),
    ],
    swiftLanguageModes: [.v6]
)
