// webcrypto_tests.js — crypto.subtle against published test vectors: FIPS 180-4 examples and
// RFC 1321 (digests), RFC 4231 and RFC 2202 (HMAC), the GCM specification's test case 4 (McGrew
// and Viega, as NIST's GCM validation uses it), NIST SP 800-38A F.2.1 / F.5.1 (CBC, CTR), RFC
// 3394 §4.1 (AES-KW), RFC 6070 (PBKDF2), RFC 5869 A.1 (HKDF), RFC 6979 A.2.5 (ECDSA P-256),
// RFC 8032 §7.1 (Ed25519), RFC 7748 §6.1 (X25519); and what the vectors cannot show (truncated
// GCM tags, the CTR counter wrap, the Workers extensions, DOMException names, a worker that
// replaces built-ins). Evaluated after conformance_harness.js, inside a real isolate, by
// WebAPIConformanceTests.webCrypto.
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
    await rejectsWith("NotSupportedError", subtle.sign({ name: "RSA-PSS", saltLength: 20 }, pair.privateKey, enc("m")), "a salt unlike the hash");
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
    await rejectsWith("NotSupportedError", subtle.generateKey({ name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([3]), hash: "SHA-256" }, true, ["encrypt", "decrypt"]), "exponent 3");
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
