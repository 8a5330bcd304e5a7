// Switchyard runtime: FormData (XMLHttpRequest Standard §5), its multipart/form-data encoding
// (HTML "multipart/form-data encoding algorithm", RFC 7578) and the parsers Body.formData() runs
// (multipart/form-data and application/x-www-form-urlencoded).
//
// An entry list is a record without a prototype ({length, 0: entry, ...}) of entries
// {name, value}: a worker replacing Array.prototype methods or putting accessors on
// Array.prototype / Object.prototype changes nothing here. Every built-in is captured at load time.
//
// Bytes are not copied needlessly: serializing puts the files' Blob chunks, shared, into one
// Blob with the part headers (30_fetch.js then copies once into the body); parsing makes each
// file part a File over a view of the body's bytes.
//
// Exported for 30_fetch.js:
//   internals.formData.isFormData(value) -> boolean
//   internals.formData.serialize(formData) -> {blob, type}: the multipart body and its Content-Type
//   internals.formData.parse(bytes, contentType) -> FormData (TypeError on failure)

const { TypeError, ReflectApply, ObjectDefineProperty, ObjectGetPrototypeOf, ObjectSetPrototypeOf, SymbolIterator,
  uncurryThis, StringPrototypeCharCodeAt, StringPrototypeSlice, StringPrototypeToLowerCase,
  TypedArrayPrototypeGetByteLength, MathMin } = internals.primordials;
const { exportInterface, setToStringTag, makeMembersEnumerable } = internals.webIDL;
const toUSVString = internals.toUSVString;
const blobs = internals.blobs;
const urlencoded = internals.urlencoded;
const opsUtf8Encode = ops.utf8Encode;
const opsUtf8Decode = ops.utf8Decode;
const opsRandomUUID = ops.randomUUID;
const DateNow = Date.now;
const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype);
const TypedArrayPrototypeIndexOf = uncurryThis(TypedArrayPrototype.indexOf);
const TypedArrayPrototypeSubarray = uncurryThis(TypedArrayPrototype.subarray);
const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));

const kInternal = Symbol("switchyard.formdata");

function newList() {
  return { __proto__: null, length: 0 };
}

function append(list, value) {
  list[list.length] = value;
  list.length++;
}

/// An array for the worker, its elements defined (never set through Array.prototype).
function arrayOf(list) {
  const out = [];
  for (let i = 0; i < list.length; i++) {
    ObjectDefineProperty(out, i, { value: list[i], writable: true, enumerable: true, configurable: true });
  }
  return out;
}

function requireArguments(count, required, method) {
  if (count < required) {
    throw new TypeError(`Failed to execute '${method}' on 'FormData': ${required} argument${required === 1 ? "" : "s"} required, but only ${count} present.`);
  }
}

// XHR "create an entry": the name and a string value as USVStrings; a Blob value becomes a File,
// named "blob" unless a filename is given (a File keeps its name when none is).
function createEntry(name, value, filename, method, argumentCount) {
  name = toUSVString(name);
  if (argumentCount >= 3 || blobs.isBlob(value)) {
    if (!blobs.isBlob(value)) {
      throw new TypeError(`Failed to execute '${method}' on 'FormData': parameter 2 is not of type 'Blob'.`);
    }
    if (filename !== undefined) filename = toUSVString(filename);
    const isFile = blobs.isFile(value);
    if (!isFile || filename !== undefined) {
      const fileName = filename !== undefined ? filename : "blob";
      const lastModified = isFile ? blobs.lastModifiedOf(value) : DateNow();
      value = blobs.newFile(value, fileName, blobs.typeOf(value), lastModified);
    }
  } else {
    value = toUSVString(value);
  }
  return { __proto__: null, name, value };
}

let entriesOf; // (FormData) -> entry list
let isFormData; // (value) -> boolean

class FormData {
  #entries = newList();

  constructor(form = undefined, submitter = undefined) {
    if (form === kInternal) {
      this.#entries = submitter;
      return;
    }
    if (form !== undefined) {
      throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
    }
  }

