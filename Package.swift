// swift-tools-version:6.2
import PackageDescription

/// Settings every cjr target shares: Swift 6 language mode (strict concurrency), no
/// warnings, and the upcoming features the Swift server ecosystem has adopted.
let strictSettings: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cjr",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cjr", targets: ["cjr"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Domain types and validation rules; depends on nothing but Foundation.
        .target(
            name: "CJRModel",
            swiftSettings: strictSettings
        ),
        // The run store: SQLite (GRDB, WAL, migrations) plus content-addressed file blobs.
        .target(
            name: "CJRStore",
            dependencies: [
                "CJRModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The custom-jobs REST API (Hummingbird), mapping HTTP onto the store.
        .target(
            name: "CJRAPI",
            dependencies: [
                "CJRModel",
                "CJRStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The `cjr` command line: serve, token, environments.
        .executableTarget(
            name: "cjr",
            dependencies: [
                "CJRModel",
                "CJRStore",
                "CJRAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CJRModelTests",
            dependencies: ["CJRModel"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CJRStoreTests",
            dependencies: ["CJRModel", "CJRStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        // Drives the built `cjr` binary as a subprocess.
        .testTarget(
            name: "CJRCLITests",
            dependencies: ["cjr"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CJRAPITests",
            dependencies: [
                "CJRModel",
                "CJRStore",
                "CJRAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
