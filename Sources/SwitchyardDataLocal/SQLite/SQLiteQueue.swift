import NIOCore
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
        var closed = false
    }

    /// Opens `path`, runs `configure` on both connections (limits, an authorizer), `setUp`
    /// (the schema) on the writer, then opens the reader.
    public init(
        path: String, configure: (SQLiteDatabase) throws -> Void = { _ in },
        setUp: (SQLiteDatabase) throws -> Void = { _ in }
    ) throws {
        writer = try SQLiteDatabase(path: path)
        try configure(writer)
        try setUp(writer)
        reader = try SQLiteDatabase(path: path)
        try configure(reader)
        readerThread = NIOThreadPool(numberOfThreads: 1)
        writerThread = NIOThreadPool(numberOfThreads: 1)
        readerThread.start()
        writerThread.start()
    }

    /// Lets the work already queued finish, closes both connections on their threads, then
    /// stops the threads. Writes after this fail with ``SQLiteError``.
    public func close() async throws {
        let alreadyClosed = pending.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        if alreadyClosed { return }
        let reader = self.reader
        let writer = self.writer
        try? await readerThread.runIfActive { reader.close() }
        // After every drain already submitted (one thread, in order): no write can start later.
        try? await writerThread.runIfActive { writer.close() }
        try await readerThread.shutdownGracefully()
        try await writerThread.shutdownGracefully()
    }

    /// Runs `body` on the reader connection, which sees every write acknowledged before it began.
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        let reader = self.reader
        return try await readerThread.runIfActive { try body(reader) }
    }

    /// The same, completing on `eventLoop` straight from the reader's thread.
    public func read<T: Sendable>(
        on eventLoop: any EventLoop, _ body: @escaping @Sendable (SQLiteDatabase) throws -> T
    ) -> EventLoopFuture<T> {
        let reader = self.reader
        return readerThread.runIfActive(eventLoop: eventLoop) { try body(reader) }
    }

    /// Runs `body` on the writer connection inside the next group's transaction and returns its
    /// value once that transaction is on disk. A throwing `body` changes nothing.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = WriteJob(body: body, continuation: continuation)
            let startDrain = pending.withLock { state -> Bool? in
                if state.closed { return nil }
                state.jobs.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            guard let startDrain else {
                job.fail(Self.closedError)
                return
            }
            if startDrain {
                writerThread.submit { [self] state in
                    // A pool shutting down runs what it did not start as `.cancelled`, on
                    // another thread: the writer connection must not be touched then.
                    if case .cancelled = state { failPending() } else { drain() }
                }
            }
        }
    }

    private static let closedError = SQLiteError(code: -1, message: "the database is closed")

    /// Fails every write still waiting (the queue closed under them).
    private func failPending() {
        let jobs = pending.withLock { state -> [any PendingWrite] in
            defer {
                state.jobs = []
                state.draining = false
            }
            return state.jobs
        }
        for job in jobs { job.fail(Self.closedError) }
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
        if writer.isClosed {
            for job in jobs { job.fail(Self.closedError) }
            return
        }
        var jobs = jobs
        // Each pass runs the group from its start: a write that fails in a way that makes SQLite
        // roll back the whole transaction (an interrupted or full write, SQLITE_FULL without a
        // statement journal) takes the earlier writes' work with it, so those run again in a
        // new transaction without it. Every pass drops at least one job, so this ends.
        while !jobs.isEmpty {
            do {
                try writer.execute("BEGIN IMMEDIATE")
            } catch {
                for job in jobs { job.fail(error) }
                return
            }
            var dropped: Int?
            do {
                for (index, job) in jobs.enumerated() {
                    try writer.execute("SAVEPOINT write")
                    let succeeded = job.run(writer)
                    if !succeeded, !writer.inTransaction {
                        dropped = index
                        break
                    }
                    try writer.execute(succeeded ? "RELEASE write" : "ROLLBACK TO write; RELEASE write")
                }
                if let dropped {
                    // The transaction is gone: that job failed on its own (its error is kept).
                    jobs[dropped].finish()
                    jobs.remove(at: dropped)
                    continue
                }
                try writer.execute("COMMIT")
            } catch {
                // The transaction itself failed (the disk is full, an I/O error): nothing of the group is kept.
                if writer.inTransaction { try? writer.execute("ROLLBACK") }
                for job in jobs { job.fail(error) }
                return
            }
            for job in jobs { job.finish() }
            return
        }
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
    // Safe: `run` (again when its group starts over) and then `finish` or `fail` happen on the
    // writer thread, one after the other; a job failed before it was queued was never shared.
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
