/// How many custom hostnames one zone may have, as Cloudflare for SaaS counts them: `allocated`
/// is a soft limit that only shows (`exceeded`), creation is refused once the zone holds
/// `hardCap`. `switchyard serve --custom-hostname-quota N --custom-hostname-hard-cap N`.
public struct CustomHostnameQuota: Sendable, Equatable {
    public var allocated: Int
    public var hardCap: Int

    /// Generous defaults: a self-hosted platform pays per machine, not per hostname; the cap is
    /// there so one zone cannot grow the validator's and the edge's tables without bound.
    public init(allocated: Int = 10_000, hardCap: Int = 20_000) {
        self.allocated = allocated
        self.hardCap = hardCap
    }

    /// `GET /zones/{zone_id}/custom_hostnames/quota` for a zone holding `used` hostnames.
    public func usage(used: Int) -> Usage {
        Usage(allocated: allocated, exceeded: used > allocated, hardCap: hardCap, used: used)
    }

    /// The quota endpoint's `result`, in Cloudflare's member order.
    public struct Usage: Codable, Sendable, Equatable {
        public var allocated: Int
        public var exceeded: Bool
        public var hardCap: Int
        public var used: Int

        enum CodingKeys: String, CodingKey {
            case allocated, exceeded, used
            case hardCap = "hard_cap"
        }
    }
}
