import Foundation
import HTTPTypes
import SwitchyardModel
import SwitchyardStore
import SwitchyardStoreSQLite
import Testing

@Suite("Zones, custom hostnames and fallback origins")
struct CustomHostnameTests {
    /// Creates the zone `saas.example` and returns its id and custom hostnames path.
    static func zone(_ api: Fixture) async throws -> (zoneID: String, path: String) {
        let id = try await api.createZone()
        return (id, "/client/v4/zones/\(id)/custom_hostnames")
    }

    /// Everything stored about custom hostnames, to show a rejected request changed nothing.
    static func stored(_ api: Fixture) async throws -> ([CustomHostnameRecord], [String: FallbackOrigin]) {
        (try await api.store.allCustomHostnames(), try await api.store.allFallbackOrigins())
    }

    @Test("zones: create, list with filters, get, delete; bad input and other accounts")
    func zones() async throws {
        try await Fixture.run { api in
            let (id, _) = try await Self.zone(api)
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            let got = try await api.send(.get, "/client/v4/zones/\(id)")
            #expect(got.result["name"] == "saas.example" && got.result["status"] == "active")
            #expect(got.result["account"]?["id"]?.stringValue == Fixture.account)
            #expect(try await api.send(.get, "/client/v4/zones?name=saas.example").result.arrayValue?.count == 1)
            #expect(try await api.send(.get, "/client/v4/zones?name=other.example").result == [])
            #expect(try await api.send(.get, "/client/v4/zones?account.id=\(Fixture.account)").result.arrayValue?.count == 1)
            #expect(try await api.send(.get, "/client/v4/zones?account.id=\(Fixture.otherAccount)").result == [])
            #expect(try await api.send(.get, "/client/v4/zones?page=2").result == [])

            let body: JSON = ["name": "saas.example", "account": ["id": .string(Fixture.account)]]
            let duplicate = try await api.send(.post, "/client/v4/zones", json: body)
            #expect(duplicate.status == 409 && duplicate.isErrorEnvelope && duplicate.errorCode == ErrorCode.zoneExists)
            for bad: JSON in [
                ["name": "not a domain", "account": ["id": .string(Fixture.account)]],
                ["name": "*.wild.example", "account": ["id": .string(Fixture.account)]],
                ["name": "10.0.0.1", "account": ["id": .string(Fixture.account)]],
                ["name": "ok.example"], ["name": "ok.example", "account": ["id": .string(Fixture.account)], "type": "secondary"],
            ] {
                let reply = try await api.send(.post, "/client/v4/zones", json: bad)
                #expect(reply.status == 400 && reply.isErrorEnvelope, "\(bad): \(reply.text)")
            }
            let foreign = try await api.send(
                .post, "/client/v4/zones", json: ["name": "ok.example", "account": ["id": .string(Fixture.otherAccount)]])
            #expect(foreign.status == 403 && foreign.isErrorEnvelope)
            #expect(try await api.send(.get, "/client/v4/zones").result.arrayValue?.count == 1, "nothing stored")

            // Another account's token does not see the zone.
            #expect(try await api.send(.get, "/client/v4/zones/\(id)", token: Fixture.other).status == 404)
            #expect(try await api.send(.get, "/client/v4/zones", token: Fixture.other).result == [])
            #expect(try await api.send(.delete, "/client/v4/zones/\(id)", token: Fixture.read).status == 403)

            let deleted = try await api.send(.delete, "/client/v4/zones/\(id)")
            #expect(deleted.status == 200 && deleted.result["id"]?.stringValue == id)
            let gone = try await api.send(.get, "/client/v4/zones/\(id)")
            #expect(gone.status == 404 && gone.isErrorEnvelope && gone.errorCode == ErrorCode.zoneNotFound)
        }
    }

