// `r2_bucket` bindings: env.NAME is an R2Bucket. Every call is one asynchronous host operation
// (WorkerIsolate+R2.swift); the store checks keys, sizes, checksums and conditions against R2's
// rules and rejects with its texts ("put: The specified object name is not valid. (10020)").
// Arguments are checked here first with workerd's TypeErrors and RangeErrors.
//
// Bodies stream: put() hands the host a stream (request.body passes through without JavaScript),
// get() answers an R2ObjectBody whose `body` is a host stream reading the stored file.
// A Blob put is sent as its bytes; R2ObjectBody.blob() is typed by the object's contentType.

const { JSONParse, JSONStringify, TypeError, RangeError, ObjectFreeze, ObjectDefineProperty, ArrayIsArray, PromiseReject,
  PromisePrototypeThen, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteLength, uncurryThis } = internals.primordials;
const r2HostOp = internals.hostOp.r2;
const r2HostAsync = internals.hostAsync;
const r2ToString = internals.webIDL.toDOMString;
const r2Streams = internals.streams;
const r2BufferSourceView = internals.bufferSourceView;
const r2Blobs = internals.blobs;
const r2IsHeaders = internals.isHeaders;
const r2Utf8Decode = ops.utf8Decode;
const DateConstructor = Date;
const DateParse = Date.parse;
const DatePrototypeGetTime = uncurryThis(Date.prototype.getTime);
const DatePrototypeToUTCString = uncurryThis(Date.prototype.toUTCString);
const ObjectKeys = Object.keys;
const ObjectHasOwn = uncurryThis(Object.prototype.hasOwnProperty);
const MathTrunc = Math.trunc;
const NumberIsFinite = Number.isFinite;
const Uint8ArrayConstructor = Uint8Array;
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const StringPrototypeStartsWith = uncurryThis(String.prototype.startsWith);
const StringPrototypeEndsWith = uncurryThis(String.prototype.endsWith);
const HeadersPrototypeGet = uncurryThis(internals.Headers.prototype.get);
const HeadersPrototypeSet = uncurryThis(internals.Headers.prototype.set);
const r2Key = Symbol("R2Bucket");

const bodyUsedMessage =
  "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
const unknownLengthMessage =
  "Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)";

/// Defines a property on an object the runtime made, without running a setter a worker put on
/// a prototype.
function defineValue(target, name, value, writable) {
  ObjectDefineProperty(target, name, { __proto__: null, value, writable, enumerable: true, configurable: writable });
}

function own(object, name) {
  return ObjectHasOwn(object, name) ? object[name] : undefined;
}

// MARK: - Objects

const hexDigits = "0123456789abcdef";

function hexToBuffer(hex) {
  const bytes = new Uint8ArrayConstructor(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    const high = StringPrototypeCharCodeAt(hex, index * 2);
    const low = StringPrototypeCharCodeAt(hex, index * 2 + 1);
    bytes[index] = (hexValue(high) << 4) | hexValue(low);
  }
  return TypedArrayPrototypeGetBuffer(bytes);
}

function hexValue(code) {
  return code <= 57 ? code - 48 : code - 87;
}

function bufferToHex(bytes) {
  let text = "";
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    text += hexDigits[byte >> 4] + hexDigits[byte & 15];
  }
  return text;
}

const hashNames = ["md5", "sha1", "sha256", "sha384", "sha512"];

/// R2Checksums: each digest the store kept as an ArrayBuffer (undefined for the others);
/// toJSON() gives them in hexadecimal.
class R2Checksums {
  #hex;
  constructor(key, hex) {
    if (key !== r2Key) throw new TypeError("Illegal constructor");
    this.#hex = hex;
    for (let index = 0; index < hashNames.length; index++) {
      const name = hashNames[index];
      const value = own(hex, name);
      defineValue(this, name, value === undefined ? undefined : hexToBuffer(value), false);
    }
  }

