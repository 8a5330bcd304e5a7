// swift-tools-version:6.1
import Foundation
import PackageDescription

// V8 comes from Debian's libnode 18, unpacked into .deps/libnode by scripts/setup.sh (the system's
// nodejs package is never touched). The path is absolute so the binaries find libnode at run time.
let libnode = Context.packageDirectory + "/.deps/libnode"

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
        .library(name: "SwitchyardRuntime", targets: ["SwitchyardRuntime"]),
        .library(name: "SwitchyardModel", targets: ["SwitchyardModel"]),
        .library(name: "SwitchyardStore", targets: ["SwitchyardStore"]),
        .library(name: "SwitchyardStoreSQLite", targets: ["SwitchyardStoreSQLite"]),
        .library(name: "SwitchyardData", targets: ["SwitchyardData"]),
        .library(name: "SwitchyardDataLocal", targets: ["SwitchyardDataLocal"]),
        .library(name: "SwitchyardAPI", targets: ["SwitchyardAPI"]),
        .library(name: "SwitchyardServer", targets: ["SwitchyardServer"]),
        .library(name: "SwitchyardClient", targets: ["SwitchyardClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        .target(
            name: "CV8",
            cxxSettings: [
                .unsafeFlags(["-I", libnode + "/include", "-std=c++17", "-fno-rtti", "-Wno-deprecated-declarations"]),
            ],
            linkerSettings: [
                .unsafeFlags(["-L", libnode + "/lib", "-Xlinker", "-rpath", "-Xlinker", libnode + "/lib"]),
                .linkedLibrary("node"),
                .linkedLibrary("icuuc"),
                .linkedLibrary("z"),
            ]
        ),
        // Debian's OpenSSL 3 libcrypto, for the WebCrypto parameters swift-crypto lacks (Crypto/OpenSSL*.swift).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "SwitchyardJS",
            dependencies: ["CV8"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardRuntime",
            dependencies: [
                "SwitchyardJS",
                "SwitchyardModel",
                "SwitchyardData",
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            exclude: ["README.md"],
            resources: [.copy("JavaScript")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardEdge",
            dependencies: [
                "SwitchyardRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardDev",
            dependencies: [
                "SwitchyardRuntime",
                "SwitchyardEdge",
                "SwitchyardModel",
                "SwitchyardData",
                "SwitchyardDataLocal",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardModel",
            swiftSettings: swiftSettings
        ),
        // Tenants' data (KV, D1, R2): the stores' protocols, and their embedded implementation
        // (SQLite through its C API, and files).
        .target(
            name: "SwitchyardData",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // The one SQLite call Swift cannot make (sqlite3_db_config is variadic).
        .target(name: "CSQLiteShim"),
        .target(
            name: "SwitchyardDataLocal",
            dependencies: [
                "SwitchyardData",
                "CSQLiteShim",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardStore",
            dependencies: [
                "SwitchyardModel",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardStoreSQLite",
            dependencies: [
                "SwitchyardModel",
                "SwitchyardStore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardAPI",
            dependencies: [
                "SwitchyardModel",
                "SwitchyardStore",
                "SwitchyardData",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardServer",
            dependencies: [
                "SwitchyardModel",
                "SwitchyardStore",
                "SwitchyardStoreSQLite",
                "SwitchyardData",
                "SwitchyardDataLocal",
                "SwitchyardAPI",
                "SwitchyardRuntime",
                "SwitchyardEdge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("BuiltinDispatcher")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardClient",
            dependencies: [
                "SwitchyardModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "SwitchyardDev",
                "SwitchyardRuntime",
                "SwitchyardServer",
                "SwitchyardModel",
                "SwitchyardClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bare-nio-hello",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/BareNIOHello",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchyard-isolate-bench",
            dependencies: [
                "SwitchyardRuntime",
                "SwitchyardJS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/IsolateBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchyard-api-bench",
            dependencies: [
                "SwitchyardServer",
                "SwitchyardStore",
                "SwitchyardStoreSQLite",
                "SwitchyardModel",
                "SwitchyardClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/APIBench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardTestSupport",
            path: "Tests/SwitchyardTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardJSTests",
            dependencies: ["SwitchyardJS"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardRuntimeTests",
            dependencies: [
                "SwitchyardRuntime",
                "SwitchyardTestSupport",
                "SwitchyardData",
                "SwitchyardDataLocal",
                "SwitchyardJS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardEdgeTests",
            dependencies: [
                "SwitchyardEdge",
                "SwitchyardRuntime",
                "SwitchyardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardDevTests",
            dependencies: [
                "SwitchyardDev",
                "SwitchyardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardStoreSQLiteTests",
            dependencies: [
                "SwitchyardModel",
                "SwitchyardStore",
                "SwitchyardStoreSQLite",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardDataLocalTests",
            dependencies: [
                "SwitchyardData",
                "SwitchyardDataLocal",
                "SwitchyardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardAPITests",
            dependencies: [
                "SwitchyardModel",
                "SwitchyardDataLocal",
                "SwitchyardStore",
                "SwitchyardStoreSQLite",
                "SwitchyardAPI",
                "SwitchyardServer",
                "SwitchyardRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardServerTests",
            dependencies: [
                "SwitchyardServer",
                "SwitchyardAPI",
                "SwitchyardModel",
                "SwitchyardStore",
                "SwitchyardStoreSQLite",
                "SwitchyardRuntime",
                "SwitchyardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Python"],
            swiftSettings: swiftSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)
