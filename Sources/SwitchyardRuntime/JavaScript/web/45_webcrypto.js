// Web Cryptography API: crypto.subtle (W3C WebCrypto, with Ed25519 / X25519 from Secure Curves),
// CryptoKey, and the Workers additions crypto.DigestStream and crypto.subtle.timingSafeEqual.
//
// This file does what the spec says happens before the "in parallel" steps: argument conversion,
// algorithm normalization (§18.4), the usage and algorithm checks, JWK handling. Each primitive
// is one synchronous host call (`ops.host(crypto, method, ...)`, WorkerIsolate+Crypto.swift) on
// swift-crypto, so its answer is known before the promise is returned: inputs need no copy.
// RSA key generation and long PBKDF2 run on host threads (`cryptoAsync`), charged to the request.
//
// Key material lives in a CryptoKey's private field as a Uint8Array: raw bytes of secret,
// Ed25519 and X25519 keys; PKCS #8 (EC), PKCS #1 (RSA) DER for private keys and
// SubjectPublicKeyInfo DER for public ones. No worker can reach it.
//
// Every built-in used after load time is captured here, so a worker replacing Array, String,
// JSON or Promise methods cannot change what this file does.

const {
  ObjectDefineProperty, ObjectFreeze, ArrayIsArray, ArrayPrototypePush, JSONParse, JSONStringify,
  PromiseResolve, PromiseReject, PromisePrototypeThen, StringPrototypeToLowerCase, StringPrototypeCharCodeAt,
  StringFromCharCode, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteLength, TypedArrayPrototypeSet,
  StringPrototypeSlice, ArrayPrototypeSlice, TypeError,
} = internals.primordials;
const { toDOMString, makeMembersEnumerable, setToStringTag } = internals.webIDL;
const DOMException = internals.DOMException;
const bufferSourceView = internals.bufferSourceView;
const atob = internals.atob;
const btoa = internals.btoa;
const opsHost = ops.host;
const hostOp = internals.hostOp;
const Uint8ArrayConstructor = Uint8Array;
const ObjectPrototypeHasOwnProperty = internals.primordials.uncurryThis(Object.prototype.hasOwnProperty);
const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const NumberConstructor = Number;
const MathTrunc = Math.trunc;
const MathCeil = Math.ceil;
const NumberIsFinite = Number.isFinite;
const WritableStreamConstructor = WritableStream;
const kInternal = Symbol("CryptoKey internal");

// MARK: - Host calls and errors

const errorNames = { __proto__: null, OperationError: 1, DataError: 1, NotSupportedError: 1, InvalidAccessError: 1 };

/// Calls crypto primitive `method` on the host; its failures become the DOMException the
/// host named (`"DataError: ..."`), anything else an OperationError.
function host(method, a, b, c, d, e, f) {
  try {
    return opsHost(hostOp.crypto, method, a, b, c, d, e, f);
  } catch (error) {
    throw hostFailure(error);
  }
}

function hostFailure(error) {
  const descriptor = typeof error === "object" && error !== null ? ReflectGetOwnPropertyDescriptor(error, "message") : undefined;
  const message = descriptor !== undefined && typeof descriptor.value === "string" ? descriptor.value : "";
  for (let i = 0; i < message.length; i++) {
    if (StringPrototypeCharCodeAt(message, i) === 58 /* : */) {
      const name = StringPrototypeSlice(message, 0, i);
      if (errorNames[name] === 1) return new DOMException(StringPrototypeSlice(message, i + 2), name);
      break;
    }
  }
  return new DOMException(message === "" ? "The operation failed for an operation-specific reason" : message, "OperationError");
}

/// Starts the slow primitive `method` off the executor; resolves to its bytes.
function hostSlow(method, a, b, c, d, e) {
  const promise = internals.hostAsync(hostOp.cryptoAsync, decodeSlow, method, a, b, c, d, e);
  return PromisePrototypeThen(promise, (result) => {
    if (result.ok) return result.bytes;
    throw new DOMException(result.message, errorNames[result.name] === 1 ? result.name : "OperationError");
  });
}

function decodeSlow(ok, a, b) {
  return ok ? { __proto__: null, ok: true, bytes: a } : { __proto__: null, ok: false, name: a, message: b };
}

const syntaxError = (message) => new DOMException(message, "SyntaxError");
const invalidAccess = (message) => new DOMException(message, "InvalidAccessError");
const dataError = (message) => new DOMException(message, "DataError");
const notSupported = (message) => new DOMException(message, "NotSupportedError");
const operationError = (message) => new DOMException(message, "OperationError");

// MARK: - Bytes

/// A copy of a BufferSource's bytes (a TypeError for anything else).
function copyBytes(value, what) {
  const view = bufferSourceView(value);
  if (view === null) throw new TypeError(`${what} is not of type '(ArrayBuffer or ArrayBufferView)'.`);
  const copy = new Uint8ArrayConstructor(TypedArrayPrototypeGetByteLength(view));
  TypedArrayPrototypeSet(copy, view);
  return copy;
}

/// The bytes of a BufferSource in place: the host reads them before this call returns.
function viewBytes(value, what) {
  const view = bufferSourceView(value);
  if (view === null) throw new TypeError(`${what} is not of type '(ArrayBuffer or ArrayBufferView)'.`);
  return view;
}

const arrayBufferOf = (bytes) => TypedArrayPrototypeGetBuffer(bytes);

function concatBytes(a, b) {
  const out = new Uint8ArrayConstructor(a.length + b.length);
  TypedArrayPrototypeSet(out, a);
  TypedArrayPrototypeSet(out, b, a.length);
  return out;
}

function subBytes(bytes, start, end) {
  const out = new Uint8ArrayConstructor(end - start);
  for (let i = start; i < end; i++) out[i - start] = bytes[i];
  return out;
}

/// The first `bits` bits of `bytes` (a whole number of bytes, the last one masked).
function truncateBits(bytes, bits) {
  const out = subBytes(bytes, 0, MathCeil(bits / 8));
  const rest = bits % 8;
  if (rest !== 0) out[out.length - 1] &= (0xff << (8 - rest)) & 0xff;
  return out;
}

function base64urlEncode(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += StringFromCharCode(bytes[i]);
  const base64 = btoa(binary);
  let out = "";
  for (let i = 0; i < base64.length; i++) {
    const c = base64[i];
    if (c === "=") break;
    out += c === "+" ? "-" : c === "/" ? "_" : c;
  }
  return out;
}

function base64urlDecode(text, member) {
  if (typeof text !== "string") throw dataError(`The JWK member '${member}' is missing or not a string`);
  let base64 = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "-") base64 += "+";
    else if (c === "_") base64 += "/";
    else if (c === "+" || c === "/" || c === "=") throw dataError(`The JWK member '${member}' is not base64url`);
    else base64 += c;
  }
  let binary;
  try {
    binary = atob(base64);
  } catch {
    throw dataError(`The JWK member '${member}' is not base64url`);
  }
  const out = new Uint8ArrayConstructor(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = StringPrototypeCharCodeAt(binary, i);
  return out;
}

