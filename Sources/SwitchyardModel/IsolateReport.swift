/// What `GET /client/v4/switchyard/isolates` reports about the edge's warm isolates (a
/// Switchyard extension): the cache's bounds and contents, and per worker its isolates (more
/// than one when it is hot enough for replicas), cold starts and evictions since the start.
public struct IsolateReport: Codable, Sendable, Equatable {
    public struct Worker: Codable, Sendable, Equatable {
        /// `account/namespace/script`.
        public var name: String
        public var isolates: Int
        public var coldStarts: Int
        public var evictions: Int

        public init(name: String, isolates: Int, coldStarts: Int, evictions: Int) {
            self.name = name
            self.isolates = isolates
            self.coldStarts = coldStarts
            self.evictions = evictions
        }

        enum CodingKeys: String, CodingKey {
            case name, isolates
            case coldStarts = "cold_starts"
            case evictions
        }
    }

    public var isolates: Int
    public var residentBytes: Int
    public var memoryBudgetBytes: Int
    public var maximumIsolates: Int
    public var coldStarts: Int
    public var evictions: Int
    /// Requests served on another executor than the one that accepted them.
    public var forwardedRequests: Int
    public var workers: [Worker]

    public init(
        isolates: Int, residentBytes: Int, memoryBudgetBytes: Int, maximumIsolates: Int, coldStarts: Int,
        evictions: Int, forwardedRequests: Int, workers: [Worker]
    ) {
        self.isolates = isolates
        self.residentBytes = residentBytes
        self.memoryBudgetBytes = memoryBudgetBytes
        self.maximumIsolates = maximumIsolates
        self.coldStarts = coldStarts
        self.evictions = evictions
        self.forwardedRequests = forwardedRequests
        self.workers = workers
    }

    enum CodingKeys: String, CodingKey {
        case isolates
        case residentBytes = "resident_bytes"
        case memoryBudgetBytes = "memory_budget_bytes"
        case maximumIsolates = "maximum_isolates"
        case coldStarts = "cold_starts"
        case evictions
        case forwardedRequests = "forwarded_requests"
        case workers
    }
}