  toJSON() {
    const json = {};
    for (let index = 0; index < hashNames.length; index++) {
      const name = hashNames[index];
      const value = own(this.#hex, name);
      if (value !== undefined) defineValue(json, name, value, true);
    }
    return json;
  }
}
internals.webIDL.makeMembersEnumerable(R2Checksums.prototype);
internals.webIDL.setToStringTag(R2Checksums.prototype, "R2Checksums");

const httpFields = ["contentType", "contentLanguage", "contentDisposition", "contentEncoding", "cacheControl"];

function httpMetadataFromJSON(json) {
  const metadata = {};
  for (let index = 0; index < httpFields.length; index++) {
    const value = own(json, httpFields[index]);
    if (value !== undefined) defineValue(metadata, httpFields[index], value, true);
  }
  const expiry = own(json, "cacheExpiry");
  if (expiry !== undefined) defineValue(metadata, "cacheExpiry", new DateConstructor(expiry), true);
  return metadata;
}

/// R2Object: an object's metadata, as read-only properties of its own.
class R2Object {
  constructor(key, json) {
    if (key !== r2Key) throw new TypeError("Illegal constructor");
    const etag = json.etag;
    defineValue(this, "key", json.key, false);
    defineValue(this, "version", json.version, false);
    defineValue(this, "size", json.size, false);
    defineValue(this, "etag", etag, false);
    defineValue(this, "httpEtag", `"${etag}"`, false);
    defineValue(this, "checksums", new R2Checksums(r2Key, json.checksums), false);
    defineValue(this, "uploaded", new DateConstructor(json.uploaded), false);
    const http = own(json, "httpMetadata");
    defineValue(this, "httpMetadata", http === undefined ? undefined : httpMetadataFromJSON(http), false);
    defineValue(this, "customMetadata", own(json, "customMetadata"), false);
    defineValue(this, "range", own(json, "range"), false);
    defineValue(this, "storageClass", json.storageClass, false);
  }

  /// Sets the object's HTTP metadata as headers (content-type, ..., expires) on `headers`.
  writeHttpMetadata(headers) {
    const metadata = this.httpMetadata;
    if (metadata === undefined) {
      throw new TypeError(
        `HTTP metadata unknown for key \`${this.key}\`. Did you forget to add 'httpMetadata' to \`include\` when listing?`);
    }
    const names = ["content-type", "content-language", "content-disposition", "content-encoding", "cache-control"];
    for (let index = 0; index < httpFields.length; index++) {
      const value = own(metadata, httpFields[index]);
      if (value !== undefined) HeadersPrototypeSet(headers, names[index], value);
    }
    const expiry = own(metadata, "cacheExpiry");
    if (expiry !== undefined) HeadersPrototypeSet(headers, "expires", DatePrototypeToUTCString(expiry));
  }
}
internals.webIDL.makeMembersEnumerable(R2Object.prototype);
internals.webIDL.setToStringTag(R2Object.prototype, "R2Object");

/// R2ObjectBody: an R2Object with its bytes, as a stream read from the store's file.
class R2ObjectBody extends R2Object {
  #body;
  constructor(key, json, body) {
    super(key, json);
    this.#body = body;
  }

  get body() {
    return this.#body;
  }

