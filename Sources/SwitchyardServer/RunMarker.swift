import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `<data-dir>/serve.pid`: tells whether the previous `switchyard serve` on a data directory shut
/// down cleanly, and keeps a second `serve` off a directory that one is using.
///
/// While `serve` runs, the file holds its process id, and the process holds an exclusive
/// `flock(2)` on it. A clean end (SIGTERM / SIGINT, or `run()` returning or throwing) empties the
/// file. A process that dies (SIGKILL, a crash, the OOM killer, power loss) leaves its id in the
/// file; the kernel releases the lock with the process, so the next start takes the lock, finds
/// the id and knows the previous run crashed.
///
/// - Important: the file is emptied, never removed. Removing it would let a starting process
///   lock the old, unlinked file while another creates and locks a new one under the same name.
///
/// The descriptor is only touched under the mutex, so the marker is `Sendable` without
/// `@unchecked`.
public final class RunMarker: Sendable {
    /// The marker's file in `dataDirectory`.
    public static func path(dataDirectory: String) -> String {
        dataDirectory + "/serve.pid"
    }

    public let path: String
    /// Whether the run before this one left its id behind: it did not shut down cleanly.
    public let previousRunCrashed: Bool
    /// The process id the previous run left, when it is a number.
    public let previousPID: Int32?
    /// The open, locked file; `nil` once released.
    private let descriptor: Mutex<Int32?>

    private init(path: String, descriptor: Int32, previousContent: String) {
        self.path = path
        self.descriptor = Mutex(descriptor)
        let trimmed = previousContent.trimmingCharacters(in: .whitespacesAndNewlines)
        previousRunCrashed = !trimmed.isEmpty
        previousPID = Int32(trimmed)
    }

    /// Opens and locks the marker of `dataDirectory` (which must exist) and reads what the
    /// previous run left. Writes nothing yet: ``markRunning()`` does, once the crash is recorded.
    ///
    /// `waiting` blocks until the lock is free instead of refusing. A process that forks keeps a
    /// lock it released alive in the child until the child's `exec` (the child shares the open
    /// file), so a caller that releases and takes the marker again while other threads spawn
    /// processes waits for that instant rather than failing.
    /// - Throws: ``RunMarkerError`` when another process holds the lock (and `waiting` is false)
    ///   or the file cannot be used.
    public static func acquire(dataDirectory: String, waiting: Bool = false) throws -> RunMarker {
        let path = path(dataDirectory: dataDirectory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RunMarkerError.io("cannot open \(path)", errno: errno) }
        guard flock(fd, waiting ? LOCK_EX : LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            let holder = (try? readAll(fd)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            close(fd)
            if error == EWOULDBLOCK { throw RunMarkerError.alreadyRunning(dataDirectory: dataDirectory, pid: holder) }
            throw RunMarkerError.io("cannot lock \(path)", errno: error)
        }
        do {
            return RunMarker(path: path, descriptor: fd, previousContent: try readAll(fd))
        } catch {
            close(fd)
            throw error
        }
    }

    /// Writes this process's id into the marker (synced to disk): from now on, dying counts as a crash.
    public func markRunning() throws {
        try descriptor.withLock { fd in
            guard let fd else { throw RunMarkerError.io("the marker \(path) was released", errno: 0) }
            try Self.replaceContents(fd, with: "\(getpid())\n", path: path)
        }
    }

    /// Empties the marker (synced to disk) and releases the lock: the run ended cleanly. Does
    /// nothing the second time.
    public func markCleanShutdown() {
        descriptor.withLock { fd in
            guard let open = fd else { return }
            try? Self.replaceContents(open, with: "", path: path)
            close(open)
            fd = nil
        }
    }

    /// Releases the lock and leaves the file as it is (a start that failed before it recorded
    /// anything: a crash the marker reports is still reported next time).
    public func release() {
        descriptor.withLock { fd in
            guard let open = fd else { return }
            close(open)
            fd = nil
        }
    }

    deinit {
        // A marker dropped without a decision keeps what it holds; only the descriptor goes.
        descriptor.withLock { fd in if let open = fd { close(open) } }
    }

    private static func readAll(_ fd: Int32) throws -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        var offset: off_t = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count < 0 { throw RunMarkerError.io("cannot read the run marker", errno: errno) }
            if count == 0 || bytes.count > 4096 { break }
            bytes += chunk[..<count]
            offset += off_t(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func replaceContents(_ fd: Int32, with text: String, path: String) throws {
        let bytes = Array(text.utf8)
        guard ftruncate(fd, 0) == 0 else { throw RunMarkerError.io("cannot truncate \(path)", errno: errno) }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == bytes.count else { throw RunMarkerError.io("cannot write \(path)", errno: errno) }
        guard fsync(fd) == 0 else { throw RunMarkerError.io("cannot sync \(path)", errno: errno) }
    }
}

/// Why the ``RunMarker`` of a data directory cannot be taken.
public struct RunMarkerError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case alreadyRunning
        case io
    }

    private let code: Code
    public let description: String

    /// Another process (`pid`, when the marker names one) holds the marker of `dataDirectory`.
    public var isAlreadyRunning: Bool { code == .alreadyRunning }

    static func alreadyRunning(dataDirectory: String, pid: Int32?) -> RunMarkerError {
        RunMarkerError(
            code: .alreadyRunning,
            description: "another switchyard serve\(pid.map { " (pid \($0))" } ?? "") is using the data directory \(dataDirectory)")
    }

    static func io(_ message: String, errno: Int32) -> RunMarkerError {
        RunMarkerError(code: .io, description: errno == 0 ? message : "\(message): \(String(cString: strerror(errno)))")
    }
}
