import NIOPosix

extension NIOThreadPool {
    /// Runs blocking file work on the pool. Not cancelled with its task: a step that started (a
    /// write, a sync, a rename) always finishes, so the store's state stays known. Fails with
    /// `inactive` when the pool no longer runs work (the store is closing).
    func runToCompletion<T: Sendable>(failing inactive: any Error, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { state in
                guard case .active = state else {
                    continuation.resume(throwing: inactive)
                    return
                }
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}

extension R2Files {
    /// Removes published files on `threads` once no row names them (a failure leaves an orphan
    /// the next start removes).
    func remove(_ ids: [String], on threads: NIOThreadPool) async {
        guard !ids.isEmpty else { return }
        _ = try? await threads.runToCompletion(failing: CancellationError()) { remove(ids) }
    }
}
