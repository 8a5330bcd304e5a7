import Foundation

/// esbuild run as a subprocess: Debian's `esbuild` package (0.17) at `/usr/bin/esbuild`, or the
/// executable the `ESBUILD` environment variable names.
///
/// Only the command line is used (no plugins), so every choice wrangler's plugins make is made
/// by the caller through flags: see ``WorkerProject/build(for:)``.
struct Esbuild: Sendable {
    let executable: String

    /// The executable to run.
    /// - Throws: ``WorkerProject/LoadError`` saying how to install it when there is none.
    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Esbuild {
        if let configured = environment["ESBUILD"], !configured.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                throw WorkerProject.LoadError(description: "ESBUILD=\(configured) is not an executable file")
            }
            return Esbuild(executable: configured)
        }
        let candidates = ["/usr/bin/esbuild"]
            + (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/esbuild" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw WorkerProject.LoadError(
                description: "esbuild is not installed, and bundling needs it: `apt-get install esbuild` "
                    + "(scripts/setup.sh does), set ESBUILD to its path, or upload the modules as they are with --no-bundle")
        }
        return Esbuild(executable: found)
    }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs esbuild with `arguments` in `directory`; its output goes through files in `scratch`, so
    /// a large bundle on standard output cannot fill a pipe that nobody reads yet.
    func run(_ arguments: [String], in directory: String, scratch: String) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let outPath = scratch + "/stdout", errPath = scratch + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw WorkerProject.LoadError(description: "cannot run \(executable): \(error)")
        }
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(),
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// esbuild's messages (`✘ [ERROR] Could not resolve "./x"` over an indented `src/a.ts:1:14:`
    /// and the source excerpt) as compiler-style lines: `src/a.ts:1:15: error: Could not resolve "./x"`,
    /// then the excerpt. Columns count from 1 there, as compilers and editors do (esbuild's from 0).
    /// `path` turns esbuild's paths (relative to its working directory) into the ones to print.
    static func formatMessages(_ text: String, path: (String) -> String) -> [String] {
        var messages: [String] = []
        var current: [String] = []
        func finish() {
            while current.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { current.removeLast() }
            if !current.isEmpty { messages.append(current.joined(separator: "\n")) }
            current = []
        }
        var locationPending = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let (severity, message) = header(line) {
                finish()
                current = ["\(severity): \(message)"]
                locationPending = true
            } else if locationPending, let location = location(line) {
                current[0] = "\(path(location.file)):\(location.line):\(location.column + 1): \(current[0])"
                locationPending = false
            } else if !current.isEmpty {
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { locationPending = false }
                // esbuild's hint names its own --external flag, which Switchyard does not offer.
                if line.hasPrefix("  You can mark the path ") { continue }
                current.append(line.hasPrefix("  ") ? String(line.dropFirst(2)) : line)
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                messages.append(line)  // a line of its own, such as a failure to read the entry
            }
        }
        finish()
        return messages
    }

    private static func header(_ line: String) -> (String, String)? {
        for (marker, severity) in [("✘ [ERROR] ", "error"), ("▲ [WARNING] ", "warning")] where line.hasPrefix(marker) {
            return (severity, String(line.dropFirst(marker.count)))
        }
        return nil
    }

    /// `    src/a.ts:1:14:` (the path may itself hold colons).
    private static func location(_ line: String) -> (file: String, line: Int, column: Int)? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix(":") else { return nil }
        let parts = trimmed.dropLast().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let column = parts.last.flatMap({ Int($0) }), let row = parts.dropLast().last.flatMap({ Int($0) })
        else { return nil }
        return (parts.dropLast(2).joined(separator: ":"), row, column)
    }
}