const utf8Encoder = new internals.TextEncoder();
const utf8Decoder = new internals.TextDecoder();

// MARK: - Web IDL conversions of dictionary members

function enforceRange(value, max, what) {
  const number = NumberConstructor(value);
  if (!NumberIsFinite(number)) throw new TypeError(`${what} is not a finite number.`);
  const integer = MathTrunc(number);
  if (integer < 0 || integer > max) throw new TypeError(`${what} is outside the accepted range of 0 to ${max}.`);
  return integer;
}

const member = {
  __proto__: null,
  bytes: (value, what) => copyBytes(value, what),
  octet: (value, what) => enforceRange(value, 0xff, what),
  unsignedShort: (value, what) => enforceRange(value, 0xffff, what),
  unsignedLong: (value, what) => enforceRange(value, 0xffffffff, what),
  string: (value) => toDOMString(value),
  hash: (value) => normalizeAlgorithm(value, "digest"),
  key: (value, what) => {
    if (!isCryptoKey(value)) throw new TypeError(`${what} is not of type 'CryptoKey'.`);
    return value;
  },
};

// The parameter dictionaries: each member as [name, conversion, required], in the
// lexicographic order Web IDL reads them in.
const params = {
  __proto__: null,
  none: [],
  AesGcmParams: [["additionalData", member.bytes, false], ["iv", member.bytes, true], ["tagLength", member.octet, false]],
  AesCbcParams: [["iv", member.bytes, true]],
  AesCtrParams: [["counter", member.bytes, true], ["length", member.octet, true]],
  AesKeyGenParams: [["length", member.unsignedShort, true]],
  AesDerivedKeyParams: [["length", member.unsignedShort, true]],
  HmacKeyGenParams: [["hash", member.hash, true], ["length", member.unsignedLong, false]],
  HmacImportParams: [["hash", member.hash, true], ["length", member.unsignedLong, false]],
  RsaHashedKeyGenParams: [
    ["hash", member.hash, true], ["modulusLength", member.unsignedLong, true], ["publicExponent", member.bytes, true],
  ],
  RsaHashedImportParams: [["hash", member.hash, true]],
  RsaPssParams: [["saltLength", member.unsignedLong, true]],
  RsaOaepParams: [["label", member.bytes, false]],
  EcKeyGenParams: [["namedCurve", member.string, true]],
  EcKeyImportParams: [["namedCurve", member.string, true]],
  EcdsaParams: [["hash", member.hash, true]],
  EcdhKeyDeriveParams: [["public", member.key, true]],
  HkdfParams: [["hash", member.hash, true], ["info", member.bytes, true], ["salt", member.bytes, true]],
  Pbkdf2Params: [["hash", member.hash, true], ["iterations", member.unsignedLong, true], ["salt", member.bytes, true]],
};

// §18.4.2: which algorithms each operation knows, and the dictionary its parameters convert to.
const registry = {
  __proto__: null,
  digest: { __proto__: null, "SHA-1": params.none, "SHA-256": params.none, "SHA-384": params.none, "SHA-512": params.none,
    MD5: params.none },
  encrypt: { __proto__: null, "RSA-OAEP": params.RsaOaepParams, "AES-CTR": params.AesCtrParams,
    "AES-CBC": params.AesCbcParams, "AES-GCM": params.AesGcmParams },
  sign: { __proto__: null, "RSASSA-PKCS1-v1_5": params.none, "RSA-PSS": params.RsaPssParams, ECDSA: params.EcdsaParams,
    HMAC: params.none, Ed25519: params.none },
  generateKey: { __proto__: null, "RSASSA-PKCS1-v1_5": params.RsaHashedKeyGenParams,
    "RSA-PSS": params.RsaHashedKeyGenParams, "RSA-OAEP": params.RsaHashedKeyGenParams,
    ECDSA: params.EcKeyGenParams, ECDH: params.EcKeyGenParams, "AES-CTR": params.AesKeyGenParams,
    "AES-CBC": params.AesKeyGenParams, "AES-GCM": params.AesKeyGenParams, "AES-KW": params.AesKeyGenParams,
    HMAC: params.HmacKeyGenParams, Ed25519: params.none, X25519: params.none },
  importKey: { __proto__: null, "RSASSA-PKCS1-v1_5": params.RsaHashedImportParams,
    "RSA-PSS": params.RsaHashedImportParams, "RSA-OAEP": params.RsaHashedImportParams,
    ECDSA: params.EcKeyImportParams, ECDH: params.EcKeyImportParams, "AES-CTR": params.none, "AES-CBC": params.none,
    "AES-GCM": params.none, "AES-KW": params.none, HMAC: params.HmacImportParams, HKDF: params.none,
    PBKDF2: params.none, Ed25519: params.none, X25519: params.none },
  deriveBits: { __proto__: null, ECDH: params.EcdhKeyDeriveParams, X25519: params.EcdhKeyDeriveParams,
    HKDF: params.HkdfParams, PBKDF2: params.Pbkdf2Params },
  getKeyLength: { __proto__: null, "AES-CTR": params.AesDerivedKeyParams, "AES-CBC": params.AesDerivedKeyParams,
    "AES-GCM": params.AesDerivedKeyParams, "AES-KW": params.AesDerivedKeyParams, HMAC: params.HmacImportParams,
    HKDF: params.none, PBKDF2: params.none },
};
registry.decrypt = registry.encrypt;
registry.verify = registry.sign;
// wrapKey / unwrapKey take AES-KW or any algorithm of encrypt / decrypt (§14.3.11 step 3).
registry.wrapKey = { __proto__: null, "AES-KW": params.none };
for (const name in registry.encrypt) registry.wrapKey[name] = registry.encrypt[name];
registry.unwrapKey = registry.wrapKey;

/// §18.4.4 normalize an algorithm: the registered name (matched case-insensitively) and the
/// parameters converted to the dictionary the operation takes, in a record without prototype.
function normalizeAlgorithm(algorithm, op) {
  if (typeof algorithm !== "object" || algorithm === null) {
    return normalizeAlgorithm({ name: toDOMString(algorithm) }, op);
  }
  const nameValue = algorithm.name;
  if (nameValue === undefined) throw new TypeError("Algorithm: name: Missing or not an Algorithm.");
  const name = toDOMString(nameValue);
  const known = registry[op];
  const wanted = StringPrototypeToLowerCase(name);
  let canonical;
  for (const candidate in known) {
    if (StringPrototypeToLowerCase(candidate) === wanted) {
      canonical = candidate;
      break;
    }
  }
  if (canonical === undefined) throw notSupported(`Unrecognized algorithm name: ${name}`);
  const members = known[canonical];
  const normalized = { __proto__: null, name: canonical };
  for (let i = 0; i < members.length; i++) {
    const entry = members[i];
    const key = entry[0], convert = entry[1], required = entry[2];
    const value = algorithm[key];
    if (value === undefined) {
      if (required) throw new TypeError(`${canonical}: '${key}' is required.`);
      continue;
    }
    normalized[key] = convert(value, `${canonical}: '${key}'`);
  }
  return normalized;
}

