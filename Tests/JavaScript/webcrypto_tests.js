// webcrypto_tests.js — crypto.subtle against published test vectors: FIPS 180-4 examples and
// RFC 1321 (digests), RFC 4231 and RFC 2202 (HMAC), the GCM specification's test cases 4, 5, 6,
// 17 and 18 (McGrew and Viega, as NIST's GCM validation uses them: 96-, 64- and 480-bit IVs),
// NIST SP 800-38A F.2.1 / F.5.1 (CBC, CTR), RFC 3394 §4.1 (AES-KW), RFC 6070 (PBKDF2), RFC 5869
// A.1 (HKDF), RFC 6979 A.2.5 (ECDSA P-256), RFC 8032 §7.1 (Ed25519), RFC 8410 §10.3 (PKCS #8
// v2), RFC 7748 §6.1 (X25519); RSA-OAEP ciphertexts and RSA-PSS signatures made once with the
// openssl CLI (below); and what the vectors cannot show (truncated GCM tags, the CTR counter
// wrap, the Workers extensions, DOMException names, a worker that replaces built-ins).
// Evaluated after conformance_harness.js, inside a real isolate, by WebAPIConformanceTests.webCrypto.
//
// runWebCryptoTests() resolves to { passed, failed, failures, areas: { area: passed } }.

