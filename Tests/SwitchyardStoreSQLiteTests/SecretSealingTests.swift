import Foundation
import SQLiteNIO
import SwitchyardModel
import SwitchyardStore
import SwitchyardStoreSQLite
import Testing

/// The bytes of the database at `path` and of its WAL (what is on disk now).
func databaseBytes(_ path: String) -> Data {
    ["", "-wal"].reduce(into: Data()) { bytes, suffix in
        bytes += FileManager.default.contents(atPath: path + suffix) ?? Data()
    }
}

func contains(_ haystack: Data, _ needle: String) -> Bool {
    haystack.range(of: Data(needle.utf8)) != nil
}

/// A unique value to look for in the database's bytes.
func uniqueSecret(_ label: String) -> String {
    "\(label)-\(UUID().uuidString)"
}

@Suite("Secrets sealed at rest")
struct SecretSealingTests {
    @Test("the database files never hold a secret, and the store gives it back in plain text")
    func notOnDisk() async throws {
        let (text, key) = (uniqueSecret("text"), Data(uniqueSecret("key").utf8).base64EncodedString())
        let (file, open) = try await withStore(file: true) { store, path in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let deployed = try await store.deploy(
                accountID: "a", namespace: "ns", script: "w", version: secretVersion(text: text, keyBase64: key))
            #expect(deployed.current.settings.bindings[1].fields["text"] == .string(text))
            let read = try #require(try await store.script(accountID: "a", namespace: "ns", name: "w"))
            #expect(read.current.settings == secretVersion(text: text, keyBase64: key).settings)
            #expect(try await store.versions(accountID: "a", namespace: "ns", script: "w").first?.settings == read.current.settings)
            let file = try #require(path)
            return (file, databaseBytes(file))
        }
        #expect(contains(open, "visible"), "the bytes searched are the database's")
        #expect(!contains(open, text) && !contains(open, key), "not in the file or its WAL while open")
        #expect(contains(open, testSecrets.currentPrefix))
        let closed = databaseBytes(file)
        #expect(!contains(closed, text) && !contains(closed, key) && contains(closed, "visible"))
    }

    @Test("a database reopened with another key does not open, names the key, and is left as it was")
    func wrongKey() async throws {
        let (file, deployed) = try await withStore(file: true) { store, path in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let deployed = try await store.deploy(
                accountID: "a", namespace: "ns", script: "w", version: secretVersion(text: "t", keyBase64: "aw=="))
            return (try #require(path), deployed)
        }
        let before = databaseBytes(file)

        let error = try await #require(throws: SecretSealerError.self) {
            try await withStore(at: file, secrets: .ephemeral()) { _ in }
        }
        #expect(error.isUnknownKey && error.keyID == testSecrets.current.id)
        #expect(error.description.contains("version 1 of script \"w\" (namespace \"ns\")"), "\(error)")
        #expect(databaseBytes(file) == before)

        let again = try await withStore(at: file, secrets: testSecrets) {
            try await $0.script(accountID: "a", namespace: "ns", name: "w")
        }
        #expect(again == deployed)
    }

    @Test("rotation: opened with a new key and the old one as previous, every version is re-sealed; the old key can go")
    func rotation() async throws {
        let text = uniqueSecret("rotated")
        let old = SecretSealer.Key.random()
        let new = SecretSealer.Key.random()
        let (file, deployed) = try await withStore(file: true) { store, path in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: secretVersion(text: "one", keyBase64: "aw=="))
            let deployed = try await store.deploy(
                accountID: "a", namespace: "ns", script: "w", version: secretVersion(text: text, keyBase64: "aw=="))
            return (try #require(path), deployed)
        }
        // Make it an old key's database: seal everything with `old`.
        try await withStore(at: file, secrets: SecretSealer(current: old, previous: [testSecrets.current])) { _ in }
        #expect(contains(databaseBytes(file), "v1:\(old.id):") && !contains(databaseBytes(file), testSecrets.current.id))

        try await withStore(at: file, secrets: SecretSealer(current: new, previous: [old])) { _ in }
        let bytes = databaseBytes(file)
        #expect(contains(bytes, "v1:\(new.id):") && !contains(bytes, old.id), "no value is left sealed with the old key")

        let (script, versions) = try await withStore(at: file, secrets: SecretSealer(current: new)) { store in
            (
                try await store.script(accountID: "a", namespace: "ns", name: "w"),
                try await store.versions(accountID: "a", namespace: "ns", script: "w")
            )
        }
        #expect(script == deployed, "same version, same etag, same plain secrets")
        #expect(versions.map { $0.settings.bindings[1].fields["text"] } == [.string(text), "one"])
    }