  get bodyUsed() {
    return r2Streams.isDisturbed(this.#body);
  }

  arrayBuffer() {
    return this.#consume((bytes) => TypedArrayPrototypeGetBuffer(bytes));
  }

  text() {
    return this.#consume((bytes) => r2Utf8Decode(bytes, false, false));
  }

  json() {
    return this.#consume((bytes) => JSONParse(r2Utf8Decode(bytes, false, false)));
  }

  blob() {
    const metadata = this.httpMetadata;
    const type = metadata === undefined ? undefined : own(metadata, "contentType");
    return this.#consume((bytes) => r2Blobs.fromBytes(bytes, type === undefined ? "" : type));
  }

  #consume(convert) {
    try {
      if (r2Streams.isDisturbed(this.#body)) throw new TypeError(bodyUsedMessage);
      return r2Streams.readAllBytes(this.#body, convert);
    } catch (error) {
      return PromiseReject(error);
    }
  }
}
internals.webIDL.makeMembersEnumerable(R2ObjectBody.prototype);
internals.webIDL.setToStringTag(R2ObjectBody.prototype, "R2ObjectBody");

const objectOrNull = (json) => (json === null ? null : new R2Object(r2Key, JSONParse(json)));

// MARK: - Options, checked as workerd checks them and sent to the host as JSON

function requireObject(value, what) {
  if (typeof value !== "object" || value === null) throw new TypeError(`${what} must be an object.`);
}

function dateValue(value, name) {
  if (typeof value === "number") return value;
  try {
    return DatePrototypeGetTime(value);
  } catch {
    throw new TypeError(`${name} must be a Date.`);
  }
}

function headerDate(headers, name) {
  const value = HeadersPrototypeGet(headers, name);
  if (value === null) return undefined;
  const time = DateParse(value);
  return NumberIsFinite(time) ? time : undefined;
}

function headerString(headers, name) {
  const value = HeadersPrototypeGet(headers, name);
  return value === null ? undefined : value;
}

function etagCondition(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new TypeError(`${name} must be a string.`);
  if (value.length >= 2 && StringPrototypeStartsWith(value, '"') && StringPrototypeEndsWith(value, '"')) {
    throw new TypeError(`Conditional ETag should not be wrapped in quotes (${value}).`);
  }
  return value;
}

/// `onlyIf`: an R2Conditional, or a Headers object's conditional headers (whole seconds).
function conditionOption(value) {
  if (value === undefined || value === null) return undefined;
  if (r2IsHeaders(value)) {
    return {
      __proto__: null,
      headers: {
        __proto__: null,
        ifMatch: headerString(value, "if-match"),
        ifNoneMatch: headerString(value, "if-none-match"),
        ifModifiedSince: headerDate(value, "if-modified-since"),
        ifUnmodifiedSince: headerDate(value, "if-unmodified-since"),
      },
    };
  }
  requireObject(value, "onlyIf");
  const before = value.uploadedBefore;
  const after = value.uploadedAfter;
  return {
    __proto__: null,
    etagMatches: etagCondition(value.etagMatches, "etagMatches"),
    etagDoesNotMatch: etagCondition(value.etagDoesNotMatch, "etagDoesNotMatch"),
    uploadedBefore: before === undefined ? undefined : dateValue(before, "uploadedBefore"),
    uploadedAfter: after === undefined ? undefined : dateValue(after, "uploadedAfter"),
    secondsGranularity: value.secondsGranularity === true,
  };
}

/// `httpMetadata`: an R2HTTPMetadata, or the matching headers of a Headers object.
function httpMetadataOption(value) {
  if (value === undefined || value === null) return undefined;
  const out = { __proto__: null };
  if (r2IsHeaders(value)) {
    const names = ["content-type", "content-language", "content-disposition", "content-encoding", "cache-control"];
    for (let index = 0; index < httpFields.length; index++) out[httpFields[index]] = headerString(value, names[index]);
    out.cacheExpiry = headerDate(value, "expires");
    return out;
  }
  requireObject(value, "httpMetadata");
  for (let index = 0; index < httpFields.length; index++) {
    const field = value[httpFields[index]];
    if (field !== undefined) out[httpFields[index]] = r2ToString(field);
  }
  if (value.cacheExpiry !== undefined) out.cacheExpiry = dateValue(value.cacheExpiry, "cacheExpiry");
  return out;
}

function customMetadataOption(value) {
  if (value === undefined || value === null) return undefined;
  requireObject(value, "customMetadata");
  const out = { __proto__: null };
  const keys = ObjectKeys(value);
  for (let index = 0; index < keys.length; index++) out[keys[index]] = r2ToString(value[keys[index]]);
  return out;
}

const hashLabels = { __proto__: null, md5: "MD5", sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };
const hashBytes = { __proto__: null, md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/// A checksum option (bytes, or a hexadecimal string) as `{algorithm, hex}`.
function checksumOption(name, value) {
  const label = hashLabels[name];
  const length = hashBytes[name];
  if (typeof value === "string") {
    if (value.length !== length * 2) throw new TypeError(`${label} is ${length * 2} hex characters, not ${value.length}`);
    for (let index = 0; index < value.length; index++) {
      const code = StringPrototypeCharCodeAt(value, index);
      const isHex = (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
      if (!isHex) throw new TypeError(`Provided ${label} wasn't a valid hex string`);
    }
    let lower = "";
    for (let index = 0; index < value.length; index++) {
      const code = StringPrototypeCharCodeAt(value, index);
      lower += hexDigits[hexValue(code >= 65 && code <= 70 ? code + 32 : code)];
    }
    return { __proto__: null, algorithm: name, hex: lower };
  }
  const view = r2BufferSourceView(value);
  if (view === null) throw new TypeError(`${name} must be an ArrayBuffer, an ArrayBufferView or a hexadecimal string.`);
  const count = TypedArrayPrototypeGetByteLength(view);
  if (count !== length) throw new TypeError(`${label} is ${length} bytes, not ${count}`);
  return { __proto__: null, algorithm: name, hex: bufferToHex(view) };
}

function putOptionsJSON(options) {
  if (options === undefined || options === null) return undefined;
  requireObject(options, "The options of put()");
  const out = { __proto__: null };
  out.onlyIf = conditionOption(options.onlyIf);
  out.httpMetadata = httpMetadataOption(options.httpMetadata);
  out.customMetadata = customMetadataOption(options.customMetadata);
  for (let index = 0; index < hashNames.length; index++) {
    const name = hashNames[index];
    const value = options[name];
    if (value === undefined) continue;
    if (out.checksum !== undefined) throw new TypeError("You cannot specify multiple hashing algorithms.");
    out.checksum = checksumOption(name, value);
  }
  if (options.storageClass !== undefined) out.storageClass = r2ToString(options.storageClass);
  return JSONStringify(out);
}

function multipartOptionsJSON(options) {
  if (options === undefined || options === null) return undefined;
  requireObject(options, "The options of createMultipartUpload()");
  const out = { __proto__: null };
  out.httpMetadata = httpMetadataOption(options.httpMetadata);
  out.customMetadata = customMetadataOption(options.customMetadata);
  if (options.storageClass !== undefined) out.storageClass = r2ToString(options.storageClass);
  return JSONStringify(out);
}

function rangeNumber(value, what) {
  if (value === undefined) return undefined;
  const number = +value;
  if (!(number >= 0)) throw new RangeError(`Invalid range. ${what} (${number}) must be greater than or equal to 0.`);
  if (MathTrunc(number) !== number) throw new RangeError(`Invalid range. ${what} (${number}) must be an integer, not floating point.`);
  return number;
}

function getOptionsJSON(options) {
  if (options === undefined || options === null) return undefined;
  requireObject(options, "The options of get()");
  const out = { __proto__: null };
  out.onlyIf = conditionOption(options.onlyIf);
  const range = options.range;
  if (range !== undefined && range !== null) {
    if (r2IsHeaders(range)) {
      out.rangeHeader = headerString(range, "range");
    } else {
      requireObject(range, "range");
      const offset = rangeNumber(range.offset, "Starting offset");
      const length = rangeNumber(range.length, "Length");
      const given = range.suffix;
      if (given !== undefined) {
        if (offset !== undefined) throw new TypeError("Suffix is incompatible with offset.");
        if (length !== undefined) throw new TypeError("Suffix is incompatible with length.");
        const suffix = +given;
        if (!(suffix >= 0)) throw new RangeError(`Invalid suffix. Suffix (${suffix}) must be greater than or equal to 0.`);
        if (MathTrunc(suffix) !== suffix) throw new RangeError(`Invalid range. Suffix (${suffix}) must be an integer, not floating point.`);
        out.range = { __proto__: null, suffix };
      } else {
        out.range = { __proto__: null, offset, length };
      }
    }
  }
  return JSONStringify(out);
}

function listOptionsJSON(options) {
  if (options === undefined || options === null) return undefined;
  requireObject(options, "The options of list()");
  const out = { __proto__: null };
  if (options.limit !== undefined) {
    const limit = MathTrunc(+options.limit);
    out.limit = limit === limit ? limit : 0;
  }
  const names = ["prefix", "cursor", "delimiter", "startAfter"];
  for (let index = 0; index < names.length; index++) {
    const value = options[names[index]];
    if (value !== undefined && value !== null) out[names[index]] = r2ToString(value);
  }
  const include = options.include;
  if (include !== undefined && include !== null) {
    if (!ArrayIsArray(include)) throw new TypeError("include must be an array.");
    const fields = [];
    for (let index = 0; index < include.length; index++) {
      const field = r2ToString(include[index]);
      if (field !== "httpMetadata" && field !== "customMetadata") throw new RangeError(`Unsupported include value ${field}`);
      defineValue(fields, index, field, true);
    }
    out.include = fields;
  }
  return JSONStringify(out);
}

function listingFromJSON(json) {
  const parsed = JSONParse(json);
  const objects = [];
  const items = parsed.objects;
  for (let index = 0; index < items.length; index++) defineValue(objects, index, new R2Object(r2Key, items[index]), true);
  const result = { objects, truncated: parsed.truncated };
  if (parsed.truncated) defineValue(result, "cursor", parsed.cursor, true);
  defineValue(result, "delimitedPrefixes", parsed.delimitedPrefixes, true);
  return result;
}

/// A put value as the host takes it: `[bytes, streamHandle]`. `null` and undefined are empty.
function putValue(value, method) {
  if (value === undefined || value === null) return ["", 0];
  if (typeof value === "string") return [value, 0];
  const view = r2BufferSourceView(value);
  if (view !== null) return [view, 0];
  if (r2Blobs.isBlob(value)) return [r2Blobs.bytesOf(value).bytes, 0];
  if (r2Streams.isReadableStream(value)) {
    if (r2Streams.isDisturbed(value)) {
      throw new TypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
    }
    if (r2Streams.isLocked(value)) {
      throw new TypeError("This ReadableStream is currently locked to a reader, and cannot be used as a body.");
    }
    if (r2Streams.expectedLength(value) === undefined) throw new TypeError(unknownLengthMessage);
    return [undefined, internals.streamToHost(value)];
  }
  throw new TypeError(
    `${method}() accepts only strings, ArrayBuffers, ArrayBufferViews, ReadableStreams and null as values.`);
}

/// Calls `send(bytes, streamHandle)` with a put value. A body held in memory (a small request
/// body, `new Response("...").body`) is a stream with no declared length: its bytes are taken
/// as they are, since they are whole already.
function sendPutValue(value, method, send) {
  if (r2Streams.isReadableStream(value) && r2Streams.lazyBodyUntouched(value)) {
    return PromisePrototypeThen(r2Streams.readAllBytes(value, (bytes) => bytes), (bytes) => send(bytes, 0));
  }
  const body = putValue(value, method);
  return send(body[0], body[1]);
}

function missingArgument(type, method, given, needed = 1) {
  return new TypeError(
    `Failed to execute '${method}' on '${type}': ${needed} argument${needed === 1 ? "" : "s"} required, but only ${given} present.`);
}

function partNumberValue(value) {
  const number = MathTrunc(+value);
  if (!(number >= 1 && number <= 10000)) {
    throw new TypeError(`Part number must be between 1 and 10000 (inclusive). Actual value was: ${number === number ? number : 0}`);
  }
  return number;
}

// MARK: - The binding

class R2Bucket {
  #binding;
  constructor(key, binding) {
    if (key !== r2Key) throw new TypeError("Illegal constructor");
    this.#binding = binding;
  }

  head(key) {
    try {
      if (arguments.length < 1) throw missingArgument("R2Bucket", "head", arguments.length);
      return r2HostAsync(r2HostOp, objectOrNull, this.#binding, "head", r2ToString(key));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  get(key, options = undefined) {
    try {
      if (arguments.length < 1) throw missingArgument("R2Bucket", "get", arguments.length);
      return r2HostAsync(r2HostOp, (json, handle) => {
        if (json === null) return null;
        const parsed = JSONParse(json);
        if (handle === 0) return new R2Object(r2Key, parsed);
        return new R2ObjectBody(r2Key, parsed, internals.hostReadableStream(handle, parsed.range.length));
      }, this.#binding, "get", r2ToString(key), getOptionsJSON(options));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  put(key, value, options = undefined) {
    try {
      if (arguments.length < 2) throw missingArgument("R2Bucket", "put", arguments.length, 2);
      const name = r2ToString(key);
      const optionsJSON = putOptionsJSON(options);
      const binding = this.#binding;
      return sendPutValue(value, "put", (bytes, handle) =>
        r2HostAsync(r2HostOp, objectOrNull, binding, "put", name, optionsJSON, bytes, handle));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  delete(keys) {
    try {
      if (arguments.length < 1) throw missingArgument("R2Bucket", "delete", arguments.length);
      const names = [];
      if (ArrayIsArray(keys)) {
        for (let index = 0; index < keys.length; index++) defineValue(names, index, r2ToString(keys[index]), true);
      } else {
        defineValue(names, 0, r2ToString(keys), true);
      }
      return r2HostAsync(r2HostOp, undefined, this.#binding, "delete", JSONStringify(names));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  list(options = undefined) {
    try {
      return r2HostAsync(r2HostOp, listingFromJSON, this.#binding, "list", listOptionsJSON(options));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  createMultipartUpload(key, options = undefined) {
    try {
      if (arguments.length < 1) throw missingArgument("R2Bucket", "createMultipartUpload", arguments.length);
      const name = r2ToString(key);
      const binding = this.#binding;
      return r2HostAsync(r2HostOp, (uploadId) => new R2MultipartUpload(r2Key, binding, name, uploadId), binding,
        "createMultipartUpload", name, multipartOptionsJSON(options));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  resumeMultipartUpload(key, uploadId) {
    if (arguments.length < 2) throw missingArgument("R2Bucket", "resumeMultipartUpload", arguments.length, 2);
    return new R2MultipartUpload(r2Key, this.#binding, r2ToString(key), r2ToString(uploadId));
  }
}
internals.webIDL.makeMembersEnumerable(R2Bucket.prototype);
internals.webIDL.setToStringTag(R2Bucket.prototype, "R2Bucket");

class R2MultipartUpload {
  #binding;
  constructor(key, binding, name, uploadId) {
    if (key !== r2Key) throw new TypeError("Illegal constructor");
    this.#binding = binding;
    defineValue(this, "key", name, false);
    defineValue(this, "uploadId", uploadId, false);
  }

  uploadPart(partNumber, value) {
    try {
      if (arguments.length < 2) throw missingArgument("R2MultipartUpload", "uploadPart", arguments.length, 2);
      const number = partNumberValue(partNumber);
      if (value === undefined || value === null) throw new TypeError("uploadPart() needs a value.");
      const binding = this.#binding;
      const key = this.key;
      const uploadId = this.uploadId;
      return sendPutValue(value, "uploadPart", (bytes, handle) =>
        r2HostAsync(r2HostOp, (etag) => ({ partNumber: number, etag }), binding, "uploadPart", key, uploadId, number,
          bytes, handle));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  abort() {
    try {
      return r2HostAsync(r2HostOp, undefined, this.#binding, "abortMultipartUpload", this.key, this.uploadId);
    } catch (error) {
      return PromiseReject(error);
    }
  }

  complete(uploadedParts) {
    try {
      if (arguments.length < 1) throw missingArgument("R2MultipartUpload", "complete", arguments.length);
      if (!ArrayIsArray(uploadedParts)) throw new TypeError("complete() takes an array of uploaded parts.");
      const parts = [];
      for (let index = 0; index < uploadedParts.length; index++) {
        const part = uploadedParts[index];
        requireObject(part, "An uploaded part");
        const number = partNumberValue(part.partNumber);
        defineValue(parts, index, { __proto__: null, partNumber: number, etag: r2ToString(part.etag) }, true);
      }
      return r2HostAsync(r2HostOp, (json) => new R2Object(r2Key, JSONParse(json)), this.#binding,
        "completeMultipartUpload", this.key, this.uploadId, JSONStringify(parts));
    } catch (error) {
      return PromiseReject(error);
    }
  }
}
internals.webIDL.makeMembersEnumerable(R2MultipartUpload.prototype);
internals.webIDL.setToStringTag(R2MultipartUpload.prototype, "R2MultipartUpload");

internals.bindingFactories.r2_bucket = (index) => ObjectFreeze(new R2Bucket(r2Key, index));
