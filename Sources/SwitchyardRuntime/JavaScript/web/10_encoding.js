// Switchyard runtime: DOMException, TextEncoder, TextDecoder, atob, btoa.
//
// Evaluated by the host as the body of `function (internals, ops) { "use strict"; ... }`, once per
// context, before any worker code. Everything worker code must not reach lives in this closure or
// in #private fields. Built-ins used after start-up are captured here first, so a worker that
// replaces globals or prototype methods cannot change how these APIs behave.
//
// Exports on `internals`: DOMException, TextEncoder, TextDecoder, atob, btoa, and the helper
// bufferSourceView(value) used by later runtime files (30_fetch.js).

const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectSetPrototypeOf = Object.setPrototypeOf;
const ReflectApply = Reflect.apply;
const StringFromCharCode = String.fromCharCode;
const ArrayBufferIsView = ArrayBuffer.isView;
const ErrorCaptureStackTrace = Error.captureStackTrace;
const SymbolToStringTag = Symbol.toStringTag;

const FunctionPrototypeCall = Function.prototype.call;
// Bound `call`: V8 optimizes it, unlike a rest-parameter wrapper that allocates per call.
const uncurryThis = (fn) => FunctionPrototypeCall.bind(fn);
const getter = (proto, name) => ObjectGetOwnPropertyDescriptor(proto, name).get;

const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
const TypedArrayToStringTag = uncurryThis(getter(TypedArrayPrototype, SymbolToStringTag));
const TypedArrayBuffer = uncurryThis(getter(TypedArrayPrototype, "buffer"));
const TypedArrayByteOffset = uncurryThis(getter(TypedArrayPrototype, "byteOffset"));
const TypedArrayByteLength = uncurryThis(getter(TypedArrayPrototype, "byteLength"));
const TypedArraySet = uncurryThis(TypedArrayPrototype.set);
const TypedArraySubarray = uncurryThis(TypedArrayPrototype.subarray);
const DataViewBuffer = uncurryThis(getter(DataView.prototype, "buffer"));
const DataViewByteOffset = uncurryThis(getter(DataView.prototype, "byteOffset"));
const DataViewByteLength = uncurryThis(getter(DataView.prototype, "byteLength"));
const ArrayBufferByteLength = uncurryThis(getter(ArrayBuffer.prototype, "byteLength"));
const SharedArrayBufferByteLength = typeof SharedArrayBuffer === "function"
  ? uncurryThis(getter(SharedArrayBuffer.prototype, "byteLength"))
  : null;
const StringPrototypeSlice = uncurryThis(String.prototype.slice);
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);

const opsUtf8Encode = ops.utf8Encode;
const opsUtf8EncodeInto = ops.utf8EncodeInto;
const opsUtf8Decode = ops.utf8Decode;

const { toDOMString, makeMembersEnumerable, setToStringTag } = internals.webIDL;

function isArrayBuffer(value) {
  try {
    ArrayBufferByteLength(value);
    return true;
  } catch {
    return false;
  }
}

