import Foundation
import SwitchyardModel
import SwitchyardStore
import Testing

/// A version whose bindings hold a `secret_text` and a `secret_key` with the given material,
/// beside a plain-text one.
func secretVersion(text: String, keyBase64: String) -> NewVersion {
    var new = version("export default {}")
    new.settings.bindings = [
        Binding(type: "plain_text", name: "PLAIN", fields: ["text": "visible"]),
        Binding(type: "secret_text", name: "API_KEY", fields: ["text": .string(text)]),
        Binding(
            type: "secret_key", name: "SIGNING",
            fields: [
                "format": "raw", "algorithm": .object(["name": "HMAC", "hash": "SHA-256"]), "usages": .array(["sign"]),
                "key_base64": .string(keyBase64),
            ]),
    ]
    return new
}

/// ``SecretSealer`` alone: what a sealed binding holds, what opens it and what does not.
@Suite("SecretSealer")
struct SecretSealerTests {
    @Test("a sealed binding keeps its other fields, holds no material, and opens back to the original")
    func sealAndOpen() throws {
        let sealer = SecretSealer.ephemeral()
        let original = secretVersion(text: "hunter2", keyBase64: "a2V5LWJ5dGVz").settings
        let sealed = try sealer.seal(original)
        #expect(sealed.bindings[0] == original.bindings[0], "a plain_text binding is not sealed")
        for index in 1...2 {
            let binding = sealed.bindings[index]
            #expect(binding.fields["text"] == nil && binding.fields["key_base64"] == nil, "\(binding)")
            let value = try #require(binding.fields[SecretSealer.field]?.stringValue)
            #expect(value.hasPrefix("v1:\(sealer.current.id):"), "\(value)")
            #expect(!sealer.needsSealing(binding))
        }
        #expect(sealed.bindings[2].fields["format"] == "raw" && sealed.bindings[2].fields["usages"] == .array(["sign"]))
        #expect(try sealer.open(sealed) == original)
        #expect(sealer.needsSealing(original.bindings[1]) && !sealer.needsSealing(original.bindings[0]))
        #expect(try sealer.open(original) == original, "plain (legacy) secrets open as they are")
    }

    @Test("a value does not open with another key, on another binding, or altered")
    func refusals() throws {
        let sealer = SecretSealer.ephemeral()
        let sealed = try sealer.seal(Binding(type: "secret_text", name: "A", fields: ["text": "x"]))

        let stranger = SecretSealer.ephemeral()
        let unknown = try #require(throws: SecretSealerError.self) { try stranger.open(sealed) }
        #expect(unknown.isUnknownKey && unknown.keyID == sealer.current.id)
        #expect(unknown.description.contains("is sealed with secrets key \(sealer.current.id)"), "\(unknown)")
        #expect(stranger.needsSealing(sealed))

        var moved = sealed
        moved.name = "B"
        #expect(try #require(throws: SecretSealerError.self) { try sealer.open(moved) }.isCannotOpen)

        var altered = sealed
        let value = try #require(sealed.fields[SecretSealer.field]?.stringValue)
        let flipped = value.last == "A" ? "B" : "A"
        altered.fields[SecretSealer.field] = .string(String(value.dropLast(2)) + flipped + "=")
        #expect(try #require(throws: SecretSealerError.self) { try sealer.open(altered) }.isCannotOpen)

        var garbage = sealed
        garbage.fields[SecretSealer.field] = "not sealed"
        #expect(try #require(throws: SecretSealerError.self) { try sealer.open(garbage) }.isCannotOpen)
    }

    @Test("keys: 32 bytes of base64, ids from the key, previous keys open but do not seal")
    func keys() throws {
        #expect(throws: SecretSealerError.self) { try SecretSealer.Key(base64: Data(count: 16).base64EncodedString()) }
        #expect(throws: SecretSealerError.self) { try SecretSealer.Key(base64: "not base64!") }
        let old = SecretSealer.Key.random()
        let again = try SecretSealer.Key(base64: old.base64 + "\n")
        #expect(again.id == old.id && again.id.count == 16)
        #expect(!old.description.contains(old.base64))
        let new = SecretSealer.Key.random()
        #expect(new.id != old.id)

        let sealedWithOld = try SecretSealer(current: old).seal(Binding(type: "secret_text", name: "A", fields: ["text": "x"]))
        let rotated = SecretSealer(current: new, previous: [old, new])
        #expect(rotated.previous.map(\.id) == [old.id], "the current key is not also a previous one")
        #expect(try rotated.open(sealedWithOld).fields["text"] == "x")
        #expect(rotated.needsSealing(sealedWithOld))
        let resealed = try rotated.seal(rotated.open(sealedWithOld))
        #expect(resealed.fields[SecretSealer.field]?.stringValue?.hasPrefix(rotated.currentPrefix) == true)
    }
}