// MARK: - CryptoKey

const usageOrder = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

/// The recognized usages of a `sequence<KeyUsage>` in the spec's order, without duplicates
/// (a TypeError for a value that is not a KeyUsage).
function toUsages(value) {
  if (typeof value !== "object" || value === null || typeof value[Symbol.iterator] !== "function") {
    throw new TypeError("keyUsages is not a sequence.");
  }
  const given = { __proto__: null };
  for (const item of value) {
    const usage = toDOMString(item);
    let known = false;
    for (let i = 0; i < usageOrder.length; i++) if (usageOrder[i] === usage) known = true;
    if (!known) throw new TypeError(`'${usage}' is not a valid enum value of type KeyUsage.`);
    given[usage] = true;
  }
  const usages = [];
  for (let i = 0; i < usageOrder.length; i++) if (given[usageOrder[i]]) ArrayPrototypePush(usages, usageOrder[i]);
  return usages;
}

function checkUsages(usages, allowed) {
  for (let i = 0; i < usages.length; i++) {
    let ok = false;
    for (let j = 0; j < allowed.length; j++) if (allowed[j] === usages[i]) ok = true;
    if (!ok) throw syntaxError(`Unsupported key usage: ${usages[i]}`);
  }
}

/// Usages of `usages` that are also in `allowed`, in order.
function intersect(usages, allowed) {
  const out = [];
  for (let i = 0; i < usages.length; i++) {
    for (let j = 0; j < allowed.length; j++) if (allowed[j] === usages[i]) ArrayPrototypePush(out, usages[i]);
  }
  return out;
}

const hasUsage = (key, usage) => {
  const usages = keyUsages(key);
  for (let i = 0; i < usages.length; i++) if (usages[i] === usage) return true;
  return false;
};

let keyData, keyRecord, keyUsages;

class CryptoKey {
  #type;
  #extractable;
  #algorithm; // the internal record (no prototype)
  #usages; // the internal list
  #data;
  #algorithmObject; // what `algorithm` returns: made once
  #usagesObject;