    @Test("a database with plain-text secrets (before sealing) is sealed on open, in place, leaving no plain copy")
    func legacyMigration() async throws {
        let (text, key) = (uniqueSecret("legacy"), Data(uniqueSecret("legacy-key").utf8).base64EncodedString())
        let (file, deployed) = try await withStore(file: true) { store, path in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            return (
                try #require(path),
                try await store.deploy(
                    accountID: "a", namespace: "ns", script: "w", version: secretVersion(text: text, keyBase64: key))
            )
        }
        // Write the settings as the store did before sealing: the plain JSON.
        try await rewrite(file, "UPDATE versions SET settings = ?", [.text(try encoded(deployed.current.settings))])
        #expect(contains(databaseBytes(file), text) && contains(databaseBytes(file), key), "a legacy database holds them in plain text")

        let (script, open) = try await withStore(at: file, secrets: testSecrets) { store in
            (try await store.script(accountID: "a", namespace: "ns", name: "w"), databaseBytes(file))
        }
        #expect(script == deployed)
        let closed = databaseBytes(file)
        #expect(!contains(open, text) && !contains(open, key), "not in the file or its WAL while open")
        #expect(!contains(closed, text) && !contains(closed, key) && contains(closed, testSecrets.currentPrefix))
    }

    @Test("sealing on open is all or nothing: a version that does not open leaves the plain ones plain")
    func allOrNothing() async throws {
        let text = uniqueSecret("plain")
        let stranger = SecretSealer.Key.random()
        let (file, first) = try await withStore(file: true) { store, path in
            _ = try await store.createNamespace(accountID: "a", name: "ns", createdBy: "t")
            let first = try await store.deploy(
                accountID: "a", namespace: "ns", script: "w", version: secretVersion(text: text, keyBase64: "aw=="))
            _ = try await store.deploy(accountID: "a", namespace: "ns", script: "w", version: secretVersion(text: "two", keyBase64: "aw=="))
            return (try #require(path), first.current.settings)
        }
        // Version 1 in plain text (an older database), version 2 sealed with a key nobody has.
        try await rewrite(file, "UPDATE versions SET settings = ? WHERE number = 1", [.text(try encoded(first))])
        try await rewrite(
            file, "UPDATE versions SET settings = ? WHERE number = 2", [.text(try encoded(SecretSealer(current: stranger).seal(first)))])

        let error = try await #require(throws: SecretSealerError.self) {
            try await withStore(at: file, secrets: testSecrets) { _ in }
        }
        #expect(error.isUnknownKey && error.keyID == stranger.id && error.description.contains("version 2 of script \"w\""), "\(error)")
        #expect(contains(databaseBytes(file), text), "version 1 was not sealed either")
        #expect(!contains(databaseBytes(file), testSecrets.current.id))
    }
}

/// Settings as the store writes them, but unsealed.
func encoded(_ settings: VersionSettings) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(settings), as: UTF8.self)
}

/// Runs one statement on the database file at `path`, behind the store's back.
func rewrite(_ path: String, _ sql: String, _ binds: [SQLiteData]) async throws {
    let connection = try await SQLiteConnection.open(storage: .file(path: path))
    do {
        _ = try await connection.query(sql, binds)
        try await connection.close()
    } catch {
        try? await connection.close()
        throw error
    }
}