  append(name, value, filename = undefined) {
    requireArguments(arguments.length, 2, "append");
    append(this.#entries, createEntry(name, value, filename, "append", arguments.length));
  }

  delete(name) {
    requireArguments(arguments.length, 1, "delete");
    name = toUSVString(name);
    const entries = this.#entries;
    let kept = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.name !== name) entries[kept++] = entry;
    }
    for (let i = kept; i < entries.length; i++) delete entries[i];
    entries.length = kept;
  }

  get(name) {
    requireArguments(arguments.length, 1, "get");
    name = toUSVString(name);
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].name === name) return entries[i].value;
    }
    return null;
  }

  getAll(name) {
    requireArguments(arguments.length, 1, "getAll");
    name = toUSVString(name);
    const entries = this.#entries;
    const values = newList();
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].name === name) append(values, entries[i].value);
    }
    return arrayOf(values);
  }

  has(name) {
    requireArguments(arguments.length, 1, "has");
    name = toUSVString(name);
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].name === name) return true;
    }
    return false;
  }

  set(name, value, filename = undefined) {
    requireArguments(arguments.length, 2, "set");
    const entry = createEntry(name, value, filename, "set", arguments.length);
    const entries = this.#entries;
    let kept = 0;
    let replaced = false;
    for (let i = 0; i < entries.length; i++) {
      const existing = entries[i];
      if (existing.name !== entry.name) {
        entries[kept++] = existing;
      } else if (!replaced) {
        entries[kept++] = entry;
        replaced = true;
      }
    }
    for (let i = kept; i < entries.length; i++) delete entries[i];
    entries.length = kept;
    if (!replaced) append(entries, entry);
  }

  forEach(callback, thisArg = undefined) {
    requireArguments(arguments.length, 1, "forEach");
    if (typeof callback !== "function") {
      throw new TypeError("Failed to execute 'forEach' on 'FormData': The callback provided as parameter 1 is not a function.");
    }
    const entries = this.#entries;
    // Web IDL: the list is read live, so entries added meanwhile are visited.
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      ReflectApply(callback, thisArg, [entry.value, entry.name, this]);
    }
  }

  entries() {
    return new FormDataIterator(kInternal, this.#entries, KIND_ENTRIES);
  }

  keys() {
    return new FormDataIterator(kInternal, this.#entries, KIND_KEYS);
  }

  values() {
    return new FormDataIterator(kInternal, this.#entries, KIND_VALUES);
  }

  static {
    entriesOf = (formData) => formData.#entries;
    isFormData = (value) => typeof value === "object" && value !== null && #entries in value;
  }
}

const KIND_ENTRIES = 0;
const KIND_KEYS = 1;
const KIND_VALUES = 2;

class FormDataIterator {
  #entries;
  #kind;
  #index = 0;

  constructor(token, entries, kind) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    this.#entries = entries;
    this.#kind = kind;
  }

  next() {
    const entries = this.#entries;
    const index = this.#index;
    if (index >= entries.length) return { value: undefined, done: true };
    this.#index = index + 1;
    const entry = entries[index];
    const kind = this.#kind;
    const value = kind === KIND_KEYS ? entry.name : kind === KIND_VALUES ? entry.value : [entry.name, entry.value];
    return { value, done: false };
  }
}

ObjectSetPrototypeOf(FormDataIterator.prototype, IteratorPrototype);
delete FormDataIterator.prototype.constructor;
makeMembersEnumerable(FormDataIterator.prototype);
setToStringTag(FormDataIterator.prototype, "FormData Iterator");
ObjectDefineProperty(FormData.prototype, SymbolIterator, {
  value: FormData.prototype.entries, writable: true, enumerable: false, configurable: true,
});
exportInterface(FormData, "FormData");

// ---------------------------------------------------------------------------------------------
// Serializing: the multipart/form-data encoding algorithm (HTML §4.10.21.8, RFC 7578)

// Every CR not followed by LF and every LF not preceded by CR becomes CRLF.
function normalizeNewlines(string) {
  let out = "";
  let from = 0;
  const length = string.length;
  for (let i = 0; i < length; i++) {
    const c = StringPrototypeCharCodeAt(string, i);
    if (c === 0x0d) {
      if (StringPrototypeCharCodeAt(string, i + 1) === 0x0a) {
        i++;
        continue;
      }
      out += StringPrototypeSlice(string, from, i) + "\r\n";
      from = i + 1;
    } else if (c === 0x0a) {
      out += StringPrototypeSlice(string, from, i) + "\r\n";
      from = i + 1;
    }
  }
  return from === 0 ? string : out + StringPrototypeSlice(string, from);
}

// A name or filename in a Content-Disposition: LF as %0A, CR as %0D, `"` as %22.
function escapeQuoted(string) {
  let out = "";
  let from = 0;
  for (let i = 0; i < string.length; i++) {
    const c = StringPrototypeCharCodeAt(string, i);
    const escape = c === 0x0a ? "%0A" : c === 0x0d ? "%0D" : c === 0x22 ? "%22" : null;
    if (escape !== null) {
      out += StringPrototypeSlice(string, from, i) + escape;
      from = i + 1;
    }
  }
  return from === 0 ? string : out + StringPrototypeSlice(string, from);
}

function newBoundary() {
  const uuid = opsRandomUUID();
  let hex = "";
  for (let i = 0; i < uuid.length; i++) {
    if (StringPrototypeCharCodeAt(uuid, i) !== 0x2d) hex += uuid[i];
  }
  return "----SwitchyardFormBoundary" + hex;
}

function serialize(formData) {
  const entries = entriesOf(formData);
  const boundary = newBoundary();
  const parts = newList();
  // Text runs between file contents are gathered into one string, encoded once.
  let text = "";
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const value = entry.value;
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(normalizeNewlines(entry.name))}"`;
    if (typeof value === "string") {
      text += `\r\n\r\n${normalizeNewlines(value)}\r\n`;
    } else {
      const type = blobs.typeOf(value);
      text += `; filename="${escapeQuoted(blobs.nameOf(value))}"\r\nContent-Type: ${type === "" ? "application/octet-stream" : type}\r\n\r\n`;
      append(parts, opsUtf8Encode(text));
      append(parts, value);
      text = "\r\n";
    }
  }
  text += `--${boundary}--\r\n`;
  append(parts, opsUtf8Encode(text));
  return { __proto__: null, blob: blobs.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

// ---------------------------------------------------------------------------------------------
// Parsing: MIME types (MIME Sniffing §4.4), multipart/form-data, application/x-www-form-urlencoded

const invalidFormData = "Unable to parse body as form data.";

function isHTTPWhitespace(c) {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isTokenCode(c) {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  switch (c) {
    case 0x21: case 0x23: case 0x24: case 0x25: case 0x26: case 0x27: case 0x2a: case 0x2b: case 0x2d:
    case 0x2e: case 0x5e: case 0x5f: case 0x60: case 0x7c: case 0x7e:
      return true;
  }
  return false;
}

function isToken(string) {
  if (string.length === 0) return false;
  for (let i = 0; i < string.length; i++) {
    if (!isTokenCode(StringPrototypeCharCodeAt(string, i))) return false;
  }
  return true;
}

function isQuotedStringTokens(string) {
  for (let i = 0; i < string.length; i++) {
    const c = StringPrototypeCharCodeAt(string, i);
    if (!(c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff))) return false;
  }
  return true;
}

function trimHTTPWhitespace(string) {
  let start = 0;
  let end = string.length;
  while (start < end && isHTTPWhitespace(StringPrototypeCharCodeAt(string, start))) start++;
  while (end > start && isHTTPWhitespace(StringPrototypeCharCodeAt(string, end - 1))) end--;
  return start === 0 && end === string.length ? string : StringPrototypeSlice(string, start, end);
}

function indexOfCode(string, code, from) {
  for (let i = from; i < string.length; i++) {
    if (StringPrototypeCharCodeAt(string, i) === code) return i;
  }
  return string.length;
}

/// "Parse a MIME type": {essence, parameters} (parameters a record without a prototype), or null.
function parseMIMEType(input) {
  input = trimHTTPWhitespace(input);
  const slash = indexOfCode(input, 0x2f, 0);
  if (slash === input.length) return null;
  const type = StringPrototypeSlice(input, 0, slash);
  if (!isToken(type)) return null;
  let position = indexOfCode(input, 0x3b, slash + 1);
  let subtype = StringPrototypeSlice(input, slash + 1, position);
  let end = subtype.length;
  while (end > 0 && isHTTPWhitespace(StringPrototypeCharCodeAt(subtype, end - 1))) end--;
  subtype = StringPrototypeSlice(subtype, 0, end);
  if (!isToken(subtype)) return null;
  const parameters = { __proto__: null };
  const length = input.length;
  while (position < length) {
    position++; // the ";"
    while (position < length && isHTTPWhitespace(StringPrototypeCharCodeAt(input, position))) position++;
    let nameEnd = position;
    while (nameEnd < length) {
      const c = StringPrototypeCharCodeAt(input, nameEnd);
      if (c === 0x3b || c === 0x3d) break;
      nameEnd++;
    }
    const name = StringPrototypeToLowerCase(StringPrototypeSlice(input, position, nameEnd));
    position = nameEnd;
    if (position < length) {
      if (StringPrototypeCharCodeAt(input, position) === 0x3b) continue;
      position++; // the "="
    }
    if (position >= length) break;
    let value;
    if (StringPrototypeCharCodeAt(input, position) === 0x22) {
      // Collect an HTTP quoted string, extracting its value.
      value = "";
      position++;
      for (;;) {
        let stop = position;
        while (stop < length) {
          const c = StringPrototypeCharCodeAt(input, stop);
          if (c === 0x22 || c === 0x5c) break;
          stop++;
        }
        value += StringPrototypeSlice(input, position, stop);
        position = stop;
        if (position >= length) break;
        const quoteOrBackslash = StringPrototypeCharCodeAt(input, position);
        position++;
        if (quoteOrBackslash === 0x5c) {
          if (position >= length) {
            value += "\\";
            break;
          }
          value += input[position];
          position++;
        } else {
          break;
        }
      }
      position = indexOfCode(input, 0x3b, position);
    } else {
      const stop = indexOfCode(input, 0x3b, position);
      value = StringPrototypeSlice(input, position, stop);
      position = stop;
      let valueEnd = value.length;
      while (valueEnd > 0 && isHTTPWhitespace(StringPrototypeCharCodeAt(value, valueEnd - 1))) valueEnd--;
      value = StringPrototypeSlice(value, 0, valueEnd);
      if (value === "") continue;
    }
    if (isToken(name) && isQuotedStringTokens(value) && !(name in parameters)) parameters[name] = value;
  }
  return { __proto__: null, essence: StringPrototypeToLowerCase(type) + "/" + StringPrototypeToLowerCase(subtype), parameters };
}

// Native searches run a window at a time, so the CPU limit can land between them on a huge body.
const searchWindow = 1 << 20;

// The index of byte `code` in `bytes` at or after `from` and before `to`, or -1.
function indexOfByte(bytes, code, from, to) {
  while (from < to) {
    const end = MathMin(from + searchWindow, to);
    const found = TypedArrayPrototypeIndexOf(TypedArrayPrototypeSubarray(bytes, from, end), code);
    if (found !== -1) return from + found;
    from = end;
  }
  return -1;
}

function startsWithAt(bytes, pattern, at) {
  const length = TypedArrayPrototypeGetByteLength(pattern);
  if (at + length > TypedArrayPrototypeGetByteLength(bytes)) return false;
  for (let i = 0; i < length; i++) {
    if (bytes[at + i] !== pattern[i]) return false;
  }
  return true;
}

// The index of `pattern` (a few bytes, at most 74) in `bytes` from `from`, or -1. Candidates are
// found by the native search for the first byte; each is compared up to the pattern's length,
// so the work is bounded by the body's length times the pattern's.
function indexOfBytes(bytes, pattern, from) {
  const total = TypedArrayPrototypeGetByteLength(bytes);
  const first = pattern[0];
  for (;;) {
    const at = indexOfByte(bytes, first, from, total);
    if (at === -1) return -1;
    if (startsWithAt(bytes, pattern, at)) return at;
    from = at + 1;
  }
}

// How large a part's header section may be. Browsers send a few hundred bytes.
const maxHeaderBytes = 16384;

// %0A, %0D (either case) and %22 in a name or filename, as the encoding algorithm escaped them.
function unescapeQuoted(string) {
  let out = "";
  let from = 0;
  for (let i = 0; i + 2 < string.length; i++) {
    if (StringPrototypeCharCodeAt(string, i) !== 0x25) continue;
    const a = StringPrototypeCharCodeAt(string, i + 1);
    const b = StringPrototypeCharCodeAt(string, i + 2);
    let replacement = null;
    if (a === 0x30 && (b === 0x41 || b === 0x61)) replacement = "\n";
    else if (a === 0x30 && (b === 0x44 || b === 0x64)) replacement = "\r";
    else if (a === 0x32 && b === 0x32) replacement = "\"";
    if (replacement !== null) {
      out += StringPrototypeSlice(string, from, i) + replacement;
      from = i + 3;
      i += 2;
    }
  }
  return from === 0 ? string : out + StringPrototypeSlice(string, from);
}

// A Content-Disposition of a form-data part: {name, filename} (filename null when absent), or
// null when it is not `form-data` with a name. Parameters are `; key=value` or `; key="value"`
// (the quoted value runs to the next `"`: the encoding escapes quotes as %22); `filename*` is
// ignored (RFC 7578 §4.2).
function parseContentDisposition(value) {
  const length = value.length;
  let position = 0;
  while (position < length && isHTTPWhitespace(StringPrototypeCharCodeAt(value, position))) position++;
  let stop = position;
  while (stop < length && isTokenCode(StringPrototypeCharCodeAt(value, stop))) stop++;
  if (StringPrototypeToLowerCase(StringPrototypeSlice(value, position, stop)) !== "form-data") return null;
  position = stop;
  let name = null;
  let filename = null;
  while (position < length) {
    while (position < length && isHTTPWhitespace(StringPrototypeCharCodeAt(value, position))) position++;
    if (position >= length) break;
    if (StringPrototypeCharCodeAt(value, position) !== 0x3b) return null;
    position++;
    while (position < length && isHTTPWhitespace(StringPrototypeCharCodeAt(value, position))) position++;
    stop = position;
    while (stop < length && isTokenCode(StringPrototypeCharCodeAt(value, stop))) stop++;
    const key = StringPrototypeToLowerCase(StringPrototypeSlice(value, position, stop));
    position = stop;
    while (position < length && isHTTPWhitespace(StringPrototypeCharCodeAt(value, position))) position++;
    if (key === "" || StringPrototypeCharCodeAt(value, position) !== 0x3d) return null;
    position++;
    while (position < length && isHTTPWhitespace(StringPrototypeCharCodeAt(value, position))) position++;
    let parameter;
    if (StringPrototypeCharCodeAt(value, position) === 0x22) {
      stop = indexOfCode(value, 0x22, position + 1);
      if (stop === length) return null;
      parameter = unescapeQuoted(StringPrototypeSlice(value, position + 1, stop));
      position = stop + 1;
    } else {
      stop = position;
      while (stop < length && isTokenCode(StringPrototypeCharCodeAt(value, stop))) stop++;
      parameter = StringPrototypeSlice(value, position, stop);
      position = stop;
    }
    if (key === "name" && name === null) name = parameter;
    else if (key === "filename" && filename === null) filename = parameter;
  }
  if (name === null) return null;
  return { __proto__: null, name, filename };
}

function isLowerCaseASCII(string, expected) {
  return string.length === expected.length && StringPrototypeToLowerCase(string) === expected;
}

/// Parses a multipart/form-data body (RFC 7578) into an entry list; TypeError when malformed.
/// Leading CRLFs before the first delimiter are skipped, the epilogue after the last ignored.
function parseMultipart(bytes, boundary) {
  const entries = newList();
  const total = TypedArrayPrototypeGetByteLength(bytes);
  const delimiter = opsUtf8Encode("--" + boundary);
  const bodyDelimiter = opsUtf8Encode("\r\n--" + boundary);
  const delimiterLength = TypedArrayPrototypeGetByteLength(delimiter);
  let position = 0;
  while (position + 1 < total && bytes[position] === 0x0d && bytes[position + 1] === 0x0a) position += 2;
  if (!startsWithAt(bytes, delimiter, position)) throw new TypeError(invalidFormData);
  position += delimiterLength;
  for (;;) {
    // After a delimiter: "--" ends the body, else transport padding and CRLF start a part.
    if (bytes[position] === 0x2d && bytes[position + 1] === 0x2d) return entries;
    while (position < total && (bytes[position] === 0x20 || bytes[position] === 0x09)) position++;
    if (!(bytes[position] === 0x0d && bytes[position + 1] === 0x0a)) throw new TypeError(invalidFormData);
    position += 2;
    const headerStart = position;
    let disposition = null;
    let contentType = null;
    for (;;) {
      if (bytes[position] === 0x0d && bytes[position + 1] === 0x0a) {
        position += 2;
        break;
      }
      const limit = MathMin(headerStart + maxHeaderBytes, total);
      const lineEnd = indexOfByte(bytes, 0x0d, position, limit);
      if (lineEnd === -1 || bytes[lineEnd + 1] !== 0x0a) throw new TypeError(invalidFormData);
      const line = opsUtf8Decode(TypedArrayPrototypeSubarray(bytes, position, lineEnd), false, true);
      position = lineEnd + 2;
      const colon = indexOfCode(line, 0x3a, 0);
      if (colon === line.length) throw new TypeError(invalidFormData);
      const headerName = StringPrototypeSlice(line, 0, colon);
      if (!isToken(headerName)) throw new TypeError(invalidFormData);
      const headerValue = trimHTTPWhitespace(StringPrototypeSlice(line, colon + 1));
      if (isLowerCaseASCII(headerName, "content-disposition")) {
        disposition = parseContentDisposition(headerValue);
        if (disposition === null) throw new TypeError(invalidFormData);
      } else if (isLowerCaseASCII(headerName, "content-type")) {
        contentType = headerValue;
      }
    }
    if (disposition === null) throw new TypeError(invalidFormData);
    const end = indexOfBytes(bytes, bodyDelimiter, position);
    if (end === -1) throw new TypeError(invalidFormData);
    const content = TypedArrayPrototypeSubarray(bytes, position, end);
    let value;
    if (disposition.filename !== null) {
      value = blobs.newFile(content, disposition.filename, contentType === null ? "text/plain" : contentType, DateNow());
    } else {
      value = opsUtf8Decode(content, false, true);
    }
    append(entries, { __proto__: null, name: disposition.name, value });
    position = end + 2 + delimiterLength;
  }
}

function parseURLEncodedBody(bytes) {
  const pairs = urlencoded.parse(opsUtf8Decode(bytes, false, true));
  const entries = newList();
  for (let i = 0; i < pairs.length; i++) {
    append(entries, { __proto__: null, name: pairs[i][0], value: pairs[i][1] });
  }
  return entries;
}

/// Body.formData()'s package-data step for `bytes` under the Content-Type `contentType`
/// (a string or null). Returns a FormData; throws a TypeError.
function parse(bytes, contentType) {
  if (contentType === null || contentType === undefined) {
    throw new TypeError("Parsing a Body as FormData requires a Content-Type header.");
  }
  const mimeType = parseMIMEType(contentType);
  if (mimeType !== null && mimeType.essence === "multipart/form-data") {
    const boundary = mimeType.parameters.boundary;
    // RFC 2046 §5.1.1: 1 to 70 characters.
    if (boundary === undefined || boundary.length === 0 || boundary.length > 70) {
      throw new TypeError("Parsing a Body as FormData requires a boundary in its multipart/form-data Content-Type.");
    }
    return new FormData(kInternal, parseMultipart(bytes, boundary));
  }
  if (mimeType !== null && mimeType.essence === "application/x-www-form-urlencoded") {
    return new FormData(kInternal, parseURLEncodedBody(bytes));
  }
  throw new TypeError("Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded");
}

internals.formData = {
  __proto__: null,
  isFormData: (value) => isFormData(value),
  serialize,
  parse,
  parseMIMEType,
};
