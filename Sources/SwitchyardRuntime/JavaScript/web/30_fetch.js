// Switchyard runtime: Headers, Request, Response (Fetch Standard, server side, as on Workers).
//
// Evaluated by the host as the body of `function (internals, ops) { "use strict"; ... }`, once per
// context, after 10_encoding.js (for internals.bufferSourceView) and 20_url.js (internals.URL,
// read lazily at call time). State lives in #private fields; built-ins used after start-up are
// captured here so worker code that replaces globals cannot change how these classes behave.
//
// Bodies are stored as a string or as a Uint8Array that this runtime owns (caller bytes are
// copied at construction), or as a ReadableStream (25_streams.js); `body` makes a byte stream
// over in-memory bytes only when it is read.
//
// Host glue exported on `internals` (see the bottom of the file for the exact contracts):
//   newRequestFromHost(method, url, headerList, body, cfJSON?) -> Request (cf parsed on first read)
//   responseToHost(value) -> {status, statusText, headers, body, stream, expectedLength}
//   newResponseFromHost(status, statusText, headerList, body, url?) -> Response
//   requestToHost(value) -> {method, url, headers, body, stream, expectedLength}
//   isHeaders(value), isRequest(value), isResponse(value) -> boolean

const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectSetPrototypeOf = Object.setPrototypeOf;
const ReflectApply = Reflect.apply;
const { PromiseResolve, PromiseReject } = internals.primordials;
const ObjectKeys = Object.keys;
const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const JSONParse = JSON.parse;
const JSONStringify = JSON.stringify;
const NumberIsFinite = Number.isFinite;
const MathTrunc = Math.trunc;
const SymbolIterator = Symbol.iterator;
const SymbolAsyncIterator = Symbol.asyncIterator;
const SymbolToStringTag = Symbol.toStringTag;

const FunctionPrototypeCall = Function.prototype.call;
// Bound `call`: V8 optimizes it, unlike a rest-parameter wrapper that allocates per call.
const uncurryThis = (fn) => FunctionPrototypeCall.bind(fn);

const ArrayPrototypeSlice = uncurryThis(Array.prototype.slice);
const ArrayPrototypeSort = uncurryThis(Array.prototype.sort);
const StringPrototypeSlice = uncurryThis(String.prototype.slice);
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const StringPrototypeToLowerCase = uncurryThis(String.prototype.toLowerCase);
const StringPrototypeSplit = uncurryThis(String.prototype.split);

// The host may pass a request's headers as one string, "name\0value\0name\0value" (NUL cannot
// occur in HTTP headers): one string to create instead of two per header, split only if the
// worker reads the headers at all.
const hostListToArray = (list) => (typeof list === "string" ? (list === "" ? [] : StringPrototypeSplit(list, "\0")) : list);
const StringPrototypeToUpperCase = uncurryThis(String.prototype.toUpperCase);
const RegExpPrototypeExec = uncurryThis(RegExp.prototype.exec);
const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
const TypedArraySet = uncurryThis(TypedArrayPrototype.set);
const TypedArrayBuffer = uncurryThis(Object.getOwnPropertyDescriptor(TypedArrayPrototype, "buffer").get);
const TypedArrayByteOffset = uncurryThis(Object.getOwnPropertyDescriptor(TypedArrayPrototype, "byteOffset").get);
const ArrayBufferByteLength = uncurryThis(Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get);
const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));

const bufferSourceView = internals.bufferSourceView;
const opsUtf8Encode = ops.utf8Encode;
const opsUtf8Decode = ops.utf8Decode;

// Private tag that lets this file construct objects without running the public constructors.
const kInternal = Symbol("switchyard.internal");

const regExpTest = (re, string) => RegExpPrototypeExec(re, string) !== null;
const { toDOMString, makeMembersEnumerable, setToStringTag } = internals.webIDL;