  constructor(token, type, extractable, algorithm, usages, data) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#type = type;
    this.#extractable = extractable;
    this.#algorithm = algorithm;
    this.#usages = usages;
    this.#data = data;
  }

  get type() {
    return this.#type;
  }

  get extractable() {
    return this.#extractable;
  }

  get algorithm() {
    if (this.#algorithmObject === undefined) this.#algorithmObject = algorithmObject(this.#algorithm);
    return this.#algorithmObject;
  }

  get usages() {
    if (this.#usagesObject === undefined) {
      const usages = [];
      for (let i = 0; i < this.#usages.length; i++) ArrayPrototypePush(usages, this.#usages[i]);
      this.#usagesObject = usages;
    }
    return this.#usagesObject;
  }

  static {
    keyData = (key) => key.#data;
    keyRecord = (key) => key.#algorithm;
    keyUsages = (key) => key.#usages;
    isCryptoKey = (value) => typeof value === "object" && value !== null && #type in value;
    keyType = (key) => key.#type;
    keyExtractable = (key) => key.#extractable;
  }
}
var isCryptoKey, keyType, keyExtractable;
makeMembersEnumerable(CryptoKey.prototype);
setToStringTag(CryptoKey.prototype, "CryptoKey");

/// The `algorithm` a script sees: a plain object of the key's algorithm record.
function algorithmObject(record) {
  const out = { name: record.name };
  if (record.length !== undefined) out.length = record.length;
  if (record.namedCurve !== undefined) out.namedCurve = record.namedCurve;
  if (record.modulusLength !== undefined) {
    out.modulusLength = record.modulusLength;
    out.publicExponent = copyBytes(record.publicExponent, "publicExponent");
  }
  if (record.hash !== undefined) out.hash = { name: record.hash.name };
  return out;
}

function newKey(type, extractable, algorithm, usages, data) {
  return new CryptoKey(kInternal, type, extractable, algorithm, usages, data);
}

/// §14.3 steps common to the operations on a key: the key is of the normalized algorithm and
/// allows `usage`.
function checkKey(key, normalized, usage) {
  if (!isCryptoKey(key)) throw new TypeError("key is not of type 'CryptoKey'.");
  if (keyRecord(key).name !== normalized.name) throw invalidAccess("The key is not of the expected algorithm");
  if (!hasUsage(key, usage)) throw invalidAccess(`The key does not allow ${usage}`);
}

// MARK: - Algorithms

const hashNames = { __proto__: null, "SHA-1": "1", "SHA-256": "256", "SHA-384": "384", "SHA-512": "512" };
const blockBits = (hash) => (hash === "SHA-384" || hash === "SHA-512" ? 1024 : 512);
const curveCoordinateBytes = { __proto__: null, "P-256": 32, "P-384": 48, "P-521": 66 };
const curveJWKAlgorithm = { __proto__: null, "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };

function requireHash(normalizedHash) {
  if (normalizedHash.name === "MD5") throw notSupported("MD5 can only be used with digest");
  return { __proto__: null, name: normalizedHash.name };
}

/// Reads a JWK dictionary's members the checks below need (a TypeError for a non-object).
function toJWK(value) {
  if (typeof value !== "object" || value === null || bufferSourceView(value) !== null) {
    throw new TypeError("keyData is not a JsonWebKey.");
  }
  const jwk = { __proto__: null };
  const names = ["alg", "crv", "d", "dp", "dq", "e", "ext", "k", "key_ops", "kty", "n", "p", "q", "qi", "use", "x", "y"];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const item = value[name];
    if (item === undefined) continue;
    if (name === "ext") jwk.ext = !!item;
    else if (name === "key_ops") {
      const ops = [];
      for (const op of item) ArrayPrototypePush(ops, toDOMString(op));
      jwk.key_ops = ops;
    } else jwk[name] = toDOMString(item);
  }
  return jwk;
}

/// The JWK checks every key type shares (§14.3.9 and each algorithm's import steps).
function checkJWK(jwk, kty, usages, extractable, use) {
  if (jwk.kty !== kty) throw dataError(`The JWK 'kty' member is not '${kty}'`);
  if (usages.length > 0 && jwk.use !== undefined && jwk.use !== use) {
    throw dataError(`The JWK 'use' member is not '${use}'`);
  }
  if (jwk.key_ops !== undefined) {
    const seen = { __proto__: null };
    for (let i = 0; i < jwk.key_ops.length; i++) {
      if (seen[jwk.key_ops[i]]) throw dataError("The JWK 'key_ops' member has duplicates");
      seen[jwk.key_ops[i]] = true;
    }
    for (let i = 0; i < usages.length; i++) {
      if (!seen[usages[i]]) throw dataError("The JWK 'key_ops' member does not allow the requested usages");
    }
  }
  if (jwk.ext === false && extractable) throw dataError("The JWK is not extractable");
}

function exportedJWK(jwk, key) {
  jwk.key_ops = ArrayPrototypeSlice(keyUsages(key));
  jwk.ext = keyExtractable(key);
  return jwk;
}

// Each algorithm: what its keys allow and how it implements the operations it registers.
const algorithms = { __proto__: null };

// --- AES (§27, §28, §34, §35, §36) ---

function aesAlgorithm(name, usages, jwkSuffix, encrypt, decrypt) {
  return {
    generateKey(normalized, extractable, keyUsagesList) {
      checkUsages(keyUsagesList, usages);
      const length = normalized.length;
      if (length !== 128 && length !== 192 && length !== 256) throw operationError("AES key length must be 128, 192 or 256 bits");
      const data = new Uint8ArrayConstructor(length / 8);
      ops.randomFill(data);
      return newKey("secret", extractable, { __proto__: null, name, length }, keyUsagesList, data);
    },
    importKey(format, keyData, normalized, extractable, keyUsagesList) {
      checkUsages(keyUsagesList, usages);
      let data;
      if (format === "raw") {
        data = copyBytes(keyData, "keyData");
      } else if (format === "jwk") {
        const jwk = toJWK(keyData);
        checkJWK(jwk, "oct", keyUsagesList, extractable, "enc");
        data = base64urlDecode(jwk.k, "k");
        if (jwk.alg !== undefined && jwk.alg !== `A${data.length * 8}${jwkSuffix}`) {
          throw dataError(`The JWK 'alg' member is not A${data.length * 8}${jwkSuffix}`);
        }
      } else {
        throw notSupported(`AES keys cannot be imported as ${format}`);
      }
      if (data.length !== 16 && data.length !== 24 && data.length !== 32) throw dataError("AES key data must be 128, 192 or 256 bits");
      return newKey("secret", extractable, { __proto__: null, name, length: data.length * 8 }, keyUsagesList, data);
    },
    exportKey(format, key) {
      const data = keyData(key);
      if (format === "raw") return arrayBufferOf(copyBytes(data, "key"));
      if (format === "jwk") return exportedJWK({ kty: "oct", k: base64urlEncode(data), alg: `A${data.length * 8}${jwkSuffix}` }, key);
      throw notSupported(`AES keys cannot be exported as ${format}`);
    },
    getKeyLength(normalized) {
      const length = normalized.length;
      if (length !== 128 && length !== 192 && length !== 256) throw operationError("AES key length must be 128, 192 or 256 bits");
      return length;
    },
    encrypt,
    decrypt,
  };
}

const aesUsages = ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
algorithms["AES-GCM"] = aesAlgorithm("AES-GCM", aesUsages, "GCM",
  (normalized, key, data) => host("aesGcmEncrypt", keyData(key), normalized.iv, normalized.additionalData ?? emptyBytes,
    normalized.tagLength ?? 128, data),
  (normalized, key, data) => host("aesGcmDecrypt", keyData(key), normalized.iv, normalized.additionalData ?? emptyBytes,
    normalized.tagLength ?? 128, data));
algorithms["AES-CBC"] = aesAlgorithm("AES-CBC", aesUsages, "CBC",
  (normalized, key, data) => host("aesCbcEncrypt", keyData(key), normalized.iv, data),
  (normalized, key, data) => host("aesCbcDecrypt", keyData(key), normalized.iv, data));
function aesCtr(normalized, key, data) {
  if (normalized.counter.length !== 16) throw operationError("AES-CTR counter must be 16 bytes");
  if (normalized.length === 0 || normalized.length > 128) throw operationError("AES-CTR length must be 1 to 128");
  return host("aesCtr", keyData(key), normalized.counter, normalized.length, data);
}
algorithms["AES-CTR"] = aesAlgorithm("AES-CTR", aesUsages, "CTR", aesCtr, aesCtr);
algorithms["AES-KW"] = aesAlgorithm("AES-KW", ["wrapKey", "unwrapKey"], "KW", undefined, undefined);
algorithms["AES-KW"].wrap = (normalized, key, bytes) => host("aesKwWrap", keyData(key), bytes);
algorithms["AES-KW"].unwrap = (normalized, key, bytes) => host("aesKwUnwrap", keyData(key), bytes);

const emptyBytes = new Uint8ArrayConstructor(0);

// --- HMAC (§29) ---

algorithms.HMAC = {
  generateKey(normalized, extractable, usages) {
    checkUsages(usages, ["sign", "verify"]);
    const hash = requireHash(normalized.hash);
    let length = normalized.length;
    if (length === undefined) length = blockBits(hash.name);
    else if (length === 0) throw operationError("HMAC key length must not be zero");
    const data = new Uint8ArrayConstructor(MathCeil(length / 8));
    ops.randomFill(data);
    return newKey("secret", extractable, { __proto__: null, name: "HMAC", hash, length }, usages, data);
  },
  importKey(format, keyData, normalized, extractable, usages) {
    checkUsages(usages, ["sign", "verify"]);
    const hash = requireHash(normalized.hash);
    let data;
    if (format === "raw") {
      data = copyBytes(keyData, "keyData");
    } else if (format === "jwk") {
      const jwk = toJWK(keyData);
      checkJWK(jwk, "oct", usages, extractable, "sig");
      data = base64urlDecode(jwk.k, "k");
      if (jwk.alg !== undefined && jwk.alg !== `HS${hashNames[hash.name]}`) throw dataError("The JWK 'alg' member does not match the hash");
    } else {
      throw notSupported(`HMAC keys cannot be imported as ${format}`);
    }
    if (data.length === 0) throw dataError("HMAC key data must not be empty");
    let length = data.length * 8;
    if (normalized.length !== undefined) {
      if (normalized.length > length || normalized.length <= length - 8) throw dataError("The HMAC length does not match the key data");
      length = normalized.length;
    }
    return newKey("secret", extractable, { __proto__: null, name: "HMAC", hash, length }, usages, data);
  },
  exportKey(format, key) {
    const data = keyData(key);
    if (format === "raw") return arrayBufferOf(copyBytes(data, "key"));
    if (format === "jwk") {
      return exportedJWK({ kty: "oct", k: base64urlEncode(data), alg: `HS${hashNames[keyRecord(key).hash.name]}` }, key);
    }
    throw notSupported(`HMAC keys cannot be exported as ${format}`);
  },
  getKeyLength(normalized) {
    if (normalized.length === undefined) return blockBits(requireHash(normalized.hash).name);
    if (normalized.length === 0) throw new TypeError("HMAC key length must not be zero");
    return normalized.length;
  },
  sign: (normalized, key, data) => host("hmacSign", keyRecord(key).hash.name, keyData(key), data),
  verify: (normalized, key, signature, data) => host("hmacVerify", keyRecord(key).hash.name, keyData(key), signature, data),
};

// --- ECDSA and ECDH (§23, §24) ---

function ecAlgorithm(name, privateUsages, publicUsages) {
  const allUsages = [...privateUsages, ...publicUsages];
  const curveOf = (normalized) => {
    const curve = normalized.namedCurve;
    if (curveCoordinateBytes[curve] === undefined) throw notSupported(`Unsupported named curve: ${curve}`);
    return curve;
  };
  return {
    generateKey(normalized, extractable, usages) {
      checkUsages(usages, allUsages);
      const namedCurve = curveOf(normalized);
      const privateData = host("ecGenerate", namedCurve);
      const publicData = host("ecPublic", namedCurve, privateData);
      const record = { __proto__: null, name, namedCurve };
      return keyPair(record, extractable, usages, privateUsages, publicUsages, privateData, publicData);
    },
    importKey(format, keyData, normalized, extractable, usages) {
      const namedCurve = curveOf(normalized);
      const record = { __proto__: null, name, namedCurve };
      let type, data;
      if (format === "jwk") {
        const jwk = toJWK(keyData);
        type = jwk.d === undefined ? "public" : "private";
        checkUsages(usages, type === "private" ? privateUsages : publicUsages);
        checkJWK(jwk, "EC", usages, extractable, name === "ECDSA" ? "sig" : "enc");
        if (jwk.crv !== namedCurve) throw dataError("The JWK 'crv' member does not match the named curve");
        if (name === "ECDSA" && jwk.alg !== undefined && jwk.alg !== curveJWKAlgorithm[namedCurve]) {
          throw dataError("The JWK 'alg' member does not match the named curve");
        }
        const size = curveCoordinateBytes[namedCurve];
        const x = base64urlDecode(jwk.x, "x"), y = base64urlDecode(jwk.y, "y");
        const d = jwk.d === undefined ? undefined : base64urlDecode(jwk.d, "d");
        if (x.length !== size || y.length !== size || (d !== undefined && d.length !== size)) {
          throw dataError("The JWK's coordinates are not of the curve's size");
        }
        data = host("ecFromComponents", namedCurve, x, y, d);
      } else {
        if (format !== "raw" && format !== "spki" && format !== "pkcs8") throw notSupported(`EC keys cannot be imported as ${format}`);
        type = format === "pkcs8" ? "private" : "public";
        checkUsages(usages, type === "private" ? privateUsages : publicUsages);
        data = host("ecImport", namedCurve, format, copyBytes(keyData, "keyData"));
      }
      return newKey(type, extractable, record, usages, data);
    },
    exportKey(format, key) {
      const namedCurve = keyRecord(key).namedCurve;
      const isPrivate = keyType(key) === "private";
      if (format === "jwk") {
        const components = host("ecComponents", namedCurve, keyData(key), isPrivate);
        const size = curveCoordinateBytes[namedCurve];
        const jwk = { kty: "EC", crv: namedCurve, x: base64urlEncode(subBytes(components, 0, size)),
          y: base64urlEncode(subBytes(components, size, 2 * size)) };
        if (isPrivate) jwk.d = base64urlEncode(subBytes(components, 2 * size, 3 * size));
        if (name === "ECDSA") jwk.alg = curveJWKAlgorithm[namedCurve];
        return exportedJWK(jwk, key);
      }
      return arrayBufferOf(host("ecExport", namedCurve, format, keyData(key), isPrivate));
    },
    sign: (normalized, key, data) => {
      if (keyType(key) !== "private") throw invalidAccess("Signing needs a private key");
      return host("ecdsaSign", keyRecord(key).namedCurve, requireHash(normalized.hash).name, keyData(key), data);
    },
    verify: (normalized, key, signature, data) => {
      if (keyType(key) !== "public") throw invalidAccess("Verifying needs a public key");
      return host("ecdsaVerify", keyRecord(key).namedCurve, requireHash(normalized.hash).name, keyData(key), signature, data);
    },
    deriveBits(normalized, key, length) {
      const peer = checkPeer(normalized, key);
      if (keyRecord(peer).namedCurve !== keyRecord(key).namedCurve) throw invalidAccess("The public key is on another curve");
      return sharedBits(host("ecdh", keyRecord(key).namedCurve, keyData(key), keyData(peer)), length);
    },
  };
}

/// The two keys of a generated pair (§14.3.6 steps 9-10): the public one always extractable.
function keyPair(record, extractable, usages, privateUsages, publicUsages, privateData, publicData) {
  const privateKeyUsages = intersect(usages, privateUsages);
  if (privateKeyUsages.length === 0) throw syntaxError("The private key needs at least one usage");
  return {
    publicKey: newKey("public", true, record, intersect(usages, publicUsages), publicData),
    privateKey: newKey("private", extractable, record, privateKeyUsages, privateData),
  };
}

/// ECDH / X25519 deriveBits steps 1-5: the peer is a public key of the same algorithm.
function checkPeer(normalized, key) {
  if (keyType(key) !== "private") throw invalidAccess("Key agreement needs a private key");
  const peer = normalized.public;
  if (keyType(peer) !== "public") throw invalidAccess("The 'public' member is not a public key");
  if (keyRecord(peer).name !== keyRecord(key).name) throw invalidAccess("The public key is of another algorithm");
  return peer;
}

function sharedBits(secret, length) {
  if (length === null || length === undefined) return secret;
  if (length > secret.length * 8) throw operationError("The length is longer than the shared secret");
  return truncateBits(secret, length);
}

algorithms.ECDSA = ecAlgorithm("ECDSA", ["sign"], ["verify"]);
algorithms.ECDH = ecAlgorithm("ECDH", ["deriveKey", "deriveBits"], []);

// --- Ed25519 and X25519 (Secure Curves) ---

function okpAlgorithm(name, privateUsages, publicUsages) {
  const allUsages = [...privateUsages, ...publicUsages];
  const record = ObjectFreeze({ __proto__: null, name });
  return {
    generateKey(normalized, extractable, usages) {
      checkUsages(usages, allUsages);
      const privateData = host("okpGenerate", name);
      return keyPair(record, extractable, usages, privateUsages, publicUsages, privateData, host("okpPublic", name, privateData));
    },
    importKey(format, keyData, normalized, extractable, usages) {
      let type, data;
      if (format === "jwk") {
        const jwk = toJWK(keyData);
        type = jwk.d === undefined ? "public" : "private";
        checkUsages(usages, type === "private" ? privateUsages : publicUsages);
        checkJWK(jwk, "OKP", usages, extractable, name === "Ed25519" ? "sig" : "enc");
        if (jwk.crv !== name) throw dataError(`The JWK 'crv' member is not ${name}`);
        if (name === "Ed25519" && jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") {
          throw dataError("The JWK 'alg' member is not EdDSA");
        }
        const x = base64urlDecode(jwk.x, "x");
        if (x.length !== 32) throw dataError(`Invalid ${name} key data`);
        if (type === "private") {
          data = base64urlDecode(jwk.d, "d");
          if (data.length !== 32) throw dataError(`Invalid ${name} key data`);
          const derived = host("okpPublic", name, data);
          for (let i = 0; i < 32; i++) if (derived[i] !== x[i]) throw dataError("The JWK's 'x' does not match 'd'");
        } else {
          data = x;
        }
      } else {
        if (format !== "raw" && format !== "spki" && format !== "pkcs8") throw notSupported(`${name} keys cannot be imported as ${format}`);
        type = format === "pkcs8" ? "private" : "public";
        checkUsages(usages, type === "private" ? privateUsages : publicUsages);
        data = host("okpImport", name, format, copyBytes(keyData, "keyData"));
      }
      return newKey(type, extractable, record, usages, data);
    },
    exportKey(format, key) {
      const isPrivate = keyType(key) === "private";
      if (format === "jwk") {
        const publicData = isPrivate ? host("okpPublic", name, keyData(key)) : keyData(key);
        const jwk = { kty: "OKP", crv: name, x: base64urlEncode(publicData) };
        if (isPrivate) jwk.d = base64urlEncode(keyData(key));
        return exportedJWK(jwk, key);
      }
      return arrayBufferOf(host("okpExport", name, format, keyData(key), isPrivate));
    },
    sign: (normalized, key, data) => {
      if (keyType(key) !== "private") throw invalidAccess("Signing needs a private key");
      return host("ed25519Sign", keyData(key), data);
    },
    verify: (normalized, key, signature, data) => {
      if (keyType(key) !== "public") throw invalidAccess("Verifying needs a public key");
      return host("ed25519Verify", keyData(key), signature, data);
    },
    deriveBits(normalized, key, length) {
      const peer = checkPeer(normalized, key);
      return sharedBits(host("x25519", keyData(key), keyData(peer)), length);
    },
  };
}

algorithms.Ed25519 = okpAlgorithm("Ed25519", ["sign"], ["verify"]);
algorithms.X25519 = okpAlgorithm("X25519", ["deriveKey", "deriveBits"], []);

// --- RSA (§20, §21, §22) ---

const rsaJWKPrefix = { __proto__: null, "RSASSA-PKCS1-v1_5": "RS", "RSA-PSS": "PS", "RSA-OAEP": "RSA-OAEP" };

function rsaJWKAlgorithm(name, hash) {
  if (name === "RSA-OAEP") return hash === "SHA-1" ? "RSA-OAEP" : `RSA-OAEP-${hashNames[hash]}`;
  return `${rsaJWKPrefix[name]}${hashNames[hash]}`;
}

/// The members of an RSA key as its DER holds them (`rsaComponents`: length-prefixed).
function rsaMembers(data, isPrivate) {
  const packed = host("rsaComponents", data, isPrivate);
  const members = [];
  let offset = 0;
  while (offset < packed.length) {
    const length = ((packed[offset] << 24) | (packed[offset + 1] << 16) | (packed[offset + 2] << 8) | packed[offset + 3]) >>> 0;
    offset += 4;
    ArrayPrototypePush(members, subBytes(packed, offset, offset + length));
    offset += length;
  }
  return members;
}

function rsaRecord(name, hash, publicData) {
  const [modulus, exponent] = rsaMembers(publicData, false);
  let bits = modulus.length * 8;
  for (let top = modulus[0]; top < 0x80 && bits > 0; top <<= 1) bits--;
  return { __proto__: null, name, modulusLength: bits, publicExponent: exponent, hash };
}

function rsaAlgorithm(name, privateUsages, publicUsages) {
  const allUsages = [...privateUsages, ...publicUsages];
  const algorithm = {
    generateKey(normalized, extractable, usages) {
      checkUsages(usages, allUsages);
      const hash = requireHash(normalized.hash);
      const pending = hostSlow("rsaGenerate", normalized.modulusLength, normalized.publicExponent);
      return PromisePrototypeThen(pending, (privateData) => {
        const publicData = host("rsaPublic", privateData);
        const record = rsaRecord(name, hash, publicData);
        return keyPair(record, extractable, usages, privateUsages, publicUsages, privateData, publicData);
      });
    },
    importKey(format, keyData, normalized, extractable, usages) {
      const hash = requireHash(normalized.hash);
      let type, data;
      if (format === "jwk") {
        const jwk = toJWK(keyData);
        type = jwk.d === undefined ? "public" : "private";
        checkUsages(usages, type === "private" ? privateUsages : publicUsages);
        checkJWK(jwk, "RSA", usages, extractable, name === "RSA-OAEP" ? "enc" : "sig");
        if (jwk.alg !== undefined && jwk.alg !== rsaJWKAlgorithm(name, hash.name)) {
          throw dataError("The JWK 'alg' member does not match the hash");
        }
        const n = base64urlDecode(jwk.n, "n"), e = base64urlDecode(jwk.e, "e");
        let d, p, q;
        if (type === "private") {
          d = base64urlDecode(jwk.d, "d");
          if (jwk.p !== undefined || jwk.q !== undefined) {
            p = base64urlDecode(jwk.p, "p");
            q = base64urlDecode(jwk.q, "q");
          }
        }
        data = host("rsaFromComponents", n, e, d, p, q);
      } else {
        if (format !== "spki" && format !== "pkcs8") throw notSupported(`RSA keys cannot be imported as ${format}`);
        type = format === "pkcs8" ? "private" : "public";
        checkUsages(usages, type === "private" ? privateUsages : publicUsages);
        data = host("rsaImport", format, copyBytes(keyData, "keyData"));
      }
      const publicData = type === "private" ? host("rsaPublic", data) : data;
      return newKey(type, extractable, rsaRecord(name, hash, publicData), usages, data);
    },
    exportKey(format, key) {
      const isPrivate = keyType(key) === "private";
      if (format === "jwk") {
        const members = rsaMembers(keyData(key), isPrivate);
        const names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];
        const jwk = { kty: "RSA" };
        for (let i = 0; i < members.length; i++) jwk[names[i]] = base64urlEncode(members[i]);
        jwk.alg = rsaJWKAlgorithm(name, keyRecord(key).hash.name);
        return exportedJWK(jwk, key);
      }
      return arrayBufferOf(host("rsaExport", format, keyData(key), isPrivate));
    },
  };
  if (name === "RSA-OAEP") {
    algorithm.encrypt = (normalized, key, data) => {
      if (keyType(key) !== "public") throw invalidAccess("Encryption needs a public key");
      return host("rsaEncrypt", keyRecord(key).hash.name, normalized.label ?? emptyBytes, keyData(key), data);
    };
    algorithm.decrypt = (normalized, key, data) => {
      if (keyType(key) !== "private") throw invalidAccess("Decryption needs a private key");
      return host("rsaDecrypt", keyRecord(key).hash.name, normalized.label ?? emptyBytes, keyData(key), data);
    };
  } else {
    algorithm.sign = (normalized, key, data) => {
      if (keyType(key) !== "private") throw invalidAccess("Signing needs a private key");
      const hash = keyRecord(key).hash.name;
      return host("rsaSign", name, hash, normalized.saltLength ?? 0, keyData(key), data);
    };
    algorithm.verify = (normalized, key, signature, data) => {
      if (keyType(key) !== "public") throw invalidAccess("Verifying needs a public key");
      const hash = keyRecord(key).hash.name;
      return host("rsaVerify", name, hash, normalized.saltLength ?? 0, keyData(key), signature, data);
    };
  }
  return algorithm;
}

