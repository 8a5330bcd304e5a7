import Foundation
import SwitchyardServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// ``RunMarker`` on its own, in this process: `flock(2)` locks belong to the open file, so a
/// second `acquire` here conflicts exactly as a second `serve` process would. Every acquire after
/// a release waits for the lock: other tests spawn processes meanwhile, and a child between fork
/// and exec holds the released lock for an instant.
@Suite("Run marker")
struct RunMarkerTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-marker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func contents(_ directory: String) throws -> String {
        try String(contentsOfFile: RunMarker.path(dataDirectory: directory), encoding: .utf8)
    }

    @Test("a fresh directory, then a clean shutdown: no crash either time")
    func cleanRuns() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try RunMarker.acquire(dataDirectory: directory)
        #expect(!first.previousRunCrashed && first.previousPID == nil)
        try first.markRunning()
        #expect(try Self.contents(directory) == "\(getpid())\n")
        first.markCleanShutdown()
        first.markCleanShutdown()  // the second time does nothing
        #expect(try Self.contents(directory) == "")
        let second = try RunMarker.acquire(dataDirectory: directory, waiting: true)
        #expect(!second.previousRunCrashed)
        second.markCleanShutdown()
    }

    @Test("an id left in the marker is a crash of that process")
    func crashLeftBehind() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "31337\n".write(toFile: RunMarker.path(dataDirectory: directory), atomically: false, encoding: .utf8)
        let marker = try RunMarker.acquire(dataDirectory: directory)
        #expect(marker.previousRunCrashed && marker.previousPID == 31337)
        // A start that gives up before counting the crash leaves it for the next start.
        marker.release()
        #expect(try Self.contents(directory) == "31337\n")
        let next = try RunMarker.acquire(dataDirectory: directory, waiting: true)
        #expect(next.previousRunCrashed)
        next.markCleanShutdown()
    }

    @Test("the marker is taken by one run at a time")
    func exclusive() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let running = try RunMarker.acquire(dataDirectory: directory)
        try running.markRunning()
        do {
            _ = try RunMarker.acquire(dataDirectory: directory)
            Issue.record("a second acquire succeeded")
        } catch let error as RunMarkerError {
            #expect(error.isAlreadyRunning)
            #expect(error.description.contains("(pid \(getpid()))"), "\(error)")
        }
        #expect(try Self.contents(directory) == "\(getpid())\n", "the refused start changed nothing")
        running.markCleanShutdown()
        let after = try RunMarker.acquire(dataDirectory: directory, waiting: true)
        #expect(!after.previousRunCrashed)
        after.markCleanShutdown()
    }
}
