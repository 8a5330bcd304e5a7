// Switchyard runtime: Blob and File (W3C File API).
//
// A Blob is a list of byte chunks the runtime owns and never hands out: strings are UTF-8
// encoded and buffers copied once, at construction; a Blob made of other Blobs, and every
// slice(), shares their chunks (views of the same buffers) instead of copying bytes. Reading
// (text, arrayBuffer, bytes, stream) copies into fresh buffers, so nothing a worker holds can
// change a Blob. Chunk lists are records without a prototype, never arrays a worker's
// prototypes reach.
//
// Exported for later runtime files (30_fetch.js bodies, 63_r2.js):
//   internals.blobs.isBlob(value) -> boolean
//   internals.blobs.bytesOf(blob) -> {bytes, shared}: the contents as one Uint8Array; `shared`
//     when it is a chunk of the Blob (the caller must copy before handing it to a worker)
//   internals.blobs.typeOf(blob) -> string
//   internals.blobs.fromBytes(bytes, type) -> Blob owning `bytes` (the caller gives them up)
//   internals.blobs.newFile(source, name, type, lastModified) -> File of a Blob's bytes (shared)
//     or of a Uint8Array the caller gives up
//   internals.blobs.concat(list) -> Blob of a list (no prototype) of Blobs and Uint8Arrays the
//     caller gives up, sharing the Blobs' chunks
//   internals.blobs.isFile(value), nameOf(file), lastModifiedOf(file)

const { TypeError, ReflectApply, PromiseResolve, PromiseReject, MathMin, NumberIsNaN, SymbolIterator, uncurryThis } =
  internals.primordials;
const {
  ArrayBufferIsView, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeSet,
} = internals.primordials;
const { toDOMString, exportInterface } = internals.webIDL;
const bufferSourceView = internals.bufferSourceView;
const toUSVString = internals.toUSVString;
const newPulledByteStream = internals.streams.newPulledByteStream;
const opsUtf8Encode = ops.utf8Encode;
const opsUtf8Decode = ops.utf8Decode;
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const StringPrototypeIndexOf = uncurryThis(String.prototype.indexOf);
const StringPrototypeSlice = uncurryThis(String.prototype.slice);
const StringPrototypeToLowerCase = uncurryThis(String.prototype.toLowerCase);
const MathMax = Math.max;
const MathFloor = Math.floor;
const MathTrunc = Math.trunc;
const NumberIsFinite = Number.isFinite;
const DateNow = Date.now;
const Uint8ArrayConstructor = Uint8Array;

// How much of a Blob one pull of its stream() copies out.
const streamChunkBytes = 65536;

// A list of chunks (Uint8Arrays) and their total size.
function newContents() {
  return { __proto__: null, chunks: { __proto__: null, length: 0 }, size: 0 };
}

function appendChunk(contents, chunk) {
  const length = TypedArrayPrototypeGetByteLength(chunk);
  if (length === 0) return;
  const chunks = contents.chunks;
  chunks[chunks.length] = chunk;
  chunks.length++;
  contents.size += length;
}

function copyView(view) {
  const out = new Uint8ArrayConstructor(TypedArrayPrototypeGetByteLength(view));
  TypedArrayPrototypeSet(out, view, 0);
  return out;
}

// A view of `length` bytes of `chunk` from `offset`, sharing its buffer.
function chunkView(chunk, offset, length) {
  return new Uint8ArrayConstructor(TypedArrayPrototypeGetBuffer(chunk), TypedArrayPrototypeGetByteOffset(chunk) + offset, length);
}

// File API "convert line endings to native" (the native ending is "\n" here): every "\r\n" and
// lone "\r" becomes "\n".
function nativeLineEndings(string) {
  let at = StringPrototypeIndexOf(string, "\r");
  if (at === -1) return string;
  let out = "";
  let from = 0;
  while (at !== -1) {
    out += StringPrototypeSlice(string, from, at) + "\n";
    from = StringPrototypeCharCodeAt(string, at + 1) === 0x0a ? at + 2 : at + 1;
    at = StringPrototypeIndexOf(string, "\r", from);
  }
  return out + StringPrototypeSlice(string, from);
}

// A `type` as the File API keeps it: "" when a character lies outside U+0020-U+007E, else in
// ASCII lower case.
function normalizeType(type) {
  for (let i = 0; i < type.length; i++) {
    const c = StringPrototypeCharCodeAt(type, i);
    if (c < 0x20 || c > 0x7e) return "";
  }
  return StringPrototypeToLowerCase(type);
}