algorithms["RSASSA-PKCS1-v1_5"] = rsaAlgorithm("RSASSA-PKCS1-v1_5", ["sign"], ["verify"]);
algorithms["RSA-PSS"] = rsaAlgorithm("RSA-PSS", ["sign"], ["verify"]);
algorithms["RSA-OAEP"] = rsaAlgorithm("RSA-OAEP", ["decrypt", "unwrapKey"], ["encrypt", "wrapKey"]);

// --- HKDF and PBKDF2 (§31, §32): raw secrets for deriveBits / deriveKey only ---

/// PBKDF2 work (iterations times output blocks) above which it runs on a host thread.
const slowPBKDF2Work = 20000;

function kdfAlgorithm(name, deriveBits) {
  return {
    importKey(format, keyData, normalized, extractable, usages) {
      if (format !== "raw") throw notSupported(`${name} keys can only be imported as raw`);
      checkUsages(usages, ["deriveKey", "deriveBits"]);
      if (extractable) throw syntaxError(`${name} keys cannot be extractable`);
      return newKey("secret", false, ObjectFreeze({ __proto__: null, name }), usages, copyBytes(keyData, "keyData"));
    },
    getKeyLength: () => null,
    deriveBits,
  };
}

algorithms.HKDF = kdfAlgorithm("HKDF", (normalized, key, length) => {
  if (length === null || length === undefined) throw operationError("HKDF needs a length");
  return host("hkdf", requireHash(normalized.hash).name, keyData(key), normalized.salt, normalized.info, length);
});
algorithms.PBKDF2 = kdfAlgorithm("PBKDF2", (normalized, key, length) => {
  if (length === null || length === undefined || length === 0) throw operationError("PBKDF2 needs a non-zero length");
  if (normalized.iterations === 0) throw operationError("PBKDF2 needs a non-zero iteration count");
  const hash = requireHash(normalized.hash).name;
  const blocks = MathCeil(length / 8 / (hash === "SHA-1" ? 20 : hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64));
  if (normalized.iterations * blocks > slowPBKDF2Work) {
    return hostSlow("pbkdf2", hash, keyData(key), normalized.salt, normalized.iterations, length);
  }
  return host("pbkdf2", hash, keyData(key), normalized.salt, normalized.iterations, length);
});

