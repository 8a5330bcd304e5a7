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

    private init(process: Process, port: Int, collector: LineCollector) {
        self.process = process
        self.port = port
        self.collector = collector
    }

    /// Starts `switchyard dev ARGUMENTS --port 0` and waits for "Ready on".
    /// `switchyard dev ARGUMENTS --port PORT`, with standard output and error into one pipe.
    private static func makeProcess(_ arguments: [String], port: Int = 0) -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["dev"] + arguments + ["--port", String(port)]
        process.environment = ChildProcess.tiedEnvironment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return (process, pipe)
    }

    static func start(_ arguments: [String]) async throws -> DevProcess {
        let (process, pipe) = makeProcess(arguments)
        let collected = LineCollector(PipeReader(pipe))
        try process.run()
        // Up to 120 s: a guard against a hang, not a timing check (the suite keeps both cores busy).
        for _ in 0..<2400 {
            if let ready = collected.lines.first(where: { $0.hasPrefix("Ready on http://") }),
                let port = Int(ready.split(separator: ":").last ?? "")
            {
                return DevProcess(process: process, port: port, collector: collected)
            }
            if !ChildProcess.isAlive(process.processIdentifier) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        ChildProcess.stopBlocking(process)
        throw DevProcessError(output: collected.lines.joined(separator: "\n"))
    }

    /// Runs `switchyard dev ARGUMENTS` expecting it to fail at start; returns exit code and output.
    static func startFailure(_ arguments: [String], port: Int = 0) throws -> (status: Int32, output: String) {
        let (process, pipe) = makeProcess(arguments, port: port)
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func with(_ arguments: [String], _ body: (DevProcess) async throws -> Void) async throws {
        let dev = try await start(arguments)
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
