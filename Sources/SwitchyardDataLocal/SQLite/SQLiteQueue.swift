import NIOPosix
import Synchronization

/// One SQLite database file served by two threads: a reader with its own connection (WAL lets it
/// read while a commit waits for the disk) and a writer that commits writes in groups.
///
/// Group commit: writes that arrive while a commit is on its way to the disk wait and then go
/// together, each in its own savepoint (one failing write does not undo the others), in one
/// transaction and one fsync. A write's `await` returns only after its commit is durable, so
/// an acknowledged write survives `kill -9` and power loss, at the cost of one disk flush per
/// group rather than per write.
public final class SQLiteQueue: Sendable {
    private let readerThread: NIOThreadPool
    private let writerThread: NIOThreadPool
    private let reader: SQLiteDatabase
    private let writer: SQLiteDatabase
    private let pending = Mutex<WriteQueueState>(WriteQueueState())

    private struct WriteQueueState: ~Copyable {
        var jobs: [any PendingWrite] = []
        var draining = false
    }

    /// Opens `path`, runs `setUp` (the schema) on the writer connection, then opens the reader.
    public init(path: String, setUp: (SQLiteDatabase) throws -> Void = { _ in }) throws {
        writer = try SQLiteDatabase(path: path)
        try setUp(writer)
        reader = try SQLiteDatabase(path: path)
        readerThread = NIOThreadPool(numberOfThreads: 1)
        writerThread = NIOThreadPool(numberOfThreads: 1)
        readerThread.start()
        writerThread.start()
    }

    /// Stops the threads once their queued work is done.
    public func close() async throws {
        try await readerThread.shutdownGracefully()
        try await writerThread.shutdownGracefully()
    }

    /// Runs `body` on the reader connection, which sees every write acknowledged before it began.
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        let reader = self.reader
        return try await readerThread.runIfActive { try body(reader) }
    }

    /// Runs `body` on the writer connection inside the next group's transaction and returns its
    /// value once that transaction is on disk. A throwing `body` changes nothing.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = WriteJob(body: body, continuation: continuation)
            let startDrain = pending.withLock { state -> Bool in
                state.jobs.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain { writerThread.submit { [self] _ in drain() } }
        }
    }

    /// Commits groups until no write is waiting.
    private func drain() {
        while true {
            let jobs = pending.withLock { state -> [any PendingWrite] in
                let jobs = state.jobs
                state.jobs = []
                if jobs.isEmpty { state.draining = false }
                return jobs
            }
            if jobs.isEmpty { return }
            commit(jobs)
        }
    }

    private func commit(_ jobs: [any PendingWrite]) {
        do {
            try writer.execute("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.fail(error) }
            return
        }
        do {
            for job in jobs {
                try writer.execute("SAVEPOINT write")
                let succeeded = job.run(writer)
                try writer.execute(succeeded ? "RELEASE write" : "ROLLBACK TO write; RELEASE write")
            }
            try writer.execute("COMMIT")
        } catch {
            // The transaction itself failed (the disk is full, an I/O error): nothing of the group is kept.
            if writer.inTransaction { try? writer.execute("ROLLBACK") }
            for job in jobs { job.fail(error) }
            return
        }
        for job in jobs { job.finish() }
    }
}

/// A write waiting for its group.
private protocol PendingWrite: AnyObject, Sendable {
    /// Runs the write's body; false when it threw (its savepoint is then rolled back).
    func run(_ database: SQLiteDatabase) -> Bool
    /// The group committed: the caller gets the body's value, or its own error.
    func finish()
    /// The group did not commit: nothing of it is on disk; a body that failed by itself says why.
    func fail(_ error: any Error)
}

private final class WriteJob<T: Sendable>: PendingWrite, @unchecked Sendable {
    // Safe: `run` and then `finish` or `fail` happen on the writer thread, one after the other.
    private let body: @Sendable (SQLiteDatabase) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    private var result: Result<T, any Error>?

    init(body: @escaping @Sendable (SQLiteDatabase) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ database: SQLiteDatabase) -> Bool {
        let result = Result { try body(database) }
        self.result = result
        if case .success = result { return true }
        return false
    }

    func finish() {
        continuation.resume(with: result ?? .failure(SQLiteError(code: -1, message: "the write did not run")))
    }

    func fail(_ error: any Error) {
        if case .failure(let own)? = result { continuation.resume(throwing: own) } else { continuation.resume(throwing: error) }
    }
}