// MARK: - SubtleCrypto

/// Runs `body` and returns its value as a promise: every exception, argument conversion's
/// included, becomes a rejection (Web IDL §3.6.8 for operations returning a promise).
function promised(self, count, required, what, body) {
  try {
    if (!isSubtle(self)) throw new TypeError("Illegal invocation");
    if (count < required) {
      throw new TypeError(`Failed to execute '${what}' on 'SubtleCrypto': ${required} arguments required, but only ${count} present.`);
    }
    const value = body();
    return PromiseResolve(value);
  } catch (error) {
    return PromiseReject(error);
  }
}

const resultBuffer = (bytes) => arrayBufferOf(bytes);

function implementation(normalized, op) {
  const implementations = algorithms[normalized.name];
  const method = implementations === undefined ? undefined : implementations[op];
  if (method === undefined) throw notSupported(`${normalized.name} does not support ${op}`);
  return method;
}

function lengthArgument(length) {
  if (length === undefined || length === null) return null;
  return enforceRange(length, 0xffffffff, "length");
}

function importKeyNow(format, keyData, algorithm, extractable, usages) {
  if (format !== "raw" && format !== "spki" && format !== "pkcs8" && format !== "jwk") {
    throw new TypeError(`'${format}' is not a valid enum value of type KeyFormat.`);
  }
  const normalized = normalizeAlgorithm(algorithm, "importKey");
  const key = implementation(normalized, "importKey")(format, keyData, normalized, extractable, usages);
  if ((keyType(key) === "secret" || keyType(key) === "private") && keyUsages(key).length === 0) {
    throw syntaxError("The key needs at least one usage");
  }
  return key;
}