    @Test("custom hostnames: create in Cloudflare's shape, get, patch, delete answering {id}")
    func lifecycle() async throws {
        try await Fixture.run { api in
            let (_, path) = try await Self.zone(api)
            let created = try await api.send(
                .post, path,
                json: ["hostname": "App.Customer.com", "ssl": ["method": "http", "type": "dv"], "custom_metadata": ["worker": "w1"]])
            #expect(created.status == 200, "\(created.text)")
            let host = created.result
            let id = try #require(host["id"]?.stringValue)
            #expect(host["hostname"] == "app.customer.com")
            #expect(host["status"] == "pending")
            #expect(host["created_at"]?.stringValue?.isEmpty == false)
            #expect(host["custom_metadata"] == ["worker": "w1"])
            #expect(host["ownership_verification"]?["type"] == "txt")
            #expect(host["ownership_verification"]?["name"] == "_cf-custom-hostname.app.customer.com")
            #expect(host["ownership_verification"]?["value"]?.stringValue?.count == 36)
            #expect(host["ownership_verification_http"]?["http_url"]?.stringValue
                == "http://app.customer.com/.well-known/cf-custom-hostname-challenge/\(id)")
            #expect(host["ownership_verification_http"]?["http_body"]?.stringValue?.count == 36)
            #expect(host["ssl"]?["method"] == "http" && host["ssl"]?["type"] == "dv" && host["ssl"]?["status"] == "initializing")
            #expect(host["ssl"]?["bundle_method"] == "ubiquitous" && host["ssl"]?["wildcard"] == false)
            #expect(try await api.send(.get, "\(path)/\(id)").result == host)

            let patched = try await api.send(.patch, "\(path)/\(id)", json: ["custom_metadata": ["worker": "w2", "plan": 3]])
            #expect(patched.status == 200 && patched.result["custom_metadata"] == ["worker": "w2", "plan": 3])
            #expect(patched.result["ssl"] == host["ssl"], "a PATCH without ssl leaves the certificate alone")
            let origin = try await api.send(
                .patch, "\(path)/\(id)", json: ["custom_origin_server": "origin.saas.example", "custom_origin_sni": ":request_host_header:"])
            #expect(origin.result["custom_origin_server"] == "origin.saas.example")
            #expect(origin.result["custom_origin_sni"] == ":request_host_header:")
            let txt = try await api.send(.patch, "\(path)/\(id)", json: ["ssl": ["method": "txt", "type": "dv"]])
            #expect(txt.result["ssl"]?["method"] == "txt" && txt.result["ssl"]?["id"] == host["ssl"]?["id"])
            let cleared = try await api.send(.patch, "\(path)/\(id)", json: ["custom_metadata": nil])
            #expect(cleared.status == 200 && cleared.result["custom_metadata"] == nil)

            let deleted = try await api.send(.delete, "\(path)/\(id)")
            #expect(deleted.status == 200 && deleted.json["id"]?.stringValue == id && deleted.result["id"]?.stringValue == id)
            let gone = try await api.send(.get, "\(path)/\(id)")
            #expect(gone.status == 404 && gone.isErrorEnvelope && gone.errorCode == ErrorCode.customHostnameNotFound)
            #expect(try await api.send(.delete, "\(path)/\(id)").status == 404)
        }
    }

    @Test("quota: used counts the zone's hostnames, exceeded past the allocation, creation refused at the hard cap (also racing)")
    func quota() async throws {
        try await Fixture.run(customHostnameQuota: .init(allocated: 2, hardCap: 4)) { api in
            let (zoneID, path) = try await Self.zone(api)
            func usage() async throws -> JSON { try await api.send(.get, "\(path)/quota").result }
            #expect(try await usage() == ["allocated": 2, "exceeded": false, "hard_cap": 4, "used": 0])
            for name in ["a", "b"] {
                #expect(try await api.send(.post, path, json: ["hostname": .string("\(name).customer.com")]).status == 200)
            }
            #expect(try await usage() == ["allocated": 2, "exceeded": false, "hard_cap": 4, "used": 2])
            // Past the soft quota creation goes on, and the endpoint says so.
            #expect(try await api.send(.post, path, json: ["hostname": "c.customer.com"]).status == 200)
            #expect(try await usage() == ["allocated": 2, "exceeded": true, "hard_cap": 4, "used": 3])
            // Eight creates race for the one place left: exactly one gets it.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    group.addTask { try await api.send(.post, path, json: ["hostname": .string("race\(index).customer.com")]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200] + Array(repeating: 409, count: 7), "\(statuses)")
            let refused = try await api.send(.post, path, json: ["hostname": "late.customer.com"])
            #expect(refused.status == 409 && refused.isErrorEnvelope && refused.errorCode == ErrorCode.customHostnameQuotaExceeded)
            #expect(refused.text.contains("hard cap of 4"), "\(refused.text)")
            #expect(try await api.store.customHostnameCount(zoneID: zoneID) == 4)
            #expect(try await usage()["used"] == 4)
            // Deleting one frees its place.
            let first = try #require(try await api.send(.get, path).result.arrayValue?.first?["id"]?.stringValue)
            #expect(try await api.send(.delete, "\(path)/\(first)").status == 200)
            #expect(try await api.send(.post, path, json: ["hostname": "late.customer.com"]).status == 200)
            // Another account's token and an unknown zone get no quota.
            #expect(try await api.send(.get, "\(path)/quota", token: Fixture.other).status == 404)
            #expect(try await api.send(.get, "/client/v4/zones/\(String(repeating: "0", count: 32))/custom_hostnames/quota").status == 404)
        }
    }

    @Test("a PATCH with ssl is a refresh: a moved hostname is pending again and re-checked at once")
    func refresh() async throws {
        try await Fixture.run { api in
            let (zoneID, path) = try await Self.zone(api)
            let id = try #require(try await api.send(.post, path, json: ["hostname": "a.customer.com", "ssl": ["method": "http"]]).result["id"]?.stringValue)
            _ = try await api.store.updateCustomHostname(zoneID: zoneID, id: id) { record in
                record.hostname.status = "moved"
                record.checkAttempts = 9
                record.nextCheckAt = nil
            }
            let refreshed = try await api.send(.patch, "\(path)/\(id)", json: ["ssl": ["method": "http", "type": "dv"]])
            #expect(refreshed.result["status"] == "pending")
            let record = try #require(try await api.store.allCustomHostnames().first)
            #expect(record.checkAttempts == 0 && record.nextCheckAt != nil)
        }
    }

    @Test(
        "bad input is a 4xx envelope and stores nothing",
        arguments: [
            (#"{"hostname":"not a host"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"a..customer.com"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"-a.customer.com"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"customer"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"192.168.0.1"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"a.*.customer.com"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"*"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"x.saas.example"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"saas.example"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"dup.customer.com"}"#, 409, ErrorCode.customHostnameExists),
            (#"{"hostname":"DUP.customer.com"}"#, 409, ErrorCode.customHostnameExists),
            (#"{}"#, 400, ErrorCode.badRequest),
            (#"{"hostname":7}"#, 400, ErrorCode.badRequest),
            (#"["a.customer.com"]"#, 400, ErrorCode.badRequest),
            (#"{"hostname":"*.customer.com","custom_metadata":{"a":"b"}}"#, 400, ErrorCode.invalidCustomMetadata),
            (#"{"hostname":"m.customer.com","custom_metadata":"text"}"#, 400, ErrorCode.invalidCustomMetadata),
            (#"{"hostname":"m.customer.com","custom_metadata":{"big":"\#(String(repeating: "x", count: 4100))"}}"#, 400, ErrorCode.invalidCustomMetadata),
            (#"{"hostname":"m.customer.com","ssl":{"method":"email"}}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","ssl":{"method":"dns"}}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","ssl":{"type":"ov"}}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","ssl":{"wildcard":true,"method":"http"}}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","ssl":{"settings":{"min_tls_version":"0.9"}}}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","ssl":{"settings":{"color":"red"}}}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","ssl":{"custom_certificate":"x","custom_key":"y"}}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","ssl":"http"}"#, 400, ErrorCode.invalidSSL),
            (#"{"hostname":"m.customer.com","custom_origin_server":"not valid"}"#, 400, ErrorCode.invalidHostname),
            (#"{"hostname":"m.customer.com","custom_origin_sni":"no way"}"#, 400, ErrorCode.invalidHostname),
        ])
    func badCreate(body: String, status: Int, code: Int) async throws {
        try await Fixture.run { api in
            let (_, path) = try await Self.zone(api)
            #expect(try await api.send(.post, path, json: ["hostname": "dup.customer.com"]).status == 200)
            let before = try await Self.stored(api)
            let reply = try await api.send(.post, path, raw: (Array(body.utf8), "application/json"))
            #expect(reply.status == status && reply.isErrorEnvelope && reply.errorCode == code, "\(reply.text)")
            let after = try await Self.stored(api)
            #expect(after.0 == before.0 && after.1 == before.1, "nothing stored")
        }
    }

    @Test("metadata of exactly 4 KB is accepted; a bad PATCH changes nothing")
    func badPatch() async throws {
        try await Fixture.run { api in
            let (_, path) = try await Self.zone(api)
            // {"k":"xxx..."} is 8 bytes of JSON around the value.
            let fits = try await api.send(.post, path, json: ["hostname": "m.customer.com", "custom_metadata": ["k": .string(String(repeating: "x", count: 4088))]])
            #expect(fits.status == 200, "\(fits.text)")
            let id = try #require(fits.result["id"]?.stringValue)
            let wild = try #require(try await api.send(.post, path, json: ["hostname": "*.wild.com", "ssl": ["method": "txt", "wildcard": true]]).result["id"]?.stringValue)
            let before = try await Self.stored(api)
            for (target, body) in [
                (id, #"{"custom_metadata":{"k":"\#(String(repeating: "x", count: 4089))"}}"#),
                (id, #"{"custom_metadata":{"a":1},"ssl":{"method":"email"}}"#),
                (id, #"{"custom_origin_server":"bad host"}"#),
                (wild, #"{"custom_metadata":{"a":"b"}}"#),
                (id, #"not json"#),
            ] {
                let reply = try await api.send(.patch, "\(path)/\(target)", raw: (Array(body.utf8), "application/json"))
                #expect(reply.status == 400 && reply.isErrorEnvelope, "\(body): \(reply.text)")
            }
            #expect(try await api.send(.patch, "\(path)/nope", json: ["custom_metadata": ["a": "b"]]).status == 404)
            let after = try await Self.stored(api)
            #expect(after.0 == before.0, "nothing stored")
        }
    }

    @Test("list: filters, order, paging with an empty page past the end, exclusive hostname filters")
    func list() async throws {
        try await Fixture.run { api in
            let (zoneID, path) = try await Self.zone(api)
            var ids: [String] = []
            for (name, ssl) in [("a.one.com", true), ("b.one.com", false), ("c.two.com", true)] {
                let body: JSON = ssl ? ["hostname": .string(name), "ssl": ["method": "http"]] : ["hostname": .string(name)]
                ids.append(try #require(try await api.send(.post, path, json: body).result["id"]?.stringValue))
            }
            _ = try await api.store.updateCustomHostname(zoneID: zoneID, id: ids[2]) { $0.hostname.ssl?.status = "active" }
            func names(_ query: String) async throws -> [String] {
                let reply = try await api.send(.get, "\(path)?\(query)")
                #expect(reply.status == 200, "\(query): \(reply.text)")
                return reply.result.arrayValue?.compactMap { $0["hostname"]?.stringValue } ?? []
            }
            #expect(try await names("") == ["a.one.com", "b.one.com", "c.two.com"])
            #expect(try await names("hostname=b.one.com") == ["b.one.com"])
            #expect(try await names("hostname.exact=c.two.com") == ["c.two.com"])
            #expect(try await names("hostname.contain=one") == ["a.one.com", "b.one.com"])
            #expect(try await names("hostname.startsWith=c.") == ["c.two.com"])
            #expect(try await names("id=\(ids[1])") == ["b.one.com"])
            #expect(try await names("ssl=1") == ["a.one.com", "c.two.com"])
            #expect(try await names("ssl=0") == ["b.one.com"])
            #expect(try await names("ssl_status=active") == ["c.two.com"])
            #expect(try await names("hostname_status=active") == [])
            #expect(try await names("hostname_status=pending").count == 3)
            #expect(try await names("direction=desc") == ["c.two.com", "b.one.com", "a.one.com"])
            #expect(try await names("order=ssl_status&direction=desc").first == "a.one.com")
            #expect(try await names("order=ssl_status") == ["b.one.com", "c.two.com", "a.one.com"])
            #expect(try await names("per_page=2") == ["a.one.com", "b.one.com"])
            #expect(try await names("per_page=2&page=2") == ["c.two.com"])
            #expect(try await names("per_page=2&page=3") == [], "the SDK pages until an empty page")
            let info = try await api.send(.get, "\(path)?per_page=2").json["result_info"]
            #expect(info?["total_count"]?.intValue == 3 && info?["count"]?.intValue == 2)
            for bad in [
                "id=\(ids[0])&hostname=a.one.com", "hostname.exact=a&hostname.contain=b", "ssl=2", "hostname_status=nope",
                "ssl_status=nope", "order=hostname", "direction=up", "per_page=51", "page=0", "wildcard=maybe",
            ] {
                let reply = try await api.send(.get, "\(path)?\(bad)")
                #expect(reply.status == 400 && reply.isErrorEnvelope, "\(bad): \(reply.text)")
            }
            // Another account's token sees no zone, so no hostnames.
            #expect(try await api.send(.get, path, token: Fixture.other).status == 404)
        }
    }

    @Test("fallback origin: put (and patch), get, delete with statuses; bad origin stores nothing")
    func fallbackOrigin() async throws {
        try await Fixture.run { api in
            let (_, path) = try await Self.zone(api)
            let fallback = "\(path)/fallback_origin"
            let none = try await api.send(.get, fallback)
            #expect(none.status == 404 && none.isErrorEnvelope && none.errorCode == ErrorCode.fallbackOriginNotFound)
            let set = try await api.send(.put, fallback, json: ["origin": "fallback.saas.example"])
            #expect(set.status == 200 && set.result["origin"] == "fallback.saas.example" && set.result["status"] == "active")
            #expect(set.result["errors"] == [] && set.result["created_at"] != nil && set.result["updated_at"] != nil)
            #expect(try await api.send(.get, fallback).result["origin"] == "fallback.saas.example")
            let patched = try await api.send(.patch, fallback, json: ["origin": "other.saas.example"])
            #expect(patched.result["origin"] == "other.saas.example" && patched.result["created_at"] == set.result["created_at"])
            for bad: JSON in [["origin": "not valid"], [:], ["origin": 1]] {
                let reply = try await api.send(.put, fallback, json: bad)
                #expect(reply.status == 400 && reply.isErrorEnvelope, "\(bad): \(reply.text)")
            }
            #expect(try await api.send(.get, fallback).result["origin"] == "other.saas.example", "nothing stored")
            let deleted = try await api.send(.delete, fallback)
            #expect(deleted.status == 200 && deleted.result["status"] == "pending_deletion")
            #expect(try await api.send(.get, fallback).status == 404)
            #expect(try await api.send(.delete, fallback).status == 404)
        }
    }

    @Test("deleting a zone deletes its custom hostnames and fallback origin")
    func zoneDeleteCascades() async throws {
        try await Fixture.run { api in
            let (zoneID, path) = try await Self.zone(api)
            #expect(try await api.send(.post, path, json: ["hostname": "a.customer.com"]).status == 200)
            #expect(try await api.send(.put, "\(path)/fallback_origin", json: ["origin": "f.saas.example"]).status == 200)
            #expect(try await api.send(.delete, "/client/v4/zones/\(zoneID)").status == 200)
            let stored = try await Self.stored(api)
            #expect(stored.0.isEmpty && stored.1.isEmpty)
            #expect(try await api.send(.post, path, json: ["hostname": "a.customer.com"]).status == 404)
        }
    }
}
