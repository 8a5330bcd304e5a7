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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
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
            ]
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
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
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
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardDev",
            dependencies: [
                "SwitchyardRuntime",
                "SwitchyardEdge",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "SwitchyardDev",
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
        .testTarget(
            name: "SwitchyardJSTests",
            dependencies: ["SwitchyardJS"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardRuntimeTests",
            dependencies: [
                "SwitchyardRuntime",
                "SwitchyardJS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwitchyardDevTests",
            dependencies: [
                "SwitchyardDev",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)