function exportKeyNow(format, key) {
  if (format !== "raw" && format !== "spki" && format !== "pkcs8" && format !== "jwk") {
    throw new TypeError(`'${format}' is not a valid enum value of type KeyFormat.`);
  }
  if (!isCryptoKey(key)) throw new TypeError("key is not of type 'CryptoKey'.");
  const exporter = algorithms[keyRecord(key).name].exportKey;
  if (exporter === undefined) throw notSupported(`${keyRecord(key).name} keys cannot be exported`);
  if (!keyExtractable(key)) throw invalidAccess("The key is not extractable");
  return exporter(format, key);
}

function keyFormat(value) {
  return toDOMString(value);
}

let isSubtle;

class SubtleCrypto {
  constructor(token) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
  }

  static {
    isSubtle = (value) => value === subtle;
  }

  digest(algorithm, data) {
    return promised(this, arguments.length, 2, "digest", () => {
      const normalized = normalizeAlgorithm(algorithm, "digest");
      return resultBuffer(host("digest", normalized.name, viewBytes(data, "data")));
    });
  }

  encrypt(algorithm, key, data) {
    return promised(this, arguments.length, 3, "encrypt", () => {
      const normalized = normalizeAlgorithm(algorithm, "encrypt");
      const bytes = viewBytes(data, "data");
      checkKey(key, normalized, "encrypt");
      return resultBuffer(implementation(normalized, "encrypt")(normalized, key, bytes));
    });
  }

  decrypt(algorithm, key, data) {
    return promised(this, arguments.length, 3, "decrypt", () => {
      const normalized = normalizeAlgorithm(algorithm, "decrypt");
      const bytes = viewBytes(data, "data");
      checkKey(key, normalized, "decrypt");
      return resultBuffer(implementation(normalized, "decrypt")(normalized, key, bytes));
    });
  }

  sign(algorithm, key, data) {
    return promised(this, arguments.length, 3, "sign", () => {
      const normalized = normalizeAlgorithm(algorithm, "sign");
      const bytes = viewBytes(data, "data");
      checkKey(key, normalized, "sign");
      return resultBuffer(implementation(normalized, "sign")(normalized, key, bytes));
    });
  }

  verify(algorithm, key, signature, data) {
    return promised(this, arguments.length, 4, "verify", () => {
      const normalized = normalizeAlgorithm(algorithm, "verify");
      const signatureBytes = copyBytes(signature, "signature");
      const bytes = viewBytes(data, "data");
      checkKey(key, normalized, "verify");
      return implementation(normalized, "verify")(normalized, key, signatureBytes, bytes);
    });
  }

  generateKey(algorithm, extractable, keyUsages) {
    return promised(this, arguments.length, 3, "generateKey", () => {
      const usages = toUsages(keyUsages);
      const normalized = normalizeAlgorithm(algorithm, "generateKey");
      const result = implementation(normalized, "generateKey")(normalized, !!extractable, usages);
      if (isCryptoKey(result) && keyUsages_(result).length === 0) throw syntaxError("The key needs at least one usage");
      return result;
    });
  }

  importKey(format, keyData, algorithm, extractable, keyUsages) {
    return promised(this, arguments.length, 5, "importKey", () =>
      importKeyNow(keyFormat(format), keyData, algorithm, !!extractable, toUsages(keyUsages)));
  }

  exportKey(format, key) {
    return promised(this, arguments.length, 2, "exportKey", () => exportKeyNow(keyFormat(format), key));
  }

  deriveBits(algorithm, baseKey, length = null) {
    return promised(this, arguments.length, 2, "deriveBits", () => {
      const normalized = normalizeAlgorithm(algorithm, "deriveBits");
      const bits = lengthArgument(length);
      checkKey(baseKey, normalized, "deriveBits");
      return PromisePrototypeThen(PromiseResolve(implementation(normalized, "deriveBits")(normalized, baseKey, bits)),
        resultBuffer);
    });
  }

  deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    return promised(this, arguments.length, 5, "deriveKey", () => {
      const usages = toUsages(keyUsages);
      const normalized = normalizeAlgorithm(algorithm, "deriveBits");
      const importType = normalizeAlgorithm(derivedKeyType, "importKey");
      const lengthType = normalizeAlgorithm(derivedKeyType, "getKeyLength");
      checkKey(baseKey, normalized, "deriveKey");
      const length = implementation(lengthType, "getKeyLength")(lengthType);
      const bits = implementation(normalized, "deriveBits")(normalized, baseKey, length);
      return PromisePrototypeThen(PromiseResolve(bits), (secret) => {
        const key = implementation(importType, "importKey")("raw", secret, importType, !!extractable, usages);
        if (keyUsages_(key).length === 0) throw syntaxError("The key needs at least one usage");
        return key;
      });
    });
  }

  wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    return promised(this, arguments.length, 4, "wrapKey", () => {
      const keyFormatName = keyFormat(format);
      const normalized = normalizeAlgorithm(wrapAlgorithm, "wrapKey");
      checkKey(wrappingKey, normalized, "wrapKey");
      if (!isCryptoKey(key)) throw new TypeError("key is not of type 'CryptoKey'.");
      const exported = exportKeyNow(keyFormatName, key);
      const bytes = keyFormatName === "jwk" ? utf8Encoder.encode(JSONStringify(exported)) : new Uint8ArrayConstructor(exported);
      const implementations = algorithms[normalized.name];
      const wrapped = implementations.wrap !== undefined ? implementations.wrap(normalized, wrappingKey, bytes)
        : implementation(normalized, "encrypt")(normalized, wrappingKey, bytes);
      return resultBuffer(wrapped);
    });
  }

  unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    return promised(this, arguments.length, 7, "unwrapKey", () => {
      const keyFormatName = keyFormat(format);
      const wrapped = copyBytes(wrappedKey, "wrappedKey");
      const normalized = normalizeAlgorithm(unwrapAlgorithm, "unwrapKey");
      const usages = toUsages(keyUsages);
      checkKey(unwrappingKey, normalized, "unwrapKey");
      const implementations = algorithms[normalized.name];
      const bytes = implementations.unwrap !== undefined ? implementations.unwrap(normalized, unwrappingKey, wrapped)
        : implementation(normalized, "decrypt")(normalized, unwrappingKey, wrapped);
      let keyData = bytes;
      if (keyFormatName === "jwk") {
        try {
          keyData = JSONParse(utf8Decoder.decode(bytes));
        } catch {
          throw dataError("The unwrapped key is not a JWK");
        }
      }
      return importKeyNow(keyFormatName, keyData, unwrappedKeyAlgorithm, !!extractable, usages);
    });
  }

  /// Workers: whether two buffers of the same length hold the same bytes, in time that depends
  /// only on the length.
  timingSafeEqual(a, b) {
    if (!isSubtle(this)) throw new TypeError("Illegal invocation");
    const left = viewBytes(a, "a"), right = viewBytes(b, "b");
    if (left.length !== right.length) throw new TypeError("Input buffers must have the same byte length.");
    let difference = 0;
    for (let i = 0; i < left.length; i++) difference |= left[i] ^ right[i];
    return difference === 0;
  }
}
const keyUsages_ = (key) => keyUsages(key);

