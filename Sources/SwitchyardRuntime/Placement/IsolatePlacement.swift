import Synchronization

/// Which executors hold an isolate of each worker version, shared by all of them.
///
/// A worker version has one isolate in the process by default, on the executor whose request
/// first needed it; requests that arrive on the others are forwarded there. An executor that
/// keeps forwarding many requests of a worker gets its own replica (up to a cap), and gives it
/// back when its share of the load falls (``ExecutorIsolates`` decides both; this table only
/// answers who holds what, atomically, so two executors never both start the first isolate).
///
/// Consulted only when an executor has no isolate of the version itself: a request served where
/// it arrived takes no lock.
final class IsolatePlacement: Sendable {
    private struct Holders {
        var versionID: String
        /// Executor indices, in the order they joined.
        var executors: [Int]
        /// Rotates forwarded requests over the holders.
        var next = 0
    }

    enum Decision: Equatable {
        /// This executor holds (or is now to load) the isolate.
        case local
        /// Send the request to the executor with this index.
        case forward(Int)
    }

    private let table = Mutex<[String: Holders]>([:])

    /// Where a request for `versionID` of `worker` arriving on `executor` (which holds no isolate
    /// of it) is served. `local` when nobody holds the version (this executor becomes its holder)
    /// or when `replicate` and fewer than `maximumHolders` hold it (a replica here).
    func place(
        worker: String, versionID: String, arrivingOn executor: Int, replicate: Bool, maximumHolders: Int
    ) -> Decision {
        table.withLock { table in
            guard var holders = table[worker], holders.versionID == versionID, !holders.executors.isEmpty else {
                table[worker] = Holders(versionID: versionID, executors: [executor])
                return .local
            }
            if holders.executors.contains(executor) { return .local }
            if replicate && holders.executors.count < maximumHolders {
                holders.executors.append(executor)
                table[worker] = holders
                return .local
            }
            let chosen = holders.executors[holders.next % holders.executors.count]
            holders.next &+= 1
            table[worker] = holders
            return .forward(chosen)
        }
    }

    /// `executor` loaded an isolate of the version for a forwarded request (its holder went away
    /// meanwhile): it holds it now.
    func claim(worker: String, versionID: String, executor: Int) {
        table.withLock { table in
            if var holders = table[worker], holders.versionID == versionID {
                if !holders.executors.contains(executor) { holders.executors.append(executor) }
                table[worker] = holders
            } else {
                table[worker] = Holders(versionID: versionID, executors: [executor])
            }
        }
    }

    /// `executor` no longer holds the version (evicted, condemned, retired). With `onlyIfShared`,
    /// it lets go only when another executor still holds it, and says whether it did.
    @discardableResult
    func release(worker: String, versionID: String, executor: Int, onlyIfShared: Bool = false) -> Bool {
        table.withLock { table in
            guard var holders = table[worker], holders.versionID == versionID,
                let index = holders.executors.firstIndex(of: executor)
            else { return !onlyIfShared }
            if onlyIfShared && holders.executors.count < 2 { return false }
            holders.executors.remove(at: index)
            if holders.executors.isEmpty {
                table.removeValue(forKey: worker)
            } else {
                table[worker] = holders
            }
            return true
        }
    }

    /// How many executors hold each worker's current version.
    func holderCounts() -> [String: Int] {
        table.withLock { table in table.mapValues(\.executors.count) }
    }
}
