import Foundation
import SwitchyardTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `switchyard dev` process on an ephemeral port, for black-box tests. Stopped (and
/// waited for) by `stop()`; `DevProcess.with` guarantees it.
final class DevProcess: Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SWITCHYARD_BINARY"] { return path }
        return packageRoot.appendingPathComponent(".build/debug/switchyard").path
    }

    private let process: Process
    private let collector: LineCollector
    let port: Int
    /// The temporary state folder this process was given, removed by `stop()`.
    private let stateDirectory: String?

    private init(process: Process, port: Int, collector: LineCollector, stateDirectory: String?) {
        self.process = process
        self.port = port
        self.collector = collector
        self.stateDirectory = stateDirectory
    }

    /// A fresh folder for the data bindings' state (`--state-dir`), so that tests never write
    /// into the projects they serve (examples/ included) nor share data; nil when the arguments
    /// name one or `defaultState` asks for dev's own default.
    private static func stateDirectory(for arguments: [String], defaultState: Bool) -> String? {
        guard !defaultState, !arguments.contains("--state-dir") else { return nil }
        return FileManager.default.temporaryDirectory.appendingPathComponent("dev-state-\(UUID().uuidString)").path
    }

    /// Starts `switchyard dev ARGUMENTS --port 0` and waits for "Ready on".
    /// `switchyard dev ARGUMENTS --port PORT`, with standard output and error into one pipe.
    private static func makeProcess(_ arguments: [String], port: Int = 0, state: String?) -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["dev"] + arguments + ["--port", String(port)] + (state.map { ["--state-dir", $0] } ?? [])
        process.environment = ChildProcess.tiedEnvironment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return (process, pipe)
    }

    /// - Parameter defaultState: keep dev's default state folder (`<project>/.switchyard/state`).
    static func start(_ arguments: [String], defaultState: Bool = false) async throws -> DevProcess {
        let state = stateDirectory(for: arguments, defaultState: defaultState)
        let (process, pipe) = makeProcess(arguments, state: state)
        let collected = LineCollector(PipeReader(pipe))
        try process.run()
        // Up to 120 s: a guard against a hang, not a timing check (the suite keeps both cores busy).
        for _ in 0..<2400 {
            if let ready = collected.lines.first(where: { $0.hasPrefix("Ready on http://") }),
                let port = Int(ready.split(separator: ":").last ?? "")
            {
                return DevProcess(process: process, port: port, collector: collected, stateDirectory: state)
            }
            if !ChildProcess.isAlive(process.processIdentifier) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        ChildProcess.stopBlocking(process)
        if let state { try? FileManager.default.removeItem(atPath: state) }
        throw DevProcessError(output: collected.lines.joined(separator: "\n"))
    }

    /// Runs `switchyard dev ARGUMENTS` expecting it to fail at start; returns exit code and output.
    static func startFailure(_ arguments: [String], port: Int = 0, defaultState: Bool = false) throws
        -> (status: Int32, output: String)
    {
        let state = stateDirectory(for: arguments, defaultState: defaultState)
        defer { if let state { try? FileManager.default.removeItem(atPath: state) } }
        let (process, pipe) = makeProcess(arguments, port: port, state: state)
        try process.run()
        let data = readToEnd(pipe.fileHandleForReading)
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func with(
        _ arguments: [String], defaultState: Bool = false, _ body: (DevProcess) async throws -> Void
    ) async throws {
        let dev = try await start(arguments, defaultState: defaultState)
        defer { dev.stop() }
        try await body(dev)
    }

    var output: [String] { collector.lines }

    /// The process id of the running `switchyard dev`.
    var pid: Int32 { process.processIdentifier }

    /// Waits until a printed line satisfies `predicate` (bounded), and returns it.
    func waitForLine(_ predicate: (String) -> Bool) async throws -> String? {
        for _ in 0..<200 {
            if let line = output.first(where: predicate) { return line }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    func stop() {
        ChildProcess.stopBlocking(process)
        if let stateDirectory { try? FileManager.default.removeItem(atPath: stateDirectory) }
    }
}

struct DevProcessError: Error, CustomStringConvertible {
    var output: String
    var description: String { "switchyard dev did not start:\n\(output)" }
}

/// A child's output, split into complete lines.
final class LineCollector: Sendable {
    private let reader: PipeReader

    init(_ reader: PipeReader) {
        self.reader = reader
    }

    var lines: [String] {
        let text = reader.text
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the part after the last newline is not a whole line yet
        return lines
    }
}