async function runWebCryptoTests() {
  "use strict";
  const { test, fail, same, run } = conformanceHarness();
  const subtle = crypto.subtle;
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  const bytes = (text) => new Uint8Array((text.match(/../g) || []).map((h) => parseInt(h, 16)));
  const enc = (text) => new TextEncoder().encode(text);
  // Rejects with the DOMException (or error class) named `name`.
  const rejectsWith = async (name, promise, what = "promise") => {
    try {
      await promise;
    } catch (error) {
      const actual = error instanceof DOMException ? error.name : error.constructor.name;
      same(actual, name, `${what} rejects with`);
      return;
    }
    fail(`${what}: expected ${name}, it resolved`);
  };

  // ---- digest (FIPS 180-4 examples; RFC 1321 §A.5) --------------------------------------------
  const digests = {
    "SHA-1": ["da39a3ee5e6b4b0d3255bfef95601890afd80709", "a9993e364706816aba3e25717850c26c9cd0d89d"],
    "SHA-256": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    "SHA-384": ["38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"],
    "SHA-512": ["cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"],
    MD5: ["d41d8cd98f00b204e9800998ecf8427e", "900150983cd24fb0d6963f7d28e17f72"],
  };
  for (const [name, [empty, abc]] of Object.entries(digests)) {
    test("digest", `${name} of "" and "abc"`, async () => {
      same(hex(await subtle.digest(name, new Uint8Array(0))), empty, `${name}("")`);
      same(hex(await subtle.digest({ name: name.toLowerCase() }, enc("abc").buffer)), abc, `${name}("abc")`);
    });
  }
  test("digest", "a million 'a's, SHA-256 (FIPS 180-4 example)", async () => {
    same(hex(await subtle.digest("SHA-256", new Uint8Array(1000000).fill(0x61))),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  // ---- HMAC (RFC 4231 §4.2, §4.3, §4.7; RFC 2202 §3) ----------------------------------------
  const hmacCases = [
    ["RFC 4231 case 1, SHA-256", "SHA-256", "0b".repeat(20), enc("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    ["RFC 4231 case 2, SHA-512", "SHA-512", hex(enc("Jefe")), enc("what do ya want for nothing?"),
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"],
    ["RFC 4231 case 6, SHA-384 (key longer than a block)", "SHA-384", "aa".repeat(131),
      enc("Test Using Larger Than Block-Size Key - Hash Key First"),
      "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"],
    ["RFC 2202 case 1, SHA-1", "SHA-1", "0b".repeat(20), enc("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"],
  ];
  for (const [name, hash, key, data, expected] of hmacCases) {
    test("hmac", name, async () => {
      const k = await subtle.importKey("raw", bytes(key), { name: "HMAC", hash }, false, ["sign", "verify"]);
      const signature = await subtle.sign("HMAC", k, data);
      same(hex(signature), expected, "signature");
      same(await subtle.verify("HMAC", k, signature, data), true, "verifies");
      same(await subtle.verify("HMAC", k, bytes(expected.replace(/^../, "00")), data), false, "a changed signature");
      same(k.algorithm.length, bytes(key).length * 8, "algorithm.length");
    });
  }

  // ---- AES-GCM (GCM spec test case 4; truncated tags) --------------------------------------
  const gcm4 = {
    key: "feffe9928665731c6d6a8f9467308308", iv: "cafebabefacedbaddecaf888",
    plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
    ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    tag: "5bc94fbc3221a5db94fae95ae7121a47",
  };
  test("aes-gcm", "test case 4: ciphertext and tag", async () => {
    const key = await subtle.importKey("raw", bytes(gcm4.key), "AES-GCM", false, ["encrypt", "decrypt"]);
    const params = { name: "AES-GCM", iv: bytes(gcm4.iv), additionalData: bytes(gcm4.aad) };
    same(hex(await subtle.encrypt(params, key, bytes(gcm4.plaintext))), gcm4.ciphertext + gcm4.tag);
    same(hex(await subtle.decrypt(params, key, bytes(gcm4.ciphertext + gcm4.tag))), gcm4.plaintext, "decrypted");
  });
  for (const tagLength of [32, 64, 96, 104, 112, 120]) {
    test("aes-gcm", `a ${tagLength}-bit tag is the tag's prefix, and authenticates`, async () => {
      const key = await subtle.importKey("raw", bytes(gcm4.key), "AES-GCM", false, ["encrypt", "decrypt"]);
      const params = { name: "AES-GCM", iv: bytes(gcm4.iv), additionalData: bytes(gcm4.aad), tagLength };
      const sealed = await subtle.encrypt(params, key, bytes(gcm4.plaintext));
      same(hex(sealed), gcm4.ciphertext + gcm4.tag.slice(0, tagLength / 4));
      same(hex(await subtle.decrypt(params, key, sealed)), gcm4.plaintext, "decrypted");
      const tampered = new Uint8Array(sealed.slice(0));
      tampered[tampered.length - 1] ^= 1;
      await rejectsWith("OperationError", subtle.decrypt(params, key, tampered), "a changed tag");
    });
  }
  test("aes-gcm", "a changed ciphertext, AAD or a short input fails with OperationError", async () => {
    const key = await subtle.importKey("raw", bytes(gcm4.key), "AES-GCM", false, ["encrypt", "decrypt"]);
    const params = { name: "AES-GCM", iv: bytes(gcm4.iv), additionalData: bytes(gcm4.aad) };
    await rejectsWith("OperationError", subtle.decrypt(params, key, bytes("00" + (gcm4.ciphertext + gcm4.tag).slice(2))), "ciphertext");
    await rejectsWith("OperationError", subtle.decrypt({ ...params, additionalData: new Uint8Array(1) }, key, bytes(gcm4.ciphertext + gcm4.tag)), "aad");
    await rejectsWith("OperationError", subtle.decrypt(params, key, new Uint8Array(15)), "shorter than the tag");
    await rejectsWith("OperationError", subtle.encrypt({ ...params, tagLength: 100 }, key, new Uint8Array(1)), "tagLength 100");
  });

  // Test cases 5 and 6 (AES-128) and 17 and 18 (AES-256): the same plaintext and AAD as test
  // case 4, with a 64-bit and a 480-bit IV (J0 is then GHASH of the IV, SP 800-38D §7.1).
  const gcmIV480 = "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b";
  const gcmOtherIVs = [
    ["test case 5: AES-128, a 64-bit IV", gcm4.key, "cafebabefacedbad",
      "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
      "3612d2e79e3b0785561be14aaca2fccb"],
    ["test case 6: AES-128, a 480-bit IV", gcm4.key, gcmIV480,
      "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
      "619cc5aefffe0bfa462af43c1699d050"],
    ["test case 17: AES-256, a 64-bit IV", gcm4.key + gcm4.key, "cafebabefacedbad",
      "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
      "3a337dbf46a792c45e454913fe2ea8f2"],
    ["test case 18: AES-256, a 480-bit IV", gcm4.key + gcm4.key, gcmIV480,
      "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf40fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
      "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"],
  ];
  for (const [name, keyHex, iv, ciphertext, tag] of gcmOtherIVs) {
    test("aes-gcm", `${name}, with the whole and truncated tags`, async () => {
      const key = await subtle.importKey("raw", bytes(keyHex), "AES-GCM", false, ["encrypt", "decrypt"]);
      const params = { name: "AES-GCM", iv: bytes(iv), additionalData: bytes(gcm4.aad) };
      same(hex(await subtle.encrypt(params, key, bytes(gcm4.plaintext))), ciphertext + tag);
      same(hex(await subtle.decrypt(params, key, bytes(ciphertext + tag))), gcm4.plaintext, "decrypted");
      for (const tagLength of [32, 96, 120]) {
        const truncated = { ...params, tagLength };
        const sealed = ciphertext + tag.slice(0, tagLength / 4);
        same(hex(await subtle.encrypt(truncated, key, bytes(gcm4.plaintext))), sealed, `sealed with a ${tagLength}-bit tag`);
        same(hex(await subtle.decrypt(truncated, key, bytes(sealed))), gcm4.plaintext, `opened with a ${tagLength}-bit tag`);
        const tampered = bytes(sealed);
        tampered[tampered.length - 1] ^= 1;
        await rejectsWith("OperationError", subtle.decrypt(truncated, key, tampered), `a changed ${tagLength}-bit tag`);
      }
      await rejectsWith("OperationError", subtle.decrypt({ ...params, additionalData: new Uint8Array(1) }, key, bytes(ciphertext + tag)), "aad");
    });
  }
  test("aes-gcm", "IVs of 1, 16 and 129 bytes round trip; an empty IV is an OperationError", async () => {
    const key = await subtle.importKey("raw", bytes(gcm4.key), "AES-GCM", false, ["encrypt", "decrypt"]);
    const plaintext = bytes(gcm4.plaintext);
    for (const [ivLength, tagLength] of [[1, 128], [1, 32], [16, 64], [16, 128], [129, 128]]) {
      const params = { name: "AES-GCM", iv: new Uint8Array(ivLength).fill(ivLength), tagLength };
      const sealed = await subtle.encrypt(params, key, plaintext);
      same(sealed.byteLength, plaintext.length + tagLength / 8, `${ivLength}-byte IV, ${tagLength}-bit tag: length`);
      same(hex(await subtle.decrypt(params, key, sealed)), gcm4.plaintext, `${ivLength}-byte IV, ${tagLength}-bit tag: opened`);
      const otherIV = { ...params, iv: new Uint8Array(ivLength).fill(ivLength + 1) };
      await rejectsWith("OperationError", subtle.decrypt(otherIV, key, sealed), `${ivLength}-byte IV, ${tagLength}-bit tag: another IV`);
    }
    // (An empty plaintext: the tag alone, through OpenSSL's path.)
    const empty = await subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(8) }, key, new Uint8Array(0));
    same(hex(await subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(8) }, key, empty)), "", "empty plaintext");
    await rejectsWith("OperationError", subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(0) }, key, plaintext), "encrypt, empty IV");
    await rejectsWith("OperationError", subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(0) }, key, new Uint8Array(16)), "decrypt, empty IV");
  });

  // ---- AES-CBC, AES-CTR (SP 800-38A F.2.1, F.5.1), AES-KW (RFC 3394 §4.1) -----------------------
  test("aes-cbc", "F.2.1 first block, and PKCS #7 padding", async () => {
    const key = await subtle.importKey("raw", bytes("2b7e151628aed2a6abf7158809cf4f3c"), "AES-CBC", false, ["encrypt", "decrypt"]);
    const params = { name: "AES-CBC", iv: bytes("000102030405060708090a0b0c0d0e0f") };
    const sealed = await subtle.encrypt(params, key, bytes("6bc1bee22e409f96e93d7e117393172a"));
    same(sealed.byteLength, 32, "a whole block of padding follows");
    same(hex(sealed).slice(0, 32), "7649abac8119b246cee98e9b12e9197d");
    same(hex(await subtle.decrypt(params, key, sealed)), "6bc1bee22e409f96e93d7e117393172a", "decrypted");
    await rejectsWith("OperationError", subtle.decrypt(params, key, new Uint8Array(16)), "bad padding");
    await rejectsWith("OperationError", subtle.decrypt(params, key, new Uint8Array(15)), "not whole blocks");
    await rejectsWith("OperationError", subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(15) }, key, new Uint8Array(1)), "15-byte IV");
  });
  test("aes-ctr", "F.5.1 first block", async () => {
    const key = await subtle.importKey("raw", bytes("2b7e151628aed2a6abf7158809cf4f3c"), "AES-CTR", false, ["encrypt", "decrypt"]);
    const params = { name: "AES-CTR", counter: bytes("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 128 };
    same(hex(await subtle.encrypt(params, key, bytes("6bc1bee22e409f96e93d7e117393172a"))), "874d6191b620e3261bef6864990db6ce");
  });
  test("aes-ctr", "the counter wraps within its low `length` bits only (§27.4.1)", async () => {
    const key = await subtle.importKey("raw", new Uint8Array(16).fill(9), "AES-CTR", false, ["encrypt"]);
    const counter = bytes("0102030405060708090a0b0c0d0e0fff");
    const wrapped = await subtle.encrypt({ name: "AES-CTR", counter, length: 8 }, key, new Uint8Array(32));
    // Block 2 runs with the low byte back at 00 and the rest unchanged.
    const second = await subtle.encrypt({ name: "AES-CTR", counter: bytes("0102030405060708090a0b0c0d0e0f00"), length: 8 }, key, new Uint8Array(16));
    same(hex(wrapped).slice(32), hex(second), "second block");
    const carried = await subtle.encrypt({ name: "AES-CTR", counter, length: 128 }, key, new Uint8Array(32));
    const next = await subtle.encrypt({ name: "AES-CTR", counter: bytes("0102030405060708090a0b0c0d0e1000"), length: 128 }, key, new Uint8Array(16));
    same(hex(carried).slice(32), hex(next), "with 128 bits the carry goes on");
    await rejectsWith("OperationError", subtle.encrypt({ name: "AES-CTR", counter, length: 1 }, key, new Uint8Array(48)), "more blocks than counter values");
    await rejectsWith("OperationError", subtle.encrypt({ name: "AES-CTR", counter, length: 0 }, key, new Uint8Array(1)), "length 0");
  });
  test("aes-kw", "RFC 3394 §4.1, wrapKey and unwrapKey", async () => {
    const kek = await subtle.importKey("raw", bytes("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
    const key = await subtle.importKey("raw", bytes("00112233445566778899aabbccddeeff"), "AES-CBC", true, ["encrypt"]);
    const wrapped = await subtle.wrapKey("raw", key, kek, "AES-KW");
    same(hex(wrapped), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
    const unwrapped = await subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-CBC", true, ["decrypt"]);
    same(hex(await subtle.exportKey("raw", unwrapped)), "00112233445566778899aabbccddeeff", "unwrapped");
    const changed = new Uint8Array(wrapped.slice(0));
    changed[3] ^= 1;
    await rejectsWith("OperationError", subtle.unwrapKey("raw", changed, kek, "AES-KW", "AES-CBC", true, ["decrypt"]), "a changed wrap");
  });

  // ---- PBKDF2 (RFC 6070) and HKDF (RFC 5869 A.1) ---------------------------------------------
  const pbkdf2Cases = [
    [1, 160, "0c60c80f961f0e71f3a9b524af6012062fe037a6"],
    [2, 160, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"],
    [4096, 160, "4b007901b765489abead49d926f721d065a429c1"],
  ];
  for (const [iterations, length, expected] of pbkdf2Cases) {
    test("pbkdf2", `RFC 6070, c = ${iterations}`, async () => {
      const key = await subtle.importKey("raw", enc("password"), "PBKDF2", false, ["deriveBits"]);
      same(hex(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc("salt"), iterations }, key, length)), expected);
    });
  }
  test("pbkdf2", "long work runs off the executor and gives the same bytes", async () => {
    const key = await subtle.importKey("raw", enc("password"), "PBKDF2", false, ["deriveBits"]);
    // 4096 iterations x 10 blocks: past the threshold for host threads; block 1 is RFC 6070's.
    const bits = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc("salt"), iterations: 4096 }, key, 1600);
    same(hex(bits).slice(0, 40), "4b007901b765489abead49d926f721d065a429c1");
    same(bits.byteLength, 200, "length");
  });
  test("hkdf", "RFC 5869 A.1", async () => {
    const key = await subtle.importKey("raw", bytes("0b".repeat(22)), "HKDF", false, ["deriveBits"]);
    const bits = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: bytes("000102030405060708090a0b0c"),
      info: bytes("f0f1f2f3f4f5f6f7f8f9") }, key, 336);
    same(hex(bits), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  });

  // ---- ECDSA (RFC 6979 A.2.5), ECDH ------------------------------------------------------------
  test("ecdsa", "RFC 6979 A.2.5: P-256 / SHA-256 signature of 'sample' verifies", async () => {
    const x = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
    const y = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
    const key = await subtle.importKey("raw", bytes("04" + x + y), { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
    const signature = bytes("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
      + "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    same(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, enc("sample")), true, "verifies");
    same(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, enc("samplf")), false, "another message");
    same(await subtle.verify({ name: "ECDSA", hash: "SHA-384" }, key, signature, enc("sample")), false, "another hash");
    const private_ = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
    const b64url = (h) => btoa(String.fromCharCode(...bytes(h))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const signing = await subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: b64url(x), y: b64url(y), d: b64url(private_) },
      { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    const ours = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signing, enc("sample"));
    same(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, ours, enc("sample")), true, "our signature verifies");
    same(hex(await subtle.exportKey("raw", key)), "04" + x + y, "raw export");
  });
  for (const namedCurve of ["P-256", "P-384", "P-521"]) {
    test("ecdh", `${namedCurve}: both sides derive the same secret; spki / pkcs8 / jwk round trips`, async () => {
      const alice = await subtle.generateKey({ name: "ECDH", namedCurve }, true, ["deriveBits"]);
      const bob = await subtle.generateKey({ name: "ECDH", namedCurve }, true, ["deriveBits"]);
      const ab = await subtle.deriveBits({ name: "ECDH", public: bob.publicKey }, alice.privateKey, null);
      const ba = await subtle.deriveBits({ name: "ECDH", public: alice.publicKey }, bob.privateKey, null);
      same(hex(ab), hex(ba), "shared secret");
      same(ab.byteLength, { "P-256": 32, "P-384": 48, "P-521": 66 }[namedCurve], "length");
      const spki = await subtle.exportKey("spki", bob.publicKey);
      const again = await subtle.importKey("spki", spki, { name: "ECDH", namedCurve }, true, []);
      same(hex(await subtle.deriveBits({ name: "ECDH", public: again }, alice.privateKey, 64)), hex(ab).slice(0, 16), "truncated");
      const jwk = await subtle.exportKey("jwk", alice.privateKey);
      const fromJWK = await subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve }, true, ["deriveBits"]);
      same(hex(await subtle.exportKey("pkcs8", fromJWK)), hex(await subtle.exportKey("pkcs8", alice.privateKey)), "pkcs8 after jwk");
      await rejectsWith("InvalidAccessError", subtle.deriveBits({ name: "ECDH", public: alice.privateKey }, alice.privateKey, null), "a private 'public'");
    });
  }

  // ---- Ed25519 (RFC 8032 §7.1 tests 1, 2), X25519 (RFC 7748 §6.1) ------------------------------
  test("ed25519", "RFC 8032 tests 1 and 2", async () => {
    const vectors = [
      ["9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"],
      ["4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"],
    ];
    for (const [secret, publicKey, message, signature] of vectors) {
      const signing = await subtle.importKey("pkcs8", bytes("302e020100300506032b657004220420" + secret), "Ed25519", true, ["sign"]);
      same(hex(await subtle.sign("Ed25519", signing, bytes(message))), signature, "signature");
      const verifying = await subtle.importKey("raw", bytes(publicKey), "Ed25519", true, ["verify"]);
      same(await subtle.verify("Ed25519", verifying, bytes(signature), bytes(message)), true, "verifies");
      const jwk = await subtle.exportKey("jwk", signing);
      same(jwk.crv, "Ed25519", "crv");
      same(hex(await subtle.exportKey("raw", await subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, "Ed25519", true, ["verify"]))),
        publicKey, "x from the private key");
    }
  });
  test("ed25519", "PKCS #8 v2 with attributes and the public key (RFC 8410 §10.3)", async () => {
    // OneAsymmetricKey version 1 (v2), a friendlyName attribute and the public key (RFC 5958 §2).
    const v2 = "3072020101300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842" +
      "a01f301d060a2a864886f70d01090914310f0c0d437572646c652043686169727381210019bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1";
    const publicKey = "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1";
    const key = await subtle.importKey("pkcs8", bytes(v2), "Ed25519", true, ["sign"]);
    same((await subtle.exportKey("jwk", key)).x, "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE", "the public key");
    same(hex(await subtle.exportKey("pkcs8", key)), "302e020100300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842", "exported as v1");
    const verifying = await subtle.importKey("raw", bytes(publicKey), "Ed25519", false, ["verify"]);
    same(await subtle.verify("Ed25519", verifying, await subtle.sign("Ed25519", key, enc("m")), enc("m")), true, "signs");
    const withoutAttributes = "3051020101300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842812100" + publicKey;
    await subtle.importKey("pkcs8", bytes(withoutAttributes), "Ed25519", true, ["sign"]);
    const otherPublicKey = withoutAttributes.slice(0, -2) + "e2";
    await rejectsWith("DataError", subtle.importKey("pkcs8", bytes(otherPublicKey), "Ed25519", true, ["sign"]), "another public key");
    await rejectsWith("DataError", subtle.importKey("pkcs8", bytes("3051020100" + withoutAttributes.slice(10)), "Ed25519", true, ["sign"]), "a public key in v1");
    await rejectsWith("DataError", subtle.importKey("pkcs8", bytes("3051020102" + withoutAttributes.slice(10)), "Ed25519", true, ["sign"]), "version 3");
    await rejectsWith("DataError", subtle.importKey("pkcs8", bytes(v2 + "00"), "Ed25519", true, ["sign"]), "trailing bytes");
    await rejectsWith("DataError", subtle.importKey("pkcs8", bytes(v2.replace("2b6570", "2b656e")), "Ed25519", true, ["sign"]), "the X25519 OID");
  });
  test("x25519", "RFC 7748 §6.1 both sides", async () => {
    const pkcs8 = (h) => bytes("302e020100300506032b656e04220420" + h);
    const alice = await subtle.importKey("pkcs8", pkcs8("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"), "X25519", true, ["deriveBits"]);
    const bob = await subtle.importKey("pkcs8", pkcs8("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"), "X25519", true, ["deriveBits"]);
    const alicePublic = await subtle.importKey("raw", bytes("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"), "X25519", true, []);
    const bobPublic = await subtle.importKey("raw", bytes("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), "X25519", true, []);
    const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    same(hex(await subtle.deriveBits({ name: "X25519", public: bobPublic }, alice, 256)), shared, "alice");
    same(hex(await subtle.deriveBits({ name: "X25519", public: alicePublic }, bob, 256)), shared, "bob");
    const zero = await subtle.importKey("raw", new Uint8Array(32), "X25519", true, []);
    await rejectsWith("OperationError", subtle.deriveBits({ name: "X25519", public: zero }, alice, 256), "a small-order point");
  });

  // ---- RSA: generation (off the executor), sign / verify, OAEP, exports --------------------------
  test("rsa", "a generated 2048-bit key signs (PKCS #1 v1.5 and PSS) and encrypts (OAEP)", async () => {
    const exponent = new Uint8Array([1, 0, 1]);
    const pair = await subtle.generateKey({ name: "RSA-PSS", modulusLength: 2048, publicExponent: exponent, hash: "SHA-256" }, true, ["sign", "verify"]);
    same(pair.publicKey.algorithm.modulusLength, 2048, "modulusLength");
    same(hex(pair.publicKey.algorithm.publicExponent), "010001", "publicExponent");
    const signature = await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pair.privateKey, enc("m"));
    same(await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pair.publicKey, signature, enc("m")), true, "PSS verifies");
    const salted = await subtle.sign({ name: "RSA-PSS", saltLength: 20 }, pair.privateKey, enc("m"));
    same(await subtle.verify({ name: "RSA-PSS", saltLength: 20 }, pair.publicKey, salted, enc("m")), true, "a salt unlike the hash");
    const pkcs8 = await subtle.exportKey("pkcs8", pair.privateKey);
    const pkcs1 = await subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, false, ["sign"]);
    const verifying = await subtle.importKey("spki", await subtle.exportKey("spki", pair.publicKey), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, false, ["verify"]);
    const first = await subtle.sign("RSASSA-PKCS1-v1_5", pkcs1, enc("m"));
    same(hex(await subtle.sign("RSASSA-PKCS1-v1_5", pkcs1, enc("m"))), hex(first), "PKCS #1 v1.5 is deterministic");
    same(await subtle.verify("RSASSA-PKCS1-v1_5", verifying, first, enc("m")), true, "PKCS #1 v1.5 verifies");
    const jwk = await subtle.exportKey("jwk", pair.privateKey);
    same(Object.keys(jwk).join(","), "kty,n,e,d,p,q,dp,dq,qi,alg,key_ops,ext", "private JWK members");
    same(jwk.alg, "PS256", "alg");
    const oaepPrivate = await subtle.importKey("jwk", { ...jwk, alg: undefined, key_ops: undefined }, { name: "RSA-OAEP", hash: "SHA-256" }, false, ["decrypt"]);
    const oaepPublic = await subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]);
    const sealed = await subtle.encrypt({ name: "RSA-OAEP" }, oaepPublic, enc("secret"));
    same(new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP" }, oaepPrivate, sealed)), "secret", "OAEP round trip");
    await rejectsWith("OperationError", subtle.decrypt({ name: "RSA-OAEP" }, oaepPrivate, new Uint8Array(256)), "garbage");
  });

  // A fixed 2048-bit key (the one Tests/Differential/webcrypto.js uses, made with Python's
  // cryptography package). The ciphertexts and signatures of "switchyard" below were made once
  // with OpenSSL 3.0's CLI from that key as PEM (key.pem, pub.pem):
  //   openssl pkeyutl -encrypt -pubin -inkey pub.pem -in msg -pkeyopt rsa_padding_mode:oaep \
  //     -pkeyopt rsa_oaep_md:sha384 -pkeyopt rsa_mgf1_md:sha384 -pkeyopt rsa_oaep_label:6c6162656c
  //   openssl dgst -sha384 -sign key.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
  //     -sigopt rsa_mgf1_md:sha384 msg
  // (with the hash, label and salt each vector names; the label is "label").
  const rsaKey = {"kty": "RSA", "n": "47KUaTspSp23Ez3tDdIafFrU9emG8Xt8yQT_DsfWz7hSgG4o1RIfiwXbaOAqTL6u5PHMIrODREuJBdFJD6KBTPuVFjlciw4HOXEF1UVuLHBaiefyZkv_5Fu1eocNbsOG5gDSPN8mcQd8nT70BPi4MPmcfbGANjSB34qY5wTo7QsMSC3cGn9eXAo1N_xHNezAwgACg41qptLe02kHiW80h95QT0Bki_IJ8AYk7pj8t2BVzylGBYjyfR5qP3Igm3eVaw5N8zyMnscaidq_s7CZ3m9JZFyjbfZHzFRt8EBLoFxqxle-5bdP0PSeIcwnNSrN_WOZWPuJPkVmTOW1AiH9rQ", "e": "AQAB", "d": "SURNPQ8sWjYlkqt6e9f_bcRMglSCd3Gk1YomCDuFg5Fr-qd3vBf4zmM0FqsK8WbqIAEuDnx04KTtklGlkMJZmMvbTStn-9anvHQBzH5q1SHSAE4CUahizrgzzRln2RxRa_EXtT6YwAYIsxButKrTme63zDoxZz--CpAuYyfRS3SHKLtBzirr_9-CU9wc_fxeljU_kqZ6XX-VFgy9H-sunwKNDWWxKiSbUeYTwtRl_Dv-Jet-x4Yy7H9UgXHzrAJaOPZMA8TnLUECPBuYQdi7BO6FPOt7pjtX127lL7XDyc7Vie_Nw1UlbH41Djx_ZxB-Kdyv9Ps8ir9aDPMwyGQugQ", "p": "-aBa76JcFxC5XdZwR0KzrvjvOY5pHN6FZZRppy5OovZmkFlGs4Gyfk-wkxG37lLOGVC1yVfGzbWOtOeybmOzPvcMHotrOhANEhwe3uwt4NfaPMaDg9cY3w0NKOdbfwugpVKMmWXRE51gCmwUTcWvH6GRbXvzrnlv15es5jyDqnc", "q": "6YLj42uNZqEHAX0loNjjQoG8OSD3FWgJRCbj825zIrs2ureX0LO-ggemTWJpsJH_dr2nfA80CDHHoq_aPnq0VbusqXTR92-MyF3VRQj0lO03TiDydseIW7MndNVJ89JGEthXe-VBB70NwpA2UvuG4hfm1cww0cLxFJRuDiVQvfs", "dp": "EhS-YXsmJnmMo7JjoZXARB093rJlBLVNfkUYvgZJpd4pIa2FxHzRe_qztINlCjsvOIAzGqlj-gR7mLjroLlSA26Ljy7UDnmZKMWmqsj6rb2UzjAm2IbdA1MDsAHKC9LAyRjInFfWpBATI84eTl_SRn1CdmazCOE866XN3UNm2hM", "dq": "X7XkjlyREpXB91xCRhFf5OykJ45ZeA6ybZq7KBYHXx75KcMCmOpzlXxpL6K8y0CsQxEtSu44V3t_5jDJ9X352IIaHULipNa2D5JWTfuDtF8eogljGEhknaFq9LpPm35-dk7yXLf01aUptKvDeHPcL2O4m70b7X5HrjXAfk_RLm0", "qi": "qXTrMpmHTX4uKWS-5VhQADG9N2_cmHjzuIU1Ba9qid8x4SQ0d1eFsBKxsl5vFWYlT5Em4_Ih6S0Y23PKqFXccGPvxDs-vE_VCeJLWrsb6seFSXBSGVVakNDowntgJ4RyuclXjIyhTQKcuzmezgTOV7_XnGJ5oF6E29Vt084iJqk"};
  const rsaPublicKey = { kty: "RSA", n: rsaKey.n, e: rsaKey.e };
  const oaepVectors = [
    ["SHA-256", "label", "4c6e086519f0540df42660257a692addfeb036696e2597c2d45624200966a9c1fa2a66aaa69c87559cafd75697d693b072da0036242ef1a1f950312d2444284fb647e94b135c6a6c5bd7076d1aa786f50efc952ac423a0afae84435ac1997822335c4477f87168e4498fc618791e5014b57df610a1c801e6e2179bc111c727ba55394de959c3c0b3dd8860e44093ca4027eedbf65c93d76d5ebef7daf473d533cfdc7e63d571995597123c324c7a9a550fca02dc8bfab036c841d020c0325bdfcafee82c0313b926f23a6272f81337d5c79433f1f5eb438d06e08b6f0617a0991ee8a2d8c15edaf4f22bd4a8a53fed7b82e4d13bb26c72170aa6db137f0f8dd8"],
    ["SHA-384", "label", "a34aaad54ee746e7ba9809f155e1789d9ac20e41d1448493384a9ea75c93202e78a195ffc0fb753f4fe2cb350dca267a94de0f6463e251ab91248f2a26b9807dc432a2310146e5a6fb7f77c9e6a9784e6f365e86ce1bdbeeeca7eb50d9e3882a03ca134d576f2fc857505c46b021243335691f6a9e268a95a3337fea1f57027cf0081c6e00495709974f30f5a40d6c03a34be3f2b4915ca562e7c6966cfd307c240022e54dde0858a4d94ac75f48e393401da6ee72532a1a93e403561a35e625f82f229041cc99172d7289109ca0535a91daa3dd65091c44021a9f3bf7586e0bd50c674c2cd4fc7f7f2134dfbb8409df55fd65f52f556f627454415007897db6"],
    ["SHA-512", "", "aa5dc78feabc4667641e8c6346bdb328f3b12b584780be2a16ad71912a4abac9efc24e8b5ec07ce6e4f1ec443d7bfb0d671e6b6bb67d482c44d381c4e49e0a23aed1b64b5eaa9081bbb0ef483e10c2effcaf3b2f3da0f1bfa47ed1afa259175d2e3c05dc0052893361489a0ba603ca3eaada4e0e2b9f505523a49cdf811f34137dc1bbfe0544546d1e136a68d416d870cd9b7eb1e8a36328ecf7eab39157c9ac31614943c3b22de8bf1cdfce783291b1ed554565efb4d8f1db7217d8e9f2794af1220d3f2e77217ff54d9a35aab284171e5925bc8f1a5f4ebcc1ce225f4a6a14522bebfb67ff11eab3c5d8634b46822b53d5c5087a6cd109dc9e07497b587239"],
  ];
  test("rsa", "RSA-OAEP with SHA-256, SHA-384 and SHA-512, with and without a label", async () => {
    for (const [hash, label, ciphertext] of oaepVectors) {
      const decrypting = await subtle.importKey("jwk", rsaKey, { name: "RSA-OAEP", hash }, false, ["decrypt"]);
      const encrypting = await subtle.importKey("jwk", rsaPublicKey, { name: "RSA-OAEP", hash }, false, ["encrypt"]);
      const params = label === "" ? { name: "RSA-OAEP" } : { name: "RSA-OAEP", label: enc(label) };
      same(new TextDecoder().decode(await subtle.decrypt(params, decrypting, bytes(ciphertext))), "switchyard", `${hash} "${label}": the openssl ciphertext`);
      const otherLabel = { name: "RSA-OAEP", label: enc(label === "" ? "x" : "") };
      await rejectsWith("OperationError", subtle.decrypt(otherLabel, decrypting, bytes(ciphertext)), `${hash} "${label}": another label`);
      for (const roundTrip of [params, otherLabel]) {
        const sealed = await subtle.encrypt(roundTrip, encrypting, enc("round trip"));
        same(new TextDecoder().decode(await subtle.decrypt(roundTrip, decrypting, sealed)), "round trip", `${hash}: a round trip`);
      }
    }
    const sha512 = await subtle.importKey("jwk", rsaPublicKey, { name: "RSA-OAEP", hash: "SHA-512" }, false, ["encrypt"]);
    // At most k - 2 hLen - 2 bytes (RFC 8017 §7.1.1): 256 - 128 - 2.
    same((await subtle.encrypt({ name: "RSA-OAEP", label: enc("l") }, sha512, new Uint8Array(126))).byteLength, 256, "the longest message");
    await rejectsWith("OperationError", subtle.encrypt({ name: "RSA-OAEP", label: enc("l") }, sha512, new Uint8Array(127)), "one byte more");
    const sha384 = await subtle.importKey("jwk", rsaKey, { name: "RSA-OAEP", hash: "SHA-384" }, false, ["decrypt"]);
    await rejectsWith("OperationError", subtle.decrypt({ name: "RSA-OAEP", label: enc("label") }, sha384, bytes("4c6e086519f0540df42660257a692addfeb036696e2597c2d45624200966a9c1fa2a66aaa69c87559cafd75697d693b072da0036242ef1a1f950312d2444284fb647e94b135c6a6c5bd7076d1aa786f50efc952ac423a0afae84435ac1997822335c4477f87168e4498fc618791e5014b57df610a1c801e6e2179bc111c727ba55394de959c3c0b3dd8860e44093ca4027eedbf65c93d76d5ebef7daf473d533cfdc7e63d571995597123c324c7a9a550fca02dc8bfab036c841d020c0325bdfcafee82c0313b926f23a6272f81337d5c79433f1f5eb438d06e08b6f0617a0991ee8a2d8c15edaf4f22bd4a8a53fed7b82e4d13bb26c72170aa6db137f0f8dd8")), "another hash");
    await rejectsWith("OperationError", subtle.decrypt({ name: "RSA-OAEP" }, sha384, new Uint8Array(3)), "too short");
  });
  test("rsa", "RSA-PSS with salts from 0 to the longest the key allows", async () => {
    const signingKey = (hash) => subtle.importKey("jwk", rsaKey, { name: "RSA-PSS", hash }, false, ["sign"]);
    const verifyingKey = (hash) => subtle.importKey("jwk", rsaPublicKey, { name: "RSA-PSS", hash }, false, ["verify"]);
    // A salt of 0 makes PSS deterministic: the same bytes as openssl's.
    same(hex(await subtle.sign({ name: "RSA-PSS", saltLength: 0 }, await signingKey("SHA-256"), enc("switchyard"))), "95d90510bd2cb1e285ef987c5df772c8834ce6e46c8b73c264468e182e4bd1c3696ee46c3049ebb30f70aab2df8b04a7075d22e22058853a1c698e383a3f078ed708b7515da51f0fb335381be67f23b97513f47729ee7952684661b432b3c7a2a25115187845f768fd1171f8f1a9409242dffa619117dac96c66a1a1f506e2c0debb2de6e5d11c7b92d8cff03f2c2d018e46d85ba9db4af881fc7ffc097ff88d2918269dac64a1d93020e31851e08f5ef96840e4ea4a1be4bc658575cd38b5fb5b5691233b4b3ade12b116bf63b08e55328e17f40bfd536a6c0b9109791b19647e2b09fadfce980a1692b8b199a4afb34e14349dd8908a8e4baeae3545d79eba", "SHA-256, no salt");
    for (const [hash, saltLength, signature] of [["SHA-256", 0, "95d90510bd2cb1e285ef987c5df772c8834ce6e46c8b73c264468e182e4bd1c3696ee46c3049ebb30f70aab2df8b04a7075d22e22058853a1c698e383a3f078ed708b7515da51f0fb335381be67f23b97513f47729ee7952684661b432b3c7a2a25115187845f768fd1171f8f1a9409242dffa619117dac96c66a1a1f506e2c0debb2de6e5d11c7b92d8cff03f2c2d018e46d85ba9db4af881fc7ffc097ff88d2918269dac64a1d93020e31851e08f5ef96840e4ea4a1be4bc658575cd38b5fb5b5691233b4b3ade12b116bf63b08e55328e17f40bfd536a6c0b9109791b19647e2b09fadfce980a1692b8b199a4afb34e14349dd8908a8e4baeae3545d79eba"], ["SHA-384", 32, "6208eda73c125f2671b95a4877f377e8d6c48f4367d3020404ff2ffa1ba9b6f74ec2fb06cd5adbc7b31a4dc4d1d476f4ea978ff0a51a60cdd42e0b217bd31b54a8b71d58e4d7d7412d72d78432751f8c0ac1ea540889b2e04e3be22bae8dfc252f7c80566da795c2dd2d4930422845084747348c7b200c9cb1ea67e1175ea5df67b0f914f40a60adcaf6c1a45cc8a614cc403d8fc06418171df0b0b8908146cb69ac19e6dc6b7beb5f06746740be4bf75eafa70cb1ed666cb44f61135fed03df4e4ba1f44f09ddd59e06275c3fa8729fd9a2186eef5b2a1a4acc6365b01c3825c7ab581ccda2c77cc69319876630a53b6e38035fcb001e59ae46aeafdf5e3c1e"], ["SHA-256", 222, "6f8f843003f00434d67bec3972827438fe75bdd47bb29734ef73dadf6811ae39a58f54d846280bd45b8f70639ccc69d8c4fba964bd539c13c29bc7b2808cce7384bb0048811550a31d2771c332f0ae6d5cfb081d072b4cf1b4241ce190e430a03c3348a792d71270659101fc1f5ddb3196d34744a0ae39d5591ccc27a255e9170213096167e5a8b1091346ba52c3aa626c56be0f5b8722911b32e0000b5743f6197cbf5106bd32dd2031288a72aa778882eb2e8b257d4a9fe6524c6f3dc209e18ff73a81bf28eefb1fc4be3ea13ef872d73051238413a1d990cb74a5fd13c8ced9fd0d5827e15bd5af53967fd44cc4ea91e15dc1b8e4da0e4f29f1ad91b930b5"]]) {
      const key = await verifyingKey(hash);
      same(await subtle.verify({ name: "RSA-PSS", saltLength }, key, bytes(signature), enc("switchyard")), true, `${hash}, salt ${saltLength}: openssl's signature`);
      same(await subtle.verify({ name: "RSA-PSS", saltLength: saltLength + 1 }, key, bytes(signature), enc("switchyard")), false, `${hash}, salt ${saltLength}: another salt length`);
      same(await subtle.verify({ name: "RSA-PSS", saltLength }, key, bytes(signature), enc("switchyarD")), false, `${hash}, salt ${saltLength}: another message`);
    }
    for (const [hash, saltLength] of [["SHA-1", 0], ["SHA-256", 20], ["SHA-384", 64], ["SHA-512", 0], ["SHA-512", 190]]) {
      const signature = await subtle.sign({ name: "RSA-PSS", saltLength }, await signingKey(hash), enc("m"));
      same(await subtle.verify({ name: "RSA-PSS", saltLength }, await verifyingKey(hash), signature, enc("m")), true, `${hash}, salt ${saltLength}: a round trip`);
    }
    // The longest salt is emLen - hLen - 2 (RFC 8017 §9.1.1): 256 - 32 - 2 = 222 for SHA-256.
    await rejectsWith("OperationError", subtle.sign({ name: "RSA-PSS", saltLength: 223 }, await signingKey("SHA-256"), enc("m")), "salt 223");
    same(await subtle.verify({ name: "RSA-PSS", saltLength: 223 }, await verifyingKey("SHA-256"), bytes("6f8f843003f00434d67bec3972827438fe75bdd47bb29734ef73dadf6811ae39a58f54d846280bd45b8f70639ccc69d8c4fba964bd539c13c29bc7b2808cce7384bb0048811550a31d2771c332f0ae6d5cfb081d072b4cf1b4241ce190e430a03c3348a792d71270659101fc1f5ddb3196d34744a0ae39d5591ccc27a255e9170213096167e5a8b1091346ba52c3aa626c56be0f5b8722911b32e0000b5743f6197cbf5106bd32dd2031288a72aa778882eb2e8b257d4a9fe6524c6f3dc209e18ff73a81bf28eefb1fc4be3ea13ef872d73051238413a1d990cb74a5fd13c8ced9fd0d5827e15bd5af53967fd44cc4ea91e15dc1b8e4da0e4f29f1ad91b930b5"), enc("switchyard")), false, "verify, salt 223");
    same(await subtle.verify({ name: "RSA-PSS", saltLength: 0 }, await verifyingKey("SHA-256"), new Uint8Array(3), enc("switchyard")), false, "a short signature");
  });
  test("rsa", "a key generated with the public exponent 3; even or small exponents are OperationErrors", async () => {
    const algorithm = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([3]), hash: "SHA-256" };
    const pair = await subtle.generateKey(algorithm, true, ["sign", "verify"]);
    same(hex(pair.publicKey.algorithm.publicExponent), "03", "publicExponent");
    same(pair.privateKey.algorithm.modulusLength, 2048, "modulusLength");
    const signature = await subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, enc("m"));
    same(await subtle.verify("RSASSA-PKCS1-v1_5", pair.publicKey, signature, enc("m")), true, "verifies");
    const jwk = await subtle.exportKey("jwk", pair.privateKey);
    same(jwk.e, "Aw", "JWK e");
    const pss = await subtle.importKey("pkcs8", await subtle.exportKey("pkcs8", pair.privateKey), { name: "RSA-PSS", hash: "SHA-384" }, false, ["sign"]);
    const pssPublic = await subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, { name: "RSA-PSS", hash: "SHA-384" }, false, ["verify"]);
    same(await subtle.verify({ name: "RSA-PSS", saltLength: 0 }, pssPublic, await subtle.sign({ name: "RSA-PSS", saltLength: 0 }, pss, enc("m")), enc("m")), true, "PSS after pkcs8 and JWK");
    const oaep = await subtle.generateKey({ ...algorithm, name: "RSA-OAEP", modulusLength: 1024, publicExponent: new Uint8Array([0, 1, 0, 0, 0, 1]) }, false, ["encrypt", "decrypt"]);
    same(hex(oaep.publicKey.algorithm.publicExponent), "0100000001", "exponent 2^32 + 1");
    same(new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP" }, oaep.privateKey, await subtle.encrypt({ name: "RSA-OAEP" }, oaep.publicKey, enc("x")))), "x", "OAEP round trip");
    for (const exponent of [[], [0], [1], [2], [1, 0, 0], [0, 0, 1], [2, 0, 0, 0, 0, 1]]) {
      await rejectsWith("OperationError", subtle.generateKey({ ...algorithm, publicExponent: new Uint8Array(exponent) }, true, ["sign"]), `exponent [${exponent}]`);
    }
  });

  // ---- keys and errors -------------------------------------------------------------------------
  test("keys", "CryptoKey: algorithm and usages are stable objects; usages normalized", async () => {
    const key = await subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["decrypt", "wrapKey", "encrypt", "decrypt"]);
    same(key.usages.join(","), "encrypt,decrypt,wrapKey", "usages");
    same(key.algorithm, key.algorithm, "same algorithm object");
    same(key.algorithm.length, 256, "length");
    same(Object.prototype.toString.call(key), "[object CryptoKey]", "tag");
    key.algorithm.name = "changed";
    same(hex(await subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, key, new Uint8Array(0))).length, 32, "still works");
    same((await subtle.exportKey("jwk", key)).alg, "A256GCM", "jwk alg");
  });
  test("errors", "the spec's DOMException names", async () => {
    const hmac = await subtle.importKey("raw", enc("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    await rejectsWith("NotSupportedError", subtle.digest("SHA-0", new Uint8Array(0)), "unknown digest");
    await rejectsWith("SyntaxError", subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, []), "no usages");
    await rejectsWith("SyntaxError", subtle.importKey("raw", enc("k"), { name: "HMAC", hash: "SHA-256" }, true, ["encrypt"]), "a usage HMAC lacks");
    await rejectsWith("TypeError", subtle.importKey("raw", enc("k"), { name: "HMAC", hash: "SHA-256" }, true, ["fly"]), "not a KeyUsage");
    await rejectsWith("InvalidAccessError", subtle.verify("HMAC", hmac, new Uint8Array(32), enc("x")), "a usage the key lacks");
    await rejectsWith("InvalidAccessError", subtle.exportKey("raw", hmac), "not extractable");
    await rejectsWith("TypeError", subtle.importKey("raw", enc("k"), { name: "HMAC" }, true, ["sign"]), "missing hash");
    await rejectsWith("NotSupportedError", subtle.importKey("raw", enc("k"), { name: "HMAC", hash: "MD5" }, true, ["sign"]), "MD5 outside digest");
    await rejectsWith("DataError", subtle.importKey("raw", new Uint8Array(20), "AES-CBC", true, ["encrypt"]), "a 20-byte AES key");
    await rejectsWith("DataError", subtle.importKey("spki", new Uint8Array(20), { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]), "bad DER");
    await rejectsWith("DataError", subtle.importKey("pkcs8", new Uint8Array(40), { name: "RSA-PSS", hash: "SHA-256" }, true, ["sign"]), "bad RSA DER");
    await rejectsWith("TypeError", subtle.sign("HMAC", hmac), "too few arguments");
    await rejectsWith("TypeError", subtle.sign("HMAC", hmac, "text"), "not a BufferSource");
    await rejectsWith("TypeError", SubtleCrypto.prototype.digest.call(null, "SHA-256", new Uint8Array(0)), "illegal invocation");
  });

  // ---- Workers extensions ----------------------------------------------------------------------
  test("digeststream", "crypto.DigestStream hashes what is written, in chunks", async () => {
    const stream = new crypto.DigestStream("SHA-256");
    const writer = stream.getWriter();
    await writer.write(enc("a"));
    await writer.write(new Uint8Array(999999).fill(0x61));
    await writer.close();
    same(hex(await stream.digest), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "digest");
    same(stream.bytesWritten, 1000000, "bytesWritten");
    const piped = new crypto.DigestStream({ name: "MD5" });
    await new Response("abc").body.pipeTo(piped);
    same(hex(await piped.digest), "900150983cd24fb0d6963f7d28e17f72", "piped MD5");
    const wrong = new crypto.DigestStream("SHA-1").getWriter();
    await rejectsWith("TypeError", wrong.write("a string"), "a string chunk");
  });
  test("timingSafeEqual", "compares bytes; refuses different lengths", async () => {
    same(subtle.timingSafeEqual(enc("abc"), enc("abc").buffer), true, "equal");
    same(subtle.timingSafeEqual(enc("abc"), enc("abd")), false, "different");
    let threw = false;
    try {
      subtle.timingSafeEqual(enc("ab"), enc("abc"));
    } catch (error) {
      threw = error instanceof TypeError;
    }
    same(threw, true, "lengths differ");
  });

  // ---- a worker replacing built-ins ------------------------------------------------------------
  test("tenant-pollution", "replaced Array, String, JSON and Promise methods change nothing", async () => {
    // (Array.prototype[Symbol.iterator] stays: Web IDL reads a usages sequence through it.)
    const saved = { push: Array.prototype.push, slice: Array.prototype.slice,
      toLowerCase: String.prototype.toLowerCase, stringify: JSON.stringify, parse: JSON.parse, getRandomValues: Crypto.prototype.getRandomValues };
    let hmacSignature, jwk, unwrapped;
    const key = await subtle.importKey("raw", bytes("0b".repeat(20)), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
    const kek = await subtle.importKey("raw", new Uint8Array(16), "AES-GCM", true, ["wrapKey", "unwrapKey"]);
    try {
      Array.prototype.push = () => fail("push");
      Array.prototype.slice = () => fail("slice");
      String.prototype.toLowerCase = () => "sha-1";
      JSON.stringify = () => "{}";
      JSON.parse = () => ({});
      Crypto.prototype.getRandomValues = (array) => array;
      hmacSignature = subtle.sign("HMAC", key, enc("Hi There"));
      jwk = subtle.exportKey("jwk", key);
      const wrapped = subtle.wrapKey("jwk", key, kek, { name: "AES-GCM", iv: new Uint8Array(12) });
      unwrapped = wrapped.then((w) => subtle.unwrapKey("jwk", w, kek, { name: "AES-GCM", iv: new Uint8Array(12) }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]));
      await unwrapped;
    } finally {
      Array.prototype.push = saved.push;
      Array.prototype.slice = saved.slice;
      String.prototype.toLowerCase = saved.toLowerCase;
      JSON.stringify = saved.stringify;
      JSON.parse = saved.parse;
      Crypto.prototype.getRandomValues = saved.getRandomValues;
    }
    same(hex(await hmacSignature), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "signature");
    same((await jwk).key_ops.join(","), "sign", "key_ops");
    same(hex(await subtle.exportKey("raw", await unwrapped)), "0b".repeat(20), "wrapped and unwrapped as JWK");
  });

  return run();
}