makeMembersEnumerable(SubtleCrypto.prototype);
setToStringTag(SubtleCrypto.prototype, "SubtleCrypto");
const subtle = new SubtleCrypto(kInternal);

// MARK: - crypto.DigestStream (Workers)

/// A WritableStream whose `digest` promise resolves, once it is closed, to the hash of every
/// chunk written (ArrayBuffer or ArrayBufferView).
class DigestStream extends WritableStreamConstructor {
  #digest;
  #bytesWritten = 0;

  constructor(algorithm) {
    const normalized = normalizeAlgorithm(algorithm, "digest");
    const handle = host("digestStreamNew", normalized.name);
    let resolve, reject;
    const digest = new internals.primordials.SafePromise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    let self;
    super({
      write(chunk) {
        const view = bufferSourceView(chunk);
        if (view === null) throw new TypeError("DigestStream accepts only ArrayBuffer and ArrayBufferView chunks.");
        host("digestStreamUpdate", handle, view);
        self.#bytesWritten += view.length;
      },
      close() {
        resolve(arrayBufferOf(host("digestStreamFinish", handle)));
      },
      abort(reason) {
        host("digestStreamDrop", handle);
        reject(reason);
      },
    });
    self = this;
    this.#digest = digest;
    // A stream dropped unread rejects `digest` quietly only when someone listens.
    PromisePrototypeThen(digest, undefined, () => {});
  }

  get digest() {
    return this.#digest;
  }

  get bytesWritten() {
    return this.#bytesWritten;
  }
}
makeMembersEnumerable(DigestStream.prototype);
setToStringTag(DigestStream.prototype, "DigestStream");

// MARK: - crypto

const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  BigInt64Array, BigUint64Array];

class Crypto {
  constructor(token) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
  }

  getRandomValues(array) {
    let integer = false;
    for (let i = 0; i < integerArrays.length; i++) if (array instanceof integerArrays[i]) integer = true;
    if (!integer) throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    if (TypedArrayPrototypeGetByteLength(array) > 65536) {
      throw new DOMException(
        `The ArrayBufferView's byte length (${TypedArrayPrototypeGetByteLength(array)}) exceeds the number of bytes of entropy available via this API (65536)`,
        "QuotaExceededError");
    }
    ops.randomFill(array);
    return array;
  }

  randomUUID() {
    return ops.randomUUID();
  }

  get subtle() {
    return subtle;
  }
}
ObjectDefineProperty(Crypto.prototype, "DigestStream", { value: DigestStream, writable: true, configurable: true });
makeMembersEnumerable(Crypto.prototype);
setToStringTag(Crypto.prototype, "Crypto");
const crypto = new Crypto(kInternal);

internals.defineGlobal("Crypto", Crypto);
internals.defineGlobal("crypto", crypto);
internals.defineGlobal("SubtleCrypto", SubtleCrypto);
internals.defineGlobal("CryptoKey", CryptoKey);
