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
    // Linux only: the launcher is built on namespaces, seccomp and cgroups.
    products: [
        .executable(name: "cjr", targets: ["cjr"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Domain types and validation rules; depends on nothing but Foundation.
        .target(
            name: "CJRModel",
            swiftSettings: strictSettings
        ),
        // Runtime parameters: metadata.yaml definitions, reserved names, environment encoding.
        .target(
            name: "CJRParameters",
            dependencies: ["CJRModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // `cjr check`: a job folder's problems, found before uploading or running it.
        .target(
            name: "CJRCheck",
            dependencies: ["CJRModel", "CJRParameters", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // The run store: SQLite (GRDB, WAL, migrations) plus content-addressed file blobs.
        .target(
            name: "CJRStore",
            dependencies: [
                "CJRModel",
                "CJRParameters",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The scheduler and executor: a bounded pool running each entry point under cjr-launch.
        .target(
            name: "CJRRunner",
            dependencies: [
                "CJRModel",
                "CJRParameters",
                "CJRStore",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The process supervisor every run executes under (C, Linux): see sandbox/README.md.
        // Plain C, linked statically: without Swift's start-up object (-nostartfiles) nothing
        // refers to the Swift runtime, so -static-executable links only libc and libseccomp
        // into it. A launch loads and relocates no shared library (0.8-1 ms of CPU less per
        // run than dynamic linking; BENCHMARKS.md), and a Slurm node needs no libseccomp.
        .executableTarget(
            name: "cjr-launch",
            path: "sandbox/launcher",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror", "-O2"])],
            linkerSettings: [.linkedLibrary("seccomp"), .unsafeFlags(["-nostartfiles", "-static-executable"])]
        ),
        // A small C program the sandbox tests run inside jobs: tries sockets and syscalls
        // and says whether the kernel (or the filter) let it.
        .executableTarget(
            name: "cjr-sandbox-probe",
            path: "sandbox/probe",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror", "-O2"])]
        ),
        // The custom-jobs REST API (Hummingbird), mapping HTTP onto the store.
        .target(
            name: "CJRAPI",
            dependencies: [
                "CJRModel",
                "CJRStore",
                "CJRRunner",
                "CCJRHost",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        // A client of the API for the `cjr` command line's verbs (AsyncHTTPClient).
        .target(
            name: "CJRClient",
            dependencies: [
                "CJRModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // prctl(PR_SET_DUMPABLE) for the cjr process (variadic), memmem (a GNU extension):
        // what Swift cannot call directly.
        .target(
            name: "CCJRHost",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]
        ),
        // The `cjr` command line: serve, token, environments.
        .executableTarget(
            name: "cjr",
            dependencies: [
                "CJRModel",
                "CJRStore",
                "CJRRunner",
                "cjr-launch",
                "CJRAPI",
                "CJRClient",
                "CJRParameters",
                "CJRCheck",
                "CCJRHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["exports.map"],
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/cjr/exports.map"],
                                          .when(platforms: [.linux]))]
        ),
        // Helpers shared by the test suites (multipart bodies, scratch directories, processes).
        .target(
            name: "CJRTestSupport",
            path: "Tests/CJRTestSupport",
            swiftSettings: strictSettings
        ),
        // `cjr-bench launch|history|logs`: cjr's costs against baselines (BENCHMARKS.md, scripts/bench).
        .executableTarget(
            name: "cjr-bench",
            dependencies: [
                "CJRAPI",
                "CJRRunner",
                "CJRStore",
                "cjr-launch",
                "CJRModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/cjr-bench",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CJRModelTests",
            dependencies: ["CJRModel"],
            swiftSettings: strictSettings
        ),
        // `cjr check` against a corpus of broken job folders, each with its exact diagnostics.
        .testTarget(
            name: "CJRCheckTests",
            dependencies: ["CJRCheck", "CJRModel"],
            exclude: ["Corpus"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CJRParametersTests",
            dependencies: ["CJRModel", "CJRParameters"],
            swiftSettings: strictSettings
        ),
        // The runner's pure decisions and the launcher's own contracts (status file, policy
        // compiler), each on its own.
        .testTarget(
            name: "CJRRunnerTests",
            dependencies: ["CJRModel", "CJRRunner", "cjr-launch", "CJRTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CJRStoreTests",
            dependencies: ["CJRModel", "CJRStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // Drives the built `cjr` binary as a subprocess.
        .testTarget(
            name: "CJRCLITests",
            dependencies: ["cjr", "cjr-launch", "cjr-sandbox-probe", "CJRTestSupport", "CJRModel", "CJRStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CJRAPITests",
            dependencies: [
                "CJRModel",
                "CJRStore",
                "CJRRunner",
                "cjr-launch",
                "cjr-sandbox-probe",
                "CJRAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // The reference the server's own multipart parser is checked against.
                .product(name: "MultipartKit", package: "multipart-kit"),
                "CJRTestSupport",
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
