/// A dispatch namespace (`namespace-worker-get-namespace`).
public struct Namespace: Codable, Sendable, Equatable {
    /// The namespace that holds an account's own workers (the dispatcher, outbound workers, the
    /// targets of service bindings: `/accounts/{id}/workers/scripts`). Its name is one no
    /// dispatch namespace can have, and the namespace API neither lists nor serves it.
    public static let accountWorkers = "@account-workers"

    public var namespaceID: String
    public var namespaceName: String
    public var createdOn: String
    public var createdBy: String
    public var modifiedOn: String
    public var modifiedBy: String
    public var scriptCount: Int
    public var trustedWorkers: Bool

    public init(
        namespaceID: String, namespaceName: String, createdOn: String, createdBy: String, modifiedOn: String,
        modifiedBy: String, scriptCount: Int, trustedWorkers: Bool
    ) {
        self.namespaceID = namespaceID
        self.namespaceName = namespaceName
        self.createdOn = createdOn
        self.createdBy = createdBy
        self.modifiedOn = modifiedOn
        self.modifiedBy = modifiedBy
        self.scriptCount = scriptCount
        self.trustedWorkers = trustedWorkers
    }

    enum CodingKeys: String, CodingKey {
        case namespaceID = "namespace_id"
        case namespaceName = "namespace_name"
        case createdOn = "created_on"
        case createdBy = "created_by"
        case modifiedOn = "modified_on"
        case modifiedBy = "modified_by"
        case scriptCount = "script_count"
        case trustedWorkers = "trusted_workers"
    }
}