// Web IDL's conversion of a `sequence<BlobPart>`: each part, as the iterator gives it, becomes
// a Blob's contents, a copy of a buffer's bytes, or a string, in a list without a prototype.
function convertParts(parts, what) {
  const list = { __proto__: null, length: 0 };
  if (parts === undefined) return list;
  if (parts === null || (typeof parts !== "object" && typeof parts !== "function")) {
    throw new TypeError(`Failed to construct '${what}': The provided value cannot be converted to a sequence.`);
  }
  const method = parts[SymbolIterator];
  if (typeof method !== "function") {
    throw new TypeError(`Failed to construct '${what}': The object must have a callable @@iterator property.`);
  }
  const iterator = ReflectApply(method, parts, []);
  if (iterator === null || (typeof iterator !== "object" && typeof iterator !== "function")) {
    throw new TypeError(`Failed to construct '${what}': The iterator is not an object.`);
  }
  const next = iterator.next;
  for (;;) {
    const result = ReflectApply(next, iterator, []);
    if (result === null || (typeof result !== "object" && typeof result !== "function")) {
      throw new TypeError(`Failed to construct '${what}': The iterator result is not an object.`);
    }
    if (result.done) return list;
    list[list.length++] = convertPart(result.value);
  }
}

function convertPart(part) {
  if (typeof part === "object" && part !== null) {
    const blob = contentsOf(part);
    if (blob !== undefined) return blob;
    const view = bufferSourceView(part);
    if (view !== null) return copyView(view);
  }
  return toDOMString(part);
}

// File API "process blob parts": strings UTF-8 encoded (lone surrogates become U+FFFD), with
// native line endings when asked; a Blob's chunks shared.
function processParts(list, native) {
  const contents = newContents();
  for (let i = 0; i < list.length; i++) {
    const part = list[i];
    if (typeof part === "string") {
      appendChunk(contents, opsUtf8Encode(native ? nativeLineEndings(part) : part));
    } else if (ArrayBufferIsView(part)) {
      appendChunk(contents, part);
    } else {
      const chunks = part.chunks;
      for (let j = 0; j < chunks.length; j++) appendChunk(contents, chunks[j]);
    }
  }
  return contents;
}

// BlobPropertyBag / FilePropertyBag members, read in Web IDL's (alphabetical) order.
function readOptions(value, what) {
  const options = { __proto__: null, native: false, lastModified: undefined, type: "" };
  if (value === undefined || value === null) return options;
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeError(`Failed to construct '${what}': The provided value is not of type '${what === "File" ? "FilePropertyBag" : "BlobPropertyBag"}'.`);
  }
  const endings = value.endings;
  if (endings !== undefined) {
    const name = toDOMString(endings);
    if (name !== "transparent" && name !== "native") {
      throw new TypeError(`Failed to construct '${what}': The provided value '${name}' is not a valid enum value of type EndingType.`);
    }
    options.native = name === "native";
  }
  if (what === "File") {
    const lastModified = value.lastModified;
    if (lastModified !== undefined) {
      const number = +lastModified;
      options.lastModified = NumberIsFinite(number) ? MathTrunc(number) : 0;
    }
  }
  const type = value.type;
  if (type !== undefined) options.type = toDOMString(type);
  return options;
}

// Web IDL `[Clamp] long long`, enough for sizes: NaN is 0, halves round to even.
function clampedInteger(value) {
  const number = +value;
  if (NumberIsNaN(number)) return 0;
  if (!NumberIsFinite(number)) return number;
  const floor = MathFloor(number);
  const rest = number - floor;
  if (rest > 0.5 || (rest === 0.5 && floor % 2 !== 0)) return floor + 1;
  return floor;
}

// The contents of bytes [start, end) of `contents`, sharing its chunks.
function sliceContents(contents, start, end) {
  const out = newContents();
  const chunks = contents.chunks;
  let offset = 0;
  for (let i = 0; i < chunks.length && offset < end; i++) {
    const chunk = chunks[i];
    const length = TypedArrayPrototypeGetByteLength(chunk);
    const from = MathMax(start - offset, 0);
    const to = MathMin(end - offset, length);
    if (from < to) appendChunk(out, from === 0 && to === length ? chunk : chunkView(chunk, from, to - from));
    offset += length;
  }
  return out;
}

// The contents as one Uint8Array: a chunk itself when there is one (shared), else a new copy.
function flatten(contents) {
  const chunks = contents.chunks;
  if (chunks.length === 1) return { __proto__: null, bytes: chunks[0], shared: true };
  const out = new Uint8ArrayConstructor(contents.size);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], offset);
    offset += TypedArrayPrototypeGetByteLength(chunks[i]);
  }
  return { __proto__: null, bytes: out, shared: false };
}

// A copy the reader owns, whose buffer holds exactly its bytes.
function ownedBytes(contents) {
  const flat = flatten(contents);
  return flat.shared || TypedArrayPrototypeGetByteOffset(flat.bytes) !== 0 ? copyView(flat.bytes) : flat.bytes;
}

let contentsOf;
let typeOf;
let fileNameOf;
let fileLastModifiedOf;
const kInternal = Symbol("switchyard.blob");