function isSharedArrayBuffer(value) {
  if (SharedArrayBufferByteLength === null) return false;
  try {
    SharedArrayBufferByteLength(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a Uint8Array viewing the bytes of a BufferSource (ArrayBuffer, SharedArrayBuffer, any
 * TypedArray or DataView) without copying, or null when `value` is none of those. A Uint8Array
 * argument is returned as is.
 */
function bufferSourceView(value) {
  if (typeof value !== "object" || value === null) return null;
  if (ArrayBufferIsView(value)) {
    const tag = TypedArrayToStringTag(value);
    if (tag === "Uint8Array") return value;
    if (tag !== undefined) {
      return new Uint8Array(TypedArrayBuffer(value), TypedArrayByteOffset(value),
        TypedArrayByteLength(value));
    }
    return new Uint8Array(DataViewBuffer(value), DataViewByteOffset(value), DataViewByteLength(value));
  }
  if (isArrayBuffer(value) || isSharedArrayBuffer(value)) return new Uint8Array(value);
  return null;
}

function isUint8Array(value) {
  return ArrayBufferIsView(value) && TypedArrayToStringTag(value) === "Uint8Array";
}

// ---------------------------------------------------------------------------------------------
// DOMException

const legacyErrorCodes = {
  __proto__: null,
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InUseAttributeError: 10,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
};

const legacyErrorConstants = [
  ["INDEX_SIZE_ERR", 1], ["DOMSTRING_SIZE_ERR", 2], ["HIERARCHY_REQUEST_ERR", 3],
  ["WRONG_DOCUMENT_ERR", 4], ["INVALID_CHARACTER_ERR", 5], ["NO_DATA_ALLOWED_ERR", 6],
  ["NO_MODIFICATION_ALLOWED_ERR", 7], ["NOT_FOUND_ERR", 8], ["NOT_SUPPORTED_ERR", 9],
  ["INUSE_ATTRIBUTE_ERR", 10], ["INVALID_STATE_ERR", 11], ["SYNTAX_ERR", 12],
  ["INVALID_MODIFICATION_ERR", 13], ["NAMESPACE_ERR", 14], ["INVALID_ACCESS_ERR", 15],
  ["VALIDATION_ERR", 16], ["TYPE_MISMATCH_ERR", 17], ["SECURITY_ERR", 18], ["NETWORK_ERR", 19],
  ["ABORT_ERR", 20], ["URL_MISMATCH_ERR", 21], ["QUOTA_EXCEEDED_ERR", 22], ["TIMEOUT_ERR", 23],
  ["INVALID_NODE_TYPE_ERR", 24], ["DATA_CLONE_ERR", 25],
];

class DOMException {
  #name;
  #message;

  /**
   * @param {string} [message=""]
   * @param {string | {name?: string, cause?: any}} [options="Error"] the error name, or an
   *   options dictionary with `name` and `cause`.
   */
  constructor(message = undefined, options = undefined) {
    this.#message = message === undefined ? "" : toDOMString(message);
    if (typeof options === "object" && options !== null) {
      // DOMExceptionOptions members, read in Web IDL (lexicographic) order.
      const cause = options.cause;
      const name = options.name;
      this.#name = name === undefined ? "Error" : toDOMString(name);
      if (cause !== undefined) {
        ObjectDefineProperty(this, "cause", {
          value: cause, writable: true, enumerable: false, configurable: true,
        });
      }
    } else {
      this.#name = options === undefined ? "Error" : toDOMString(options);
    }
    if (typeof ErrorCaptureStackTrace === "function") ErrorCaptureStackTrace(this, DOMException);
  }

  get name() {
    return this.#name;
  }

  get message() {
    return this.#message;
  }

  get code() {
    // Reading through the brand check makes `DOMException.prototype.code` throw, as in browsers.
    return legacyErrorCodes[this.#name] ?? 0;
  }
}
ObjectSetPrototypeOf(DOMException.prototype, Error.prototype);
for (let i = 0; i < legacyErrorConstants.length; i++) {
  const [constantName, value] = legacyErrorConstants[i];
  const descriptor = { value, writable: false, enumerable: true, configurable: false };
  ObjectDefineProperty(DOMException, constantName, descriptor);
  ObjectDefineProperty(DOMException.prototype, constantName, descriptor);
}
ObjectDefineProperty(DOMException, "length", { value: 0 });
makeMembersEnumerable(DOMException.prototype);
setToStringTag(DOMException.prototype, "DOMException");

// ---------------------------------------------------------------------------------------------
// TextEncoder

class TextEncoder {
  #brand = true;

  static #check(value) {
    if (typeof value !== "object" || value === null || !(#brand in value)) {
      throw new TypeError("Illegal invocation");
    }
  }

  get encoding() {
    TextEncoder.#check(this);
    return "utf-8";
  }

  /** @returns {Uint8Array} the UTF-8 bytes of `input` (lone surrogates become U+FFFD). */
  encode(input = "") {
    TextEncoder.#check(this);
    return opsUtf8Encode(toDOMString(input));
  }

  /** @returns {{read: number, written: number}} */
  encodeInto(source, destination) {
    TextEncoder.#check(this);
    if (arguments.length < 2) {
      throw new TypeError(`Failed to execute 'encodeInto' on 'TextEncoder': 2 arguments required, but only ${arguments.length} present.`);
    }
    const string = toDOMString(source);
    if (!isUint8Array(destination)) {
      throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    }
    const result = opsUtf8EncodeInto(string, destination);
    return { read: result[0], written: result[1] };
  }
}
makeMembersEnumerable(TextEncoder.prototype);
setToStringTag(TextEncoder.prototype, "TextEncoder");

// ---------------------------------------------------------------------------------------------
// TextDecoder

// Labels of the encodings this runtime decodes (WHATWG Encoding, "Names and labels").
const supportedEncodingLabels = {
  __proto__: null,
  "unicode-1-1-utf-8": "utf-8",
  "unicode11utf8": "utf-8",
  "unicode20utf8": "utf-8",
  "utf-8": "utf-8",
  "utf8": "utf-8",
  "x-unicode20utf8": "utf-8",
  "csunicode": "utf-16le",
  "iso-10646-ucs-2": "utf-16le",
  "ucs-2": "utf-16le",
  "unicode": "utf-16le",
  "unicodefeff": "utf-16le",
  "utf-16": "utf-16le",
  "utf-16le": "utf-16le",
};

function isASCIIWhitespace(c) {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

// "get an encoding": strip ASCII whitespace, ASCII-lowercase, look up.
function getEncoding(label) {
  let start = 0;
  let end = label.length;
  while (start < end && isASCIIWhitespace(StringPrototypeCharCodeAt(label, start))) start++;
  while (end > start && isASCIIWhitespace(StringPrototypeCharCodeAt(label, end - 1))) end--;
  let key = "";
  for (let i = start; i < end; i++) {
    const c = StringPrototypeCharCodeAt(label, i);
    if (c > 0x7f) return undefined; // no label contains non-ASCII characters
    key += StringFromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return supportedEncodingLabels[key];
}

const emptyBytes = new Uint8Array(0);

function concatBytes(a, b) {
  const out = new Uint8Array(a.length + b.length);
  TypedArraySet(out, a, 0);
  TypedArraySet(out, b, a.length);
  return out;
}

function copyBytes(view) {
  const out = new Uint8Array(view.length);
  TypedArraySet(out, view, 0);
  return out;
}

// The length (0-3) of a trailing sequence that is a valid prefix of a UTF-8 multi-byte
// sequence and could still be completed by the next chunk. Bytes that cannot start or continue
// a valid sequence are left to the decoder, which reports them as errors immediately, as the
// WHATWG UTF-8 decoder does.
function incompleteUtf8TailLength(bytes) {
  const n = bytes.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const lead = bytes[n - k];
    if (lead < 0x80) return 0;
    if (lead < 0xc0) continue; // continuation byte: look further back for the lead byte
    let needed;
    if (lead >= 0xc2 && lead <= 0xdf) needed = 2;
    else if (lead >= 0xe0 && lead <= 0xef) needed = 3;
    else if (lead >= 0xf0 && lead <= 0xf4) needed = 4;
    else return 0;
    if (k >= needed) return 0;
    for (let j = 1; j < k; j++) {
      const c = bytes[n - k + j];
      let lower = 0x80;
      let upper = 0xbf;
      if (j === 1) {
        if (lead === 0xe0) lower = 0xa0;
        else if (lead === 0xed) upper = 0x9f;
        else if (lead === 0xf0) lower = 0x90;
        else if (lead === 0xf4) upper = 0x8f;
      }
      if (c < lower || c > upper) return 0;
    }
    return k;
  }
  return 0;
}

function codeUnitsToString(units, length) {
  const chunk = 8192;
  if (length <= chunk) return ReflectApply(StringFromCharCode, null, TypedArraySubarray(units, 0, length));
  let result = "";
  for (let i = 0; i < length; i += chunk) {
    const end = i + chunk < length ? i + chunk : length;
    result += ReflectApply(StringFromCharCode, null, TypedArraySubarray(units, i, end));
  }
  return result;
}

function decodingError(encoding) {
  return new TypeError(`The encoded data was not valid for encoding ${encoding}`);
}

class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #bomSeen = false;
  // UTF-8 streaming state: an incomplete trailing sequence (1-3 bytes) or null.
  #pending = null;
  // UTF-16LE streaming state.
  #leadByte = -1;
  #leadSurrogate = 0;

  /**
   * @param {string} [label="utf-8"] an Encoding Standard label of UTF-8 or UTF-16LE.
   * @param {{fatal?: boolean, ignoreBOM?: boolean}} [options]
   * @throws {RangeError} for any other label.
   */
  constructor(label = "utf-8", options = undefined) {
    const labelString = toDOMString(label);
    let fatal = false;
    let ignoreBOM = false;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object" && typeof options !== "function") {
        throw new TypeError("Failed to construct 'TextDecoder': The provided value is not of type 'TextDecoderOptions'.");
      }
      fatal = !!options.fatal;
      ignoreBOM = !!options.ignoreBOM;
    }
    const encoding = getEncoding(labelString);
    if (encoding === undefined) {
      throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${labelString}') is invalid or not supported.`);
    }
    this.#encoding = encoding;
    this.#fatal = fatal;
    this.#ignoreBOM = ignoreBOM;
  }

  get encoding() {
    return this.#encoding;
  }

  get fatal() {
    return this.#fatal;
  }

  get ignoreBOM() {
    return this.#ignoreBOM;
  }

  /**
   * @param {ArrayBuffer | ArrayBufferView} [input]
   * @param {{stream?: boolean}} [options] with `stream: true`, an incomplete sequence at the end
   *   of `input` is kept for the next call.
   * @returns {string}
   */
  decode(input = undefined, options = undefined) {
    const encoding = this.#encoding; // brand check first
    let bytes;
    if (input === undefined) {
      bytes = emptyBytes;
    } else {
      bytes = bufferSourceView(input);
      if (bytes === null) {
        throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
      }
    }
    let stream = false;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object" && typeof options !== "function") {
        throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type 'TextDecodeOptions'.");
      }
      stream = !!options.stream;
    }

    if (encoding === "utf-8") {
      // Fast path: a whole input with no state carried over from a streaming call.
      if (!stream && this.#pending === null && !this.#bomSeen) {
        return opsUtf8Decode(bytes, this.#fatal, this.#ignoreBOM);
      }
      return this.#decodeUtf8Streaming(bytes, stream);
    }
    return this.#decodeUtf16le(bytes, stream);
  }

  #resetState() {
    this.#bomSeen = false;
    this.#pending = null;
    this.#leadByte = -1;
    this.#leadSurrogate = 0;
  }

  // Drops a leading U+FEFF of the stream unless ignoreBOM, and remembers that the stream has begun.
  #handleBOM(text) {
    if (this.#ignoreBOM || this.#bomSeen || text.length === 0) return text;
    this.#bomSeen = true;
    return StringPrototypeCharCodeAt(text, 0) === 0xfeff ? StringPrototypeSlice(text, 1) : text;
  }

  #decodeUtf8Streaming(input, stream) {
    const data = this.#pending === null ? input : concatBytes(this.#pending, input);
    const keep = stream ? incompleteUtf8TailLength(data) : 0;
    const complete = keep === 0 ? data : TypedArraySubarray(data, 0, data.length - keep);
    let text;
    try {
      text = opsUtf8Decode(complete, this.#fatal, true);
    } catch (error) {
      this.#resetState();
      throw error;
    }
    this.#pending = keep === 0 ? null : copyBytes(TypedArraySubarray(data, data.length - keep));
    text = this.#handleBOM(text);
    if (!stream) this.#resetState();
    return text;
  }

  #decodeUtf16le(bytes, stream) {
    const fatal = this.#fatal;
    let leadByte = this.#leadByte;
    let leadSurrogate = this.#leadSurrogate;
    const units = new Uint16Array(((bytes.length + 1) >> 1) + 2);
    let count = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (leadByte < 0) {
        leadByte = bytes[i];
        continue;
      }
      const unit = leadByte | (bytes[i] << 8);
      leadByte = -1;
      if (leadSurrogate !== 0) {
        const lead = leadSurrogate;
        leadSurrogate = 0;
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          units[count++] = lead;
          units[count++] = unit;
          continue;
        }
        if (fatal) {
          this.#resetState();
          throw decodingError("utf-16le");
        }
        units[count++] = 0xfffd;
        // The code unit is processed again below.
      }
      if (unit >= 0xd800 && unit <= 0xdbff) {
        leadSurrogate = unit;
      } else if (unit >= 0xdc00 && unit <= 0xdfff) {
        if (fatal) {
          this.#resetState();
          throw decodingError("utf-16le");
        }
        units[count++] = 0xfffd;
      } else {
        units[count++] = unit;
      }
    }
    if (!stream && (leadByte >= 0 || leadSurrogate !== 0)) {
      leadByte = -1;
      leadSurrogate = 0;
      if (fatal) {
        this.#resetState();
        throw decodingError("utf-16le");
      }
      units[count++] = 0xfffd;
    }
    this.#leadByte = leadByte;
    this.#leadSurrogate = leadSurrogate;
    const text = this.#handleBOM(codeUnitsToString(units, count));
    if (!stream) this.#resetState();
    return text;
  }
}
makeMembersEnumerable(TextDecoder.prototype);
setToStringTag(TextDecoder.prototype, "TextDecoder");