function requireArguments(count, required, what) {
  if (count < required) {
    throw new TypeError(`Failed to execute ${what}: ${required} argument${required === 1 ? "" : "s"} required, but only ${count} present.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Header name and value rules (RFC 9110 token, Fetch "header value")

const nonByteStringPattern = /[\u0100-\uffff]/;
const reasonPhrasePattern = /^[\t\x20-\x7e\x80-\xff]*$/;

// 1 for each ASCII code unit allowed in a token (RFC 9110 tchar).
const tokenCharacters = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const isAlphanumeric = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  tokenCharacters[c] = isAlphanumeric || "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) !== -1 ? 1 : 0;
}

function isToken(string) {
  const length = string.length;
  if (length === 0) return false;
  for (let i = 0; i < length; i++) {
    const c = StringPrototypeCharCodeAt(string, i);
    if (c >= 128 || tokenCharacters[c] === 0) return false;
  }
  return true;
}

function isHTTPWhitespace(c) {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Converts and validates a header name; returns it lowercased. */
function headerName(value) {
  const name = toDOMString(value);
  if (!isToken(name)) throw new TypeError(`Invalid header name: "${name}"`);
  return StringPrototypeToLowerCase(name);
}

/** Converts, normalises (strips leading and trailing HTTP whitespace) and validates a value. */
function headerValue(value) {
  let string = toDOMString(value);
  let start = 0;
  let end = string.length;
  while (start < end && isHTTPWhitespace(StringPrototypeCharCodeAt(string, start))) start++;
  while (end > start && isHTTPWhitespace(StringPrototypeCharCodeAt(string, end - 1))) end--;
  if (start !== 0 || end !== string.length) string = StringPrototypeSlice(string, start, end);
  for (let i = 0; i < string.length; i++) {
    const c = StringPrototypeCharCodeAt(string, i);
    if (c === 0x00 || c === 0x0a || c === 0x0d || c > 0xff) {
      throw new TypeError(`Invalid header value: "${string}"`);
    }
  }
  return string;
}

function toByteString(value, what) {
  const string = toDOMString(value);
  if (regExpTest(nonByteStringPattern, string)) {
    throw new TypeError(`${what}: the value contains characters above U+00FF and is not a ByteString.`);
  }
  return string;
}

// ---------------------------------------------------------------------------------------------
// Headers

let headersCreate; // (flat list with lowercase names, immutable) -> Headers, taking the list
let headersList; // (Headers) -> its live flat list
let headersCopy; // (Headers, keepGuard) -> Headers with a copy of the list
let headersHas; // (Headers, lowercase name) -> boolean
let headersGetValue; // (Headers, lowercase name) -> all its values joined with ", ", or null
let headersAppendTrusted; // (Headers, lowercase name, value); no validation, no guard
let headersSorted; // (Headers) -> flat sorted-and-combined list
let isHeaders; // (value) -> boolean

const immutableHeadersMessage = "Can't modify immutable headers.";

class Headers {
  // Flat list [name0, value0, name1, value1, ...] with lowercase names, in insertion order.
  #list;
  #immutable = false;
  // "sort and combine" result (flat list) or null once the list changes.
  #sorted = null;

  /** @param {Headers | Iterable<[string, string]> | Record<string, string>} [init] */
  constructor(init = undefined, list = undefined) {
    if (init === kInternal) {
      this.#list = list;
      return;
    }
    this.#list = [];
    if (init !== undefined) this.#fill(init);
  }

  #fill(init) {
    if ((typeof init !== "object" && typeof init !== "function") || init === null) {
      throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
    }
    if (#list in init) {
      this.#list = ArrayPrototypeSlice(init.#list);
      return;
    }
    const pairs = [];
    const iteratorMethod = init[SymbolIterator];
    if (iteratorMethod !== undefined && iteratorMethod !== null) {
      if (typeof iteratorMethod !== "function") {
        throw new TypeError("Failed to construct 'Headers': The object's Symbol.iterator is not a function.");
      }
      for (const item of init) {
        if ((typeof item !== "object" && typeof item !== "function") || item === null) {
          throw new TypeError("Failed to construct 'Headers': The provided value cannot be converted to a sequence.");
        }
        const pair = [];
        for (const part of item) pair[pair.length] = toDOMString(part);
        if (pair.length !== 2) {
          throw new TypeError("Failed to construct 'Headers': Invalid value: each header pair must contain exactly two items (name and value).");
        }
        pairs[pairs.length] = pair[0];
        pairs[pairs.length] = pair[1];
      }
    } else {
      // record<ByteString, ByteString>: own enumerable string keys, in property order.
      const keys = ObjectKeys(init);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        pairs[pairs.length] = key;
        pairs[pairs.length] = toDOMString(init[key]);
      }
    }
    const list = this.#list;
    for (let i = 0; i < pairs.length; i += 2) {
      const name = headerName(pairs[i]);
      const value = headerValue(pairs[i + 1]);
      list[list.length] = name;
      list[list.length] = value;
    }
  }

  #checkMutable() {
    if (this.#immutable) throw new TypeError(immutableHeadersMessage);
  }

  /** Appends a value; duplicates are kept and `get` joins them with ", ". */
  append(name, value) {
    const list = this.#list;
    requireArguments(arguments.length, 2, "'append' on 'Headers'");
    const lowerName = headerName(name);
    const normalizedValue = headerValue(value);
    this.#checkMutable();
    list[list.length] = lowerName;
    list[list.length] = normalizedValue;
    this.#sorted = null;
  }

  delete(name) {
    const list = this.#list;
    requireArguments(arguments.length, 1, "'delete' on 'Headers'");
    const lowerName = headerName(name);
    this.#checkMutable();
    let write = 0;
    for (let read = 0; read < list.length; read += 2) {
      if (list[read] === lowerName) continue;
      list[write] = list[read];
      list[write + 1] = list[read + 1];
      write += 2;
    }
    if (write !== list.length) {
      list.length = write;
      this.#sorted = null;
    }
  }

  /** @returns {string | null} all values of `name` joined with ", ", or null. */
  get(name) {
    requireArguments(arguments.length, 1, "'get' on 'Headers'");
    return combinedValue(this.#list, headerName(name));
  }

  /** @returns {string[]} the Set-Cookie values, each on its own. */
  getSetCookie() {
    const list = this.#list;
    const values = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === "set-cookie") values[values.length] = list[i + 1];
    }
    return values;
  }

  has(name) {
    const list = this.#list;
    requireArguments(arguments.length, 1, "'has' on 'Headers'");
    const lowerName = headerName(name);
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === lowerName) return true;
    }
    return false;
  }

  /** Replaces every value of `name` with `value`, keeping the position of the first one. */
  set(name, value) {
    const list = this.#list;
    requireArguments(arguments.length, 2, "'set' on 'Headers'");
    const lowerName = headerName(name);
    const normalizedValue = headerValue(value);
    this.#checkMutable();
    let found = false;
    let write = 0;
    for (let read = 0; read < list.length; read += 2) {
      if (list[read] === lowerName) {
        if (found) continue;
        found = true;
        list[write] = lowerName;
        list[write + 1] = normalizedValue;
      } else {
        list[write] = list[read];
        list[write + 1] = list[read + 1];
      }
      write += 2;
    }
    list.length = write;
    if (!found) {
      list[list.length] = lowerName;
      list[list.length] = normalizedValue;
    }
    this.#sorted = null;
  }

  forEach(callback, thisArg = undefined) {
    this.#list; // brand check
    requireArguments(arguments.length, 1, "'forEach' on 'Headers'");
    if (typeof callback !== "function") {
      throw new TypeError("Failed to execute 'forEach' on 'Headers': The callback provided as parameter 1 is not a function.");
    }
    let pairs = this.#sortAndCombine();
    for (let i = 0; i < pairs.length; i += 2) {
      ReflectApply(callback, thisArg, [pairs[i + 1], pairs[i], this]);
      pairs = this.#sortAndCombine();
    }
  }

  entries() {
    this.#list; // brand check
    return new HeadersIterator(kInternal, this, "key+value");
  }

  keys() {
    this.#list; // brand check
    return new HeadersIterator(kInternal, this, "key");
  }

  values() {
    this.#list; // brand check
    return new HeadersIterator(kInternal, this, "value");
  }

  // Fetch "sort and combine": names sorted, values of one name joined with ", ", except
  // Set-Cookie, whose values stay separate.
  #sortAndCombine() {
    if (this.#sorted !== null) return this.#sorted;
    const list = this.#list;
    const entries = [];
    for (let i = 0; i < list.length; i += 2) entries[entries.length] = [list[i], list[i + 1]];
    ArrayPrototypeSort(entries, compareEntries);
    const sorted = [];
    for (let i = 0; i < entries.length; i++) {
      const name = entries[i][0];
      let value = entries[i][1];
      if (name !== "set-cookie") {
        while (i + 1 < entries.length && entries[i + 1][0] === name) {
          i++;
          value = `${value}, ${entries[i][1]}`;
        }
      }
      sorted[sorted.length] = name;
      sorted[sorted.length] = value;
    }
    this.#sorted = sorted;
    return sorted;
  }

  static {
    headersCreate = (list, immutable) => {
      const headers = new Headers(kInternal, list);
      if (immutable) headers.#immutable = true;
      return headers;
    };
    headersList = (headers) => headers.#list;
    headersCopy = (headers, keepGuard) =>
      headersCreate(ArrayPrototypeSlice(headers.#list), keepGuard && headers.#immutable);
    headersHas = (headers, lowerName) => {
      const list = headers.#list;
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === lowerName) return true;
      }
      return false;
    };
    headersGetValue = (headers, lowerName) => combinedValue(headers.#list, lowerName);
    headersAppendTrusted = (headers, lowerName, value) => {
      const list = headers.#list;
      list[list.length] = lowerName;
      list[list.length] = value;
      headers.#sorted = null;
    };
    headersSorted = (headers) => headers.#sortAndCombine();
    isHeaders = (value) => typeof value === "object" && value !== null && #list in value;
  }
}

// The values of `lowerName` in a flat header list, joined with ", ", or null.
function combinedValue(list, lowerName) {
  let result = null;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] !== lowerName) continue;
    result = result === null ? list[i + 1] : `${result}, ${list[i + 1]}`;
  }
  return result;
}

function compareEntries(a, b) {
  const x = a[0];
  const y = b[0];
  return x < y ? -1 : x > y ? 1 : 0;
}

ObjectDefineProperty(Headers, "length", { value: 0 });
makeMembersEnumerable(Headers.prototype);
ObjectDefineProperty(Headers.prototype, SymbolIterator, {
  value: Headers.prototype.entries, writable: true, enumerable: false, configurable: true,
});
setToStringTag(Headers.prototype, "Headers");

class HeadersIterator {
  #headers;
  #kind;
  #index = 0;

  constructor(token, headers, kind) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#headers = headers;
    this.#kind = kind;
  }

  next() {
    const pairs = headersSorted(this.#headers);
    const index = this.#index;
    if (index * 2 >= pairs.length) return { value: undefined, done: true };
    this.#index = index + 1;
    const name = pairs[index * 2];
    const value = pairs[index * 2 + 1];
    const kind = this.#kind;
    if (kind === "key") return { value: name, done: false };
    if (kind === "value") return { value, done: false };
    return { value: [name, value], done: false };
  }
}
delete HeadersIterator.prototype.constructor;
ObjectSetPrototypeOf(HeadersIterator.prototype, IteratorPrototype);
makeMembersEnumerable(HeadersIterator.prototype);
setToStringTag(HeadersIterator.prototype, "Headers Iterator");

// ---------------------------------------------------------------------------------------------
// Bodies
//
// A body is null (no body) or a BodyState {data, used, shared, stream}: `data` is a string or a
// Uint8Array this runtime owns (null once consumed), `shared` is true when a clone holds the same
// bytes (reads then copy), `stream` the body's ReadableStream or null. For an in-memory body the
// stream is made only when `body` is read (streams.newLazyBodyStream): until something reads
// from it, the bytes are still taken without streaming (streams.takeLazyBody), so
// `new Response("hi")` and its trip to the host never create a stream. A body given as a stream
// (new Response(stream), host streams) has `data` null.

const streams = internals.streams;
const blobs = internals.blobs;
const formDatas = internals.formData;
const urlencoded = internals.urlencoded;
const bodyUsedMessage = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";
const textPlainType = "text/plain;charset=UTF-8";
const formURLEncodedType = "application/x-www-form-urlencoded;charset=UTF-8";

function newBodyState(data, shared) {
  return { data, used: false, shared, stream: null };
}

function newStreamBodyState(stream) {
  return { data: null, used: false, shared: false, stream };
}

// A body the host hands over: bytes, a string, or a ReadableStream (streams.newHostReadableStream).
function hostBodyState(body) {
  if (body === null || body === undefined) return null;
  if (typeof body === "object" && streams.isReadableStream(body)) return newStreamBodyState(body);
  return newBodyState(body, false);
}

// Fetch "unusable": disturbed or locked.
function bodyUnusable(state) {
  if (state.used) return true;
  const stream = state.stream;
  return stream !== null && (streams.isDisturbed(stream) || streams.isLocked(stream));
}

function cloneBodyState(state) {
  if (state === null) return null;
  const stream = state.stream;
  if (stream === null || streams.lazyBodyUntouched(stream)) {
    state.shared = true;
    return newBodyState(state.data, true);
  }
  const branches = streams.tee(stream);
  state.stream = branches[0];
  return newStreamBodyState(branches[1]);
}

function copyBytes(view) {
  const out = new Uint8Array(view.length);
  TypedArraySet(out, view, 0);
  return out;
}

// A Uint8Array that is the whole of its ArrayBuffer, so `.buffer` exposes exactly its bytes.
function exactBytes(bytes) {
  if (TypedArrayByteOffset(bytes) === 0 && ArrayBufferByteLength(TypedArrayBuffer(bytes)) === bytes.length) {
    return bytes;
  }
  return copyBytes(bytes);
}

// Marks a body as read and returns its data (string or Uint8Array).
function takeBody(state) {
  if (state.used) throw new TypeError(bodyUsedMessage);
  state.used = true;
  const data = state.data;
  state.data = null;
  return data;
}

const surrogatePattern = /[\ud800-\udfff]/;

// The text a string body reads back as: its UTF-8 bytes decoded again, which replaces lone
// surrogates with U+FFFD and drops a leading BOM.
function stringBodyText(string) {
  if (string.length !== 0 && StringPrototypeCharCodeAt(string, 0) === 0xfeff) {
    string = StringPrototypeSlice(string, 1);
  }
  if (regExpTest(surrogatePattern, string)) string = opsUtf8Decode(opsUtf8Encode(string), false, true);
  return string;
}

function readBodyText(state) {
  const data = takeBody(state);
  return typeof data === "string" ? stringBodyText(data) : opsUtf8Decode(data, false, false);
}

function readBodyBytes(state) {
  const shared = state.shared;
  const data = takeBody(state);
  if (typeof data === "string") return exactBytes(opsUtf8Encode(data));
  return shared ? copyBytes(data) : exactBytes(data);
}

function bodyStream(state) {
  if (state === null) return null;
  let stream = state.stream;
  if (stream === null) {
    stream = streams.newLazyBodyStream(state, readBodyBytes);
    state.stream = stream;
    // A body already read gives a stream that is closed and disturbed.
    if (state.used) streams.takeLazyBody(stream);
  }
  return stream;
}

// The in-memory record whose data a body can still take without streaming, or null when the
// body must be read as a stream. Throws the TypeError of an unusable body.
function inMemoryBody(state) {
  if (bodyUnusable(state)) throw new TypeError(bodyUsedMessage);
  const stream = state.stream;
  if (stream === null) return state;
  const origin = streams.takeLazyBody(stream);
  return origin === undefined ? null : origin;
}

const emptyBytes = () => new Uint8Array(0);

// Consumes a body: `fromMemory(state)` for in-memory data, `fromBytes(bytes)` for the bytes of
// a stream read to the end. Returns a promise; never calls `then` through Promise.prototype.
function consumeBody(state, fromMemory, fromBytes) {
  try {
    if (state === null) return PromiseResolve(fromBytes(emptyBytes()));
    const origin = inMemoryBody(state);
    if (origin !== null) return PromiseResolve(fromMemory(origin));
    return streams.readAllBytes(state.stream, fromBytes);
  } catch (error) {
    return PromiseReject(error);
  }
}

const bytesToText = (bytes) => opsUtf8Decode(bytes, false, false);
const bytesToJSON = (bytes) => JSONParse(opsUtf8Decode(bytes, false, false));
const memoryToJSON = (state) => JSONParse(readBodyText(state));
const bytesToArrayBuffer = (bytes) => TypedArrayBuffer(bytes);
const memoryToArrayBuffer = (state) => TypedArrayBuffer(readBodyBytes(state));
const identity = (value) => value;

// What the host receives of a body: the in-memory data, or the stream locked for the host.
// Marks the body as used (or its stream as locked). TypeError for an unusable body.
function bodyToHost(state, what) {
  if (state === null) return null;
  if (bodyUnusable(state)) throw new TypeError(`${what}: ${bodyUsedMessage}`);
  const origin = inMemoryBody(state);
  if (origin !== null) return takeBody(origin);
  streams.lockForHost(state.stream);
  return state.stream;
}

function isURLSearchParams(value) {
  const check = internals.isURLSearchParams;
  if (typeof check === "function") return check(value);
  const URLSearchParamsClass = internals.URLSearchParams;
  return typeof URLSearchParamsClass === "function" && value instanceof URLSearchParamsClass;
}

// The Content-Type that the last extractBody call asks for (null for none).
let extractedContentType = null;

/** Fetch "extract a body": returns a new BodyState and sets extractedContentType. */
function extractBody(object) {
  if (typeof object === "string") {
    extractedContentType = textPlainType;
    return newBodyState(object, false);
  }
  if (typeof object === "object" && object !== null) {
    if (blobs.isBlob(object)) {
      // The Blob's bytes are shared with it: a reader gets a copy (readBodyBytes).
      const type = blobs.typeOf(object);
      extractedContentType = type === "" ? null : type;
      const flat = blobs.bytesOf(object);
      return newBodyState(flat.bytes, flat.shared);
    }
    const view = bufferSourceView(object);
    if (view !== null) {
      extractedContentType = null;
      return newBodyState(copyBytes(view), false);
    }
    if (streams.isReadableStream(object)) {
      if (streams.isDisturbed(object)) {
        throw new TypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
      }
      if (streams.isLocked(object)) {
        throw new TypeError("This ReadableStream is currently locked to a reader, and cannot be used as a body.");
      }
      extractedContentType = null;
      return newStreamBodyState(object);
    }
    if (formDatas.isFormData(object)) {
      // The files' bytes are copied once, into the body (29_formdata.js shares their chunks).
      const serialized = formDatas.serialize(object);
      extractedContentType = serialized.type;
      const flat = blobs.bytesOf(serialized.blob);
      return newBodyState(flat.bytes, flat.shared);
    }
    if (isURLSearchParams(object)) {
      const text = urlencoded.serialize(object);
      extractedContentType = formURLEncodedType;
      return newBodyState(text, false);
    }
  }
  const text = toDOMString(object);
  extractedContentType = textPlainType;
  return newBodyState(text, false);
}

// A Body mixin method reading the body to the end (see consumeBody); a promise rejected with
// the TypeError of getState for an object of another class.
// (A method definition, so it has the member's name and no prototype, like the others.)
function bodyReader(name, getState, fromMemory, fromBytes) {
  const holder = {
    [name]() {
      let state;
      try {
        state = getState(this);
      } catch (error) {
        return PromiseReject(error);
      }
      return consumeBody(state, fromMemory, fromBytes);
    },
  };
  return holder[name];
}

// Body mixin's blob(): the body's bytes as a Blob typed by the Content-Type header.
function blobReader(getState, getHeaders) {
  return {
    blob() {
      let state;
      let type;
      try {
        state = getState(this);
        type = headersGetValue(getHeaders(this), "content-type") ?? "";
      } catch (error) {
        return PromiseReject(error);
      }
      const toBlob = (bytes) => blobs.fromBytes(bytes, type);
      return consumeBody(state, (origin) => toBlob(readBodyBytes(origin)), toBlob);
    },
  }.blob;
}

// Body mixin's formData(): the body parsed as multipart/form-data or
// application/x-www-form-urlencoded, as its Content-Type says (29_formdata.js).
function formDataReader(getState, getHeaders) {
  return {
    formData() {
      let state;
      let type;
      try {
        state = getState(this);
        type = headersGetValue(getHeaders(this), "content-type");
      } catch (error) {
        return PromiseReject(error);
      }
      const parse = (bytes) => formDatas.parse(bytes, type);
      return consumeBody(state, (origin) => parse(readBodyBytes(origin)), parse);
    },
  }.formData;
}

// Defines the Body mixin members on a prototype. `getState(object)` returns the object's body
// (null or a BodyState) and `getHeaders(object)` its Headers; both throw a TypeError for
// objects of any other class.
function installBodyMixin(proto, getState, getHeaders) {
  const members = {
    get body() {
      return bodyStream(getState(this));
    },
    get bodyUsed() {
      const state = getState(this);
      return state !== null && (state.used || (state.stream !== null && streams.isDisturbed(state.stream)));
    },
    arrayBuffer: bodyReader("arrayBuffer", getState, memoryToArrayBuffer, bytesToArrayBuffer),
    blob: blobReader(getState, getHeaders),
    formData: formDataReader(getState, getHeaders),
    bytes: bodyReader("bytes", getState, readBodyBytes, identity),
    json: bodyReader("json", getState, memoryToJSON, bytesToJSON),
    text: bodyReader("text", getState, readBodyText, bytesToText),
  };
  const names = ObjectGetOwnPropertyNames(members);
  for (let i = 0; i < names.length; i++) {
    const descriptor = ReflectGetOwnPropertyDescriptor(members, names[i]);
    descriptor.enumerable = true;
    ObjectDefineProperty(proto, names[i], descriptor);
  }
}

// ---------------------------------------------------------------------------------------------
// Request

function parseURL(string, what) {
  const URLClass = internals.URL;
  if (typeof URLClass !== "function") throw new TypeError(`${what}: URL parsing is not available.`);
  let url;
  try {
    url = new URLClass(string);
  } catch {
    throw new TypeError(`${what}: Invalid URL: "${string}"`);
  }
  return url;
}

const normalizedMethods = {
  __proto__: null,
  DELETE: "DELETE", GET: "GET", HEAD: "HEAD", OPTIONS: "OPTIONS", PATCH: "PATCH", POST: "POST", PUT: "PUT",
};
const forbiddenMethods = { __proto__: null, CONNECT: true, TRACE: true, TRACK: true };

function normalizeMethod(value) {
  const method = toDOMString(value);
  const exact = normalizedMethods[method];
  if (exact !== undefined) return exact;
  if (!isToken(method)) {
    throw new TypeError(`Failed to construct 'Request': '${method}' is not a valid HTTP method.`);
  }
  const upper = StringPrototypeToUpperCase(method);
  const normalized = normalizedMethods[upper];
  if (normalized !== undefined) return normalized;
  if (forbiddenMethods[upper] === true) {
    throw new TypeError(`Failed to construct 'Request': '${method}' HTTP method is unsupported.`);
  }
  return method;
}

function requestRedirect(value) {
  const redirect = toDOMString(value);
  if (redirect !== "follow" && redirect !== "error" && redirect !== "manual") {
    throw new TypeError(`Failed to construct 'Request': The provided value '${redirect}' is not a valid enum value of type RequestRedirect.`);
  }
  return redirect;
}

// Web IDL dictionary argument: false for undefined/null, true for objects, TypeError otherwise.
function isDictionary(value, what, type) {
  if (value === undefined || value === null) return false;
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeError(`${what}: The provided value is not of type '${type}'.`);
  }
  return true;
}

let requestGetBody; // (Request) -> BodyState | null; TypeError for anything else
let requestGetHeaders; // (Request) -> Headers; TypeError for anything else
let newRequestFromHost;
let requestToHost;
let isRequest;

class Request {
  #method;
  #url; // serialised absolute URL
  #headers; // Headers, or undefined while #hostHeaderList holds the host's list
  #hostHeaderList;
  #body; // null or BodyState
  #redirect;
  #signal;
  #cf;
  #cfText = undefined;

  /**
   * @param {string | URL | Request} input
   * @param {{method?: string, headers?: any, body?: any, redirect?: string, signal?: any, cf?: any}} [init]
   */
  constructor(input, init = undefined) {
    if (input === kInternal) return;
    const what = "Failed to construct 'Request'";
    requireArguments(arguments.length, 1, "'Request' constructor");
    const inputRequest = typeof input === "object" && input !== null && #method in input ? input : null;

    // Read the dictionary members in Web IDL (lexicographic) order.
    let initBody;
    let initCf;
    let initHeaders;
    let initMethod;
    let initRedirect;
    let initSignal;
    if (isDictionary(init, what, "RequestInit")) {
      initBody = init.body;
      initCf = init.cf;
      initHeaders = init.headers;
      initMethod = init.method;
      initRedirect = init.redirect;
      initSignal = init.signal;
    }

    let url;
    let method = "GET";
    let redirect = "follow";
    let signal = null;
    let cf;
    let inputBody = null;
    if (inputRequest === null) {
      const string = toDOMString(input);
      const parsed = parseURL(string, what);
      if (parsed.username !== "" || parsed.password !== "") {
        throw new TypeError(`${what}: Request cannot be constructed from a URL that includes credentials: "${string}"`);
      }
      url = parsed.href;
    } else {
      url = inputRequest.#url;
      method = inputRequest.#method;
      redirect = inputRequest.#redirect;
      signal = inputRequest.#signal;
      cf = Request.#resolvedCf(inputRequest);
      inputBody = inputRequest.#body;
    }
    if (initMethod !== undefined) method = normalizeMethod(initMethod);
    if (initRedirect !== undefined) redirect = requestRedirect(initRedirect);
    if (initSignal !== undefined) signal = initSignal;
    if (initCf !== undefined) cf = initCf;

    let headers;
    if (initHeaders !== undefined) headers = new Headers(initHeaders);
    else if (inputRequest !== null) headers = headersCopy(inputRequest.#headersObject(), false);
    else headers = headersCreate([], false);

    const hasInitBody = initBody !== undefined && initBody !== null;
    if ((hasInitBody || inputBody !== null) && (method === "GET" || method === "HEAD")) {
      throw new TypeError(`${what}: Request with GET/HEAD method cannot have body.`);
    }
    let body = null;
    if (hasInitBody) {
      body = extractBody(initBody);
      const contentType = extractedContentType;
      if (contentType !== null && !headersHas(headers, "content-type")) {
        headersAppendTrusted(headers, "content-type", contentType);
      }
    } else if (inputBody !== null) {
      if (bodyUnusable(inputBody)) {
        throw new TypeError(`${what}: Cannot construct a Request with a Request object that has already been used.`);
      }
      const origin = inMemoryBody(inputBody);
      if (origin !== null) {
        const shared = origin.shared;
        body = newBodyState(takeBody(origin), shared);
        inputBody.used = true;
      } else {
        // The new Request reads the input's stream; the input counts as used.
        body = newStreamBodyState(inputBody.stream);
        inputBody.used = true;
      }
    }

    this.#method = method;
    this.#url = url;
    this.#headers = headers;
    this.#body = body;
    this.#redirect = redirect;
    this.#signal = signal;
    this.#cf = cf;
  }

  #headersObject() {
    let headers = this.#headers;
    if (headers === undefined) {
      // Requests from the host carry the host's list; lowercase its names the first time.
      const list = hostListToArray(this.#hostHeaderList);
      for (let i = 0; i < list.length; i += 2) list[i] = StringPrototypeToLowerCase(list[i]);
      headers = headersCreate(list, true);
      this.#headers = headers;
      this.#hostHeaderList = undefined;
    }
    return headers;
  }

  get method() {
    return this.#method;
  }

  get url() {
    return this.#url;
  }

  get headers() {
    return this.#headersObject();
  }

  get redirect() {
    return this.#redirect;
  }

  /** The `signal` given in init (not acted upon yet), or null. */
  get signal() {
    return this.#signal;
  }

  /** Cloudflare request properties: init.cf, the input Request's cf, or what the host set. */
  get cf() {
    return Request.#resolvedCf(this);
  }

  /** The host hands `cf` over as JSON text, parsed the first time anything reads it. */
  static #resolvedCf(request) {
    const text = request.#cfText;
    if (text !== undefined) {
      request.#cfText = undefined;
      request.#cf = JSONParse(text);
    }
    return request.#cf;
  }

  clone() {
    const body = this.#body;
    if (body !== null && bodyUnusable(body)) throw new TypeError(`Failed to execute 'clone' on 'Request': ${bodyUsedMessage}`);
    const clone = new Request(kInternal);
    clone.#method = this.#method;
    clone.#url = this.#url;
    clone.#headers = headersCopy(this.#headersObject(), true);
    clone.#body = cloneBodyState(body);
    clone.#redirect = this.#redirect;
    clone.#signal = this.#signal;
    clone.#cf = Request.#resolvedCf(this);
    return clone;
  }

  static {
    requestGetBody = (request) => request.#body;
    requestGetHeaders = (request) => request.#headersObject();
    isRequest = (value) => typeof value === "object" && value !== null && #method in value;

    newRequestFromHost = (method, url, headerList, body, cf = undefined) => {
      const request = new Request(kInternal);
      request.#method = method;
      request.#url = url;
      request.#hostHeaderList = headerList;
      request.#body = hostBodyState(body);
      request.#redirect = "follow";
      request.#signal = null;
      request.#cfText = cf;
      return request;
    };

    requestToHost = (value) => {
      if (!isRequest(value)) throw new TypeError("Expected a Request object");
      const data = bodyToHost(value.#body, "The Request cannot be sent");
      const headers = value.#headers === undefined ? hostListToArray(value.#hostHeaderList) : headersList(value.#headers);
      const isStream = data !== null && typeof data === "object" && streams.isReadableStream(data);
      return {
        method: value.#method, url: value.#url, headers, body: isStream ? null : data,
        stream: isStream ? data : undefined, expectedLength: isStream ? streams.expectedLength(data) : undefined,
      };
    };
  }
}
installBodyMixin(Request.prototype, (request) => requestGetBody(request), (request) => requestGetHeaders(request));
makeMembersEnumerable(Request.prototype);
setToStringTag(Request.prototype, "Request");

// ---------------------------------------------------------------------------------------------
// Response

// Web IDL `unsigned short` conversion.
function toUnsignedShort(value) {
  let number = +value;
  if (!NumberIsFinite(number)) return 0;
  number = MathTrunc(number) % 65536;
  return number < 0 ? number + 65536 : number + 0;
}

function isNullBodyStatus(status) {
  return status === 101 || status === 103 || status === 204 || status === 205 || status === 304;
}

function isRedirectStatus(status) {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

let responseGetBody;
let responseGetHeaders; // (Response) -> Headers; TypeError for anything else
let responseToHost;
let newResponseFromHost;
let isResponse;

class Response {
  #status;
  #statusText;
  #headers;
  #body; // null or BodyState
  #type;
  #url;
  #redirected = false;
  /// Workers' `encodeBody`: "automatic" compresses the body as its Content-Encoding says on
  /// the way out, "manual" sends it as it is (28_content_coding.js).
  #encodeBody = "automatic";
  /// Workers' `webSocket`: the client end of a WebSocketPair a 101 response hands over, or the
  /// socket of a fetch() upgrade (36_websocket.js).
  #webSocket = null;

  /**
   * @param {string | ArrayBuffer | ArrayBufferView | URLSearchParams | null} [body]
   * @param {{status?: number, statusText?: string, headers?: any}} [init]
   */
  constructor(body = null, init = undefined) {
    if (body === kInternal) return;
    this.#initialize("Failed to construct 'Response'", init, body, false);
  }

  // Fetch "initialize a response". `body` is a BodyInit (or null); `isJSON` selects the
  // Response.json() content type.
  #initialize(what, init, body, isJSON) {
    let initHeaders;
    let status = 200;
    let statusText = "";
    if (isDictionary(init, what, "ResponseInit")) {
      initHeaders = init.headers;
      const initStatus = init.status;
      if (initStatus !== undefined) status = toUnsignedShort(initStatus);
      const initStatusText = init.statusText;
      if (initStatusText !== undefined) statusText = toByteString(initStatusText, what);
      const initEncodeBody = init.encodeBody;
      if (initEncodeBody !== undefined && toDOMString(initEncodeBody) === "manual") this.#encodeBody = "manual";
      const initWebSocket = init.webSocket;
      if (initWebSocket !== undefined && initWebSocket !== null) {
        if (!internals.isWebSocket(initWebSocket)) throw new TypeError(`${what}: member webSocket is not of type WebSocket.`);
        this.#webSocket = initWebSocket;
      }
    }
    if ((status < 200 || status > 599) && !(status === 101 && this.#webSocket !== null)) {
      throw new RangeError(`${what}: The status provided (${status}) is outside the range [200, 599].`);
    }
    if (statusText !== "" && !regExpTest(reasonPhrasePattern, statusText)) {
      throw new TypeError(`${what}: Invalid statusText.`);
    }
    const headers = initHeaders !== undefined ? new Headers(initHeaders) : headersCreate([], false);
    let state = null;
    if (body !== null && body !== undefined) {
      if (isNullBodyStatus(status)) {
        throw new TypeError(`${what}: Response with null body status (${status}) cannot have body.`);
      }
      state = extractBody(body);
      const contentType = isJSON ? "application/json" : extractedContentType;
      if (contentType !== null && !headersHas(headers, "content-type")) {
        headersAppendTrusted(headers, "content-type", contentType);
      }
    }
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = headers;
    this.#body = state;
    this.#type = "default";
    this.#url = "";
  }

  /** A network error: type "error", status 0, immutable empty headers, no body. */
  static error() {
    const response = new Response(kInternal);
    response.#status = 0;
    response.#statusText = "";
    response.#headers = headersCreate([], true);
    response.#body = null;
    response.#type = "error";
    response.#url = "";
    return response;
  }

  /** A redirect to the absolute `url` with a Location header; status 301, 302, 303, 307 or 308. */
  static redirect(url, status = 302) {
    const what = "Failed to execute 'redirect' on 'Response'";
    requireArguments(arguments.length, 1, "'redirect' on 'Response'");
    const location = parseURL(toDOMString(url), what).href;
    const code = toUnsignedShort(status);
    if (!isRedirectStatus(code)) throw new RangeError(`${what}: Invalid status code ${code}.`);
    const response = new Response(kInternal);
    response.#status = code;
    response.#statusText = "";
    response.#headers = headersCreate(["location", location], true);
    response.#body = null;
    response.#type = "default";
    response.#url = "";
    return response;
  }

  /** A response whose body is `JSON.stringify(data)`, with Content-Type application/json. */
  static json(data, init = undefined) {
    const what = "Failed to execute 'json' on 'Response'";
    requireArguments(arguments.length, 1, "'json' on 'Response'");
    const text = JSONStringify(data);
    if (text === undefined) throw new TypeError(`${what}: The data is not JSON serializable.`);
    const response = new Response(kInternal);
    response.#initialize(what, init, text, true);
    return response;
  }

  get type() {
    return this.#type;
  }

  get url() {
    return this.#url;
  }

  get redirected() {
    return this.#redirected;
  }

  get status() {
    return this.#status;
  }

  get ok() {
    const status = this.#status;
    return status >= 200 && status <= 299;
  }

  get statusText() {
    return this.#statusText;
  }

  get headers() {
    return this.#headers;
  }

  get webSocket() {
    return this.#webSocket;
  }

  clone() {
    const body = this.#body;
    if (body !== null && bodyUnusable(body)) throw new TypeError(`Failed to execute 'clone' on 'Response': ${bodyUsedMessage}`);
    const clone = new Response(kInternal);
    clone.#status = this.#status;
    clone.#statusText = this.#statusText;
    clone.#headers = headersCopy(this.#headers, true);
    clone.#body = cloneBodyState(body);
    clone.#type = this.#type;
    clone.#url = this.#url;
    clone.#redirected = this.#redirected;
    clone.#encodeBody = this.#encodeBody;
    return clone;
  }

  static {
    responseGetBody = (response) => response.#body;
    responseGetHeaders = (response) => response.#headers;
    isResponse = (value) => typeof value === "object" && value !== null && #status in value;

    responseToHost = (value) => {
      if (!isResponse(value)) {
        throw new TypeError("Handler must return a Response object");
      }
      const data = bodyToHost(value.#body, "The Response returned by the handler cannot be sent");
      const isStream = data !== null && typeof data === "object" && streams.isReadableStream(data);
      return internals.contentCoding.encodeResponseParts({
        status: value.#status, statusText: value.#statusText, headers: headersList(value.#headers),
        body: isStream ? null : data, stream: isStream ? data : undefined,
        expectedLength: isStream ? streams.expectedLength(data) : undefined, webSocket: value.#webSocket,
      }, value.#encodeBody);
    };

    newResponseFromHost = (status, statusText, headerList, body, url = "", redirected = false, encodeBody = "automatic") => {
      for (let i = 0; i < headerList.length; i += 2) headerList[i] = StringPrototypeToLowerCase(headerList[i]);
      const response = new Response(kInternal);
      response.#status = status;
      response.#statusText = statusText;
      response.#headers = headersCreate(headerList, true);
      response.#body = hostBodyState(body);
      response.#type = "default";
      response.#url = url;
      response.#redirected = redirected;
      response.#encodeBody = encodeBody;
      return response;
    };

    internals.responseSetWebSocket = (response, socket) => { response.#webSocket = socket; };
  }
}
installBodyMixin(Response.prototype, (response) => responseGetBody(response), (response) => responseGetHeaders(response));
makeMembersEnumerable(Response.prototype);
makeMembersEnumerable(Response);
setToStringTag(Response.prototype, "Response");

// ---------------------------------------------------------------------------------------------
// Exports

internals.Headers = Headers;
internals.Request = Request;
internals.Response = Response;
internals.isHeaders = isHeaders;
internals.isRequest = isRequest;
internals.isResponse = isResponse;

/**
 * Builds the Request handed to a worker's fetch handler. Hot path: no validation, no copies, no
 * URL parsing.
 * @param {string} method an HTTP method as received (a valid token).
 * @param {string} url an absolute, already normalised URL (returned as is by `request.url`).
 * @param {string[]} headerList flat [name0, value0, ...] of valid names and values. Ownership
 *   passes to the Request: its names are lowercased in place when `headers` is first read.
 * @param {Uint8Array | ReadableStream | null} body ownership passes to the Request (the worker may
 *   receive this very buffer from arrayBuffer() or bytes()); a stream is one made by
 *   `internals.streams.newHostReadableStream`.
 * @param {string} [cf] the JSON text of `request.cf`, parsed the first time it is read (undefined when omitted).
 * @returns {Request} with immutable headers, as on Workers.
 */
internals.newRequestFromHost = newRequestFromHost;

/**
 * Turns a handler's return value into what the host sends. Marks the body as used.
 * @returns {{status: number, statusText: string, headers: string[], body: string | Uint8Array | null,
 *   stream: ReadableStream | undefined, expectedLength: number | undefined}}
 *   `headers` is the Response's live flat list [name0, value0, ...] with lowercase names, and
 *   `body` may be shared with a clone: read both before running JavaScript again, never mutate.
 *   `status` is 0 for Response.error().
 *   In-memory bodies (strings, bytes, and a `body` stream made from them that nothing has read
 *   yet) come as `body`, with `stream` undefined. A body that is a stream comes as `stream`
 *   (with `body` null): the stream is locked for the host, so the worker can no longer read or
 *   cancel it; the host either takes its source with `internals.streams.hostSourceOf(stream)`
 *   (a host stream nobody read: pass it through without JavaScript) or reads it with
 *   `internals.streams.acquireHostReader(stream)` (chunks validated as bytes). `expectedLength`
 *   is `internals.streams.expectedLength(stream)` (a FixedLengthStream's length, a host
 *   stream's length) or undefined: the Content-Length to announce.
 * @throws {TypeError} "Handler must return a Response object" when `value` is not a Response
 *   made by this runtime; a TypeError when its body was already used.
 */
internals.responseToHost = responseToHost;

/**
 * Builds a Response from the host (for subrequest results). No validation; headers immutable.
 * @param {number} status
 * @param {string} statusText
 * @param {string[]} headerList flat [name0, value0, ...]; ownership passes (names lowercased).
 * @param {Uint8Array | ReadableStream | null} body ownership passes; a stream is one made by
 *   `internals.streams.newHostReadableStream`.
 * @param {string} [url=""]
 */
internals.newResponseFromHost = newResponseFromHost;

/**
 * The parts of a Request the host needs to send it (subrequests). Marks the body as used.
 * @returns {{method: string, url: string, headers: string[], body: string | Uint8Array | null,
 *   stream: ReadableStream | undefined, expectedLength: number | undefined}}
 *   `body`, `stream` and `expectedLength` as for responseToHost (a stream body comes as `stream`,
 *   locked for the host). TypeError when the body was already used or is locked.
 */
internals.requestToHost = requestToHost;

internals.defineGlobal("Headers", Headers);
internals.defineGlobal("Request", Request);
internals.defineGlobal("Response", Response);