class Blob {
  #contents;
  #type;

  constructor(blobParts = undefined, options = undefined) {
    if (blobParts === kInternal) {
      // fromBytes / slice: options is [contents, type].
      this.#contents = options[0];
      this.#type = options[1];
      return;
    }
    const parts = convertParts(blobParts, "Blob");
    const bag = readOptions(options, "Blob");
    this.#contents = processParts(parts, bag.native);
    this.#type = normalizeType(bag.type);
  }

  static {
    contentsOf = (value) => (#contents in value ? value.#contents : undefined);
    typeOf = (blob) => blob.#type;
  }

  get size() {
    return this.#contents.size;
  }

  get type() {
    return this.#type;
  }

  slice(start = undefined, end = undefined, contentType = undefined) {
    const contents = this.#contents;
    const size = contents.size;
    const relative = (value, fallback) => {
      if (value === undefined) return fallback;
      const number = clampedInteger(value);
      return number < 0 ? MathMax(size + number, 0) : MathMin(number, size);
    };
    const from = relative(start, 0);
    const to = relative(end, size);
    const type = contentType === undefined ? "" : normalizeType(toDOMString(contentType));
    return new Blob(kInternal, [sliceContents(contents, from, MathMax(to, from)), type]);
  }

  stream() {
    const contents = this.#contents;
    const chunks = contents.chunks;
    let index = 0;
    let offset = 0;
    return newPulledByteStream(() => {
      if (index >= chunks.length) return null;
      const chunk = chunks[index];
      const length = TypedArrayPrototypeGetByteLength(chunk);
      const take = MathMin(length - offset, streamChunkBytes);
      const piece = copyView(chunkView(chunk, offset, take));
      offset += take;
      if (offset === length) {
        index++;
        offset = 0;
      }
      return piece;
    });
  }

  text() {
    try {
      const flat = flatten(this.#contents);
      return PromiseResolve(opsUtf8Decode(flat.bytes, false, false));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  arrayBuffer() {
    try {
      return PromiseResolve(TypedArrayPrototypeGetBuffer(ownedBytes(this.#contents)));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  bytes() {
    try {
      return PromiseResolve(ownedBytes(this.#contents));
    } catch (error) {
      return PromiseReject(error);
    }
  }
}

class File extends Blob {
  #name;
  #lastModified;

  constructor(fileBits, fileName, options = undefined) {
    if (fileBits === kInternal) {
      // newFile: fileName is [contents, type, name, lastModified].
      super(kInternal, fileName);
      this.#name = fileName[2];
      this.#lastModified = fileName[3];
      return;
    }
    if (arguments.length < 2) {
      throw new TypeError(`Failed to construct 'File': 2 arguments required, but only ${arguments.length} present.`);
    }
    const parts = convertParts(fileBits, "File");
    const name = toUSVString(fileName);
    const bag = readOptions(options, "File");
    super(kInternal, [processParts(parts, bag.native), normalizeType(bag.type)]);
    this.#name = name;
    this.#lastModified = bag.lastModified === undefined ? DateNow() : bag.lastModified;
  }

  static {
    fileNameOf = (value) => (#name in value ? value.#name : undefined);
    fileLastModifiedOf = (file) => file.#lastModified;
  }

  get name() {
    return this.#name;
  }

  get lastModified() {
    return this.#lastModified;
  }
}

exportInterface(Blob, "Blob");
exportInterface(File, "File");

internals.blobs = {
  __proto__: null,
  isBlob: (value) => typeof value === "object" && value !== null && contentsOf(value) !== undefined,
  bytesOf: (blob) => flatten(contentsOf(blob)),
  typeOf: (blob) => typeOf(blob),
  fromBytes: (bytes, type) => {
    const contents = newContents();
    appendChunk(contents, bytes);
    return new Blob(kInternal, [contents, normalizeType(type)]);
  },
  newFile: (source, name, type, lastModified) => {
    let contents = contentsOf(source);
    if (contents === undefined) {
      contents = newContents();
      appendChunk(contents, source);
    }
    return new File(kInternal, [contents, normalizeType(type), name, lastModified]);
  },
  concat: (list) => {
    const contents = newContents();
    for (let i = 0; i < list.length; i++) {
      const part = list[i];
      const blob = ArrayBufferIsView(part) ? undefined : contentsOf(part);
      if (blob === undefined) {
        appendChunk(contents, part);
      } else {
        const chunks = blob.chunks;
        for (let j = 0; j < chunks.length; j++) appendChunk(contents, chunks[j]);
      }
    }
    return new Blob(kInternal, [contents, ""]);
  },
  isFile: (value) => typeof value === "object" && value !== null && fileNameOf(value) !== undefined,
  nameOf: (file) => fileNameOf(file),
  lastModifiedOf: (file) => fileLastModifiedOf(file),
};