// ---------------------------------------------------------------------------------------------
// atob / btoa (HTML "forgiving-base64")

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const base64EncodeTable = new Uint8Array(64);
// For each Latin-1 code unit: 0-63 a base64 digit, 64 "=", 65 ASCII whitespace, 255 invalid.
const base64DecodeTable = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) {
  const c = StringPrototypeCharCodeAt(base64Alphabet, i);
  base64EncodeTable[i] = c;
  base64DecodeTable[c] = i;
}
base64DecodeTable[0x3d] = 64;
for (const c of [0x09, 0x0a, 0x0c, 0x0d, 0x20]) base64DecodeTable[c] = 65;

function latin1BytesToString(bytes) {
  const chunk = 8192;
  if (bytes.length <= chunk) return ReflectApply(StringFromCharCode, null, bytes);
  let result = "";
  for (let i = 0; i < bytes.length; i += chunk) {
    result += ReflectApply(StringFromCharCode, null, TypedArraySubarray(bytes, i, i + chunk));
  }
  return result;
}

/**
 * Encodes a string of Latin-1 code units (a "binary string") as base64.
 * @throws {DOMException} InvalidCharacterError when a code unit is above U+00FF.
 */
function btoa(data) {
  if (arguments.length === 0) {
    throw new TypeError("Failed to execute 'btoa': 1 argument required, but only 0 present.");
  }
  const input = toDOMString(data);
  const length = input.length;
  const out = new Uint8Array(((length + 2) / 3 | 0) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < length; i += 3) {
    const a = StringPrototypeCharCodeAt(input, i);
    const b = StringPrototypeCharCodeAt(input, i + 1);
    const c = StringPrototypeCharCodeAt(input, i + 2);
    if ((a | b | c) > 0xff) throw btoaError();
    out[o++] = base64EncodeTable[a >> 2];
    out[o++] = base64EncodeTable[((a & 0x03) << 4) | (b >> 4)];
    out[o++] = base64EncodeTable[((b & 0x0f) << 2) | (c >> 6)];
    out[o++] = base64EncodeTable[c & 0x3f];
  }
  const rest = length - i;
  if (rest === 1) {
    const a = StringPrototypeCharCodeAt(input, i);
    if (a > 0xff) throw btoaError();
    out[o++] = base64EncodeTable[a >> 2];
    out[o++] = base64EncodeTable[(a & 0x03) << 4];
    out[o++] = 0x3d;
    out[o++] = 0x3d;
  } else if (rest === 2) {
    const a = StringPrototypeCharCodeAt(input, i);
    const b = StringPrototypeCharCodeAt(input, i + 1);
    if ((a | b) > 0xff) throw btoaError();
    out[o++] = base64EncodeTable[a >> 2];
    out[o++] = base64EncodeTable[((a & 0x03) << 4) | (b >> 4)];
    out[o++] = base64EncodeTable[(b & 0x0f) << 2];
    out[o++] = 0x3d;
  }
  return latin1BytesToString(out);
}

function btoaError() {
  return new DOMException(
    "Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range.",
    "InvalidCharacterError");
}

function atobError() {
  return new DOMException("Failed to execute 'atob': The string to be decoded is not correctly encoded.",
    "InvalidCharacterError");
}

/**
 * Decodes base64 with the HTML "forgiving-base64 decode" rules into a binary string.
 * @throws {DOMException} InvalidCharacterError when the input is not valid forgiving base64.
 */
function atob(data) {
  if (arguments.length === 0) {
    throw new TypeError("Failed to execute 'atob': 1 argument required, but only 0 present.");
  }
  const input = toDOMString(data);
  const length = input.length;
  // 1. Remove ASCII whitespace; reject anything outside the alphabet and "=".
  const values = new Uint8Array(length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    const v = c > 0xff ? 255 : base64DecodeTable[c];
    if (v === 65) continue;
    if (v === 255) throw atobError();
    values[n++] = v;
  }
  // 2. If the length is a multiple of 4, drop one or two trailing "=".
  if (n % 4 === 0 && n > 0 && values[n - 1] === 64) {
    n--;
    if (values[n - 1] === 64) n--;
  }
  // 3. A remainder of 1 can never be valid.
  if (n % 4 === 1) throw atobError();
  // 4. Any "=" left is misplaced.
  for (let i = 0; i < n; i++) {
    if (values[i] === 64) throw atobError();
  }
  // 5. Decode; bits left over at the end are discarded.
  const out = new Uint8Array(((n * 3) / 4) | 0);
  let o = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const bits = (values[i] << 18) | (values[i + 1] << 12) | (values[i + 2] << 6) | values[i + 3];
    out[o++] = bits >> 16;
    out[o++] = (bits >> 8) & 0xff;
    out[o++] = bits & 0xff;
  }
  const rest = n - i;
  if (rest === 2) {
    out[o++] = (values[i] << 2) | (values[i + 1] >> 4);
  } else if (rest === 3) {
    const bits = (values[i] << 10) | (values[i + 1] << 4) | (values[i + 2] >> 2);
    out[o++] = bits >> 8;
    out[o++] = bits & 0xff;
  }
  return latin1BytesToString(out);
}

// ---------------------------------------------------------------------------------------------
// Exports

internals.DOMException = DOMException;
internals.TextEncoder = TextEncoder;
internals.TextDecoder = TextDecoder;
internals.atob = atob;
internals.btoa = btoa;
internals.bufferSourceView = bufferSourceView;

internals.defineGlobal("DOMException", DOMException);
internals.defineGlobal("TextEncoder", TextEncoder);
internals.defineGlobal("TextDecoder", TextDecoder);
internals.defineGlobal("atob", atob);
internals.defineGlobal("btoa", btoa);
