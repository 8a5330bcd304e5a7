// Switchyard runtime: HTTP content codings of bodies, as Workers handle them.
//
// - A fetch() response (or a service binding's) whose Content-Encoding is gzip reads
//   decoded; returned untouched with the same Content-Encoding, its encoded bytes pass through
//   as they came (no decoding and encoding again). `encodeResponseBody: "manual"` on the request
//   keeps the body as it came.
// - A Response the worker sends with Content-Encoding gzip is compressed on its way
//   out ("encodeBody": "automatic", the default), unless its body already is in that coding (a
//   fetch() response passed through) or `encodeBody: "manual"` says the worker encoded it.
// Other codings (deflate, br, several codings) are left alone both ways, as workerd and Deno
// leave deflate (brotli, which both decode, is not built in here yet).
//
// Decoding and encoding run in the isolate, a bounded zlib step per pull (charged to the request,
// backpressured: a decompression bomb inflates only as fast as it is read).

const { PromisePrototypeThen, PromiseResolve, uncurryThis } = internals.primordials;
const StringPrototypeToLowerCase = uncurryThis(String.prototype.toLowerCase);
const StringPrototypeTrim = uncurryThis(String.prototype.trim);
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const TypedArraySubarray = uncurryThis(TypedArrayPrototype.subarray);
const TypedArrayByteLength = internals.primordials.TypedArrayPrototypeGetByteLength;
const opsZlibCreate = ops.zlibCreate;
const opsZlibProcess = ops.zlibProcess;
const opsUtf8Encode = ops.utf8Encode;
const emptyBytes = new Uint8Array(0);

/// The zlib op's number for gzip (27_compression.js has the same numbering).
const gzipFormat = 0;

/// The coding of a body whose header list ([name, value, ...]) has
/// `content-encoding`: "gzip" (also "x-gzip"), or undefined for none or any other (left alone).
function contentCoding(headerList) {
  for (let i = 0; i < headerList.length; i += 2) {
    if (StringPrototypeToLowerCase(headerList[i]) !== "content-encoding") continue;
    const value = StringPrototypeToLowerCase(StringPrototypeTrim(headerList[i + 1]));
    return value === "gzip" || value === "x-gzip" ? "gzip" : undefined;
  }
  return undefined;
}

/// A `pull(controller)` for a pull source: the chunks of `read()` (a function returning a
/// promise of a Uint8Array, or null at the end) through zlib, compressing or decompressing
/// gzip. Each pull enqueues one chunk of output (reading more input until there is one) or
/// closes the stream.
function zlibPull(read, decompress) {
  // Made at the first pull: a body nobody reads (one passed through) holds no zlib stream.
  let handle;
  let input = emptyBytes;
  let more = false; // zlib holds output for the input it was given
  let ending = false; // the input is over: flush
  let done = false;
  const pull = (controller) => {
    for (;;) {
      if (done) {
        controller.close();
        return PromiseResolve(undefined);
      }
      const length = TypedArrayByteLength(input);
      if (length === 0 && !more && !ending) {
        return PromisePrototypeThen(read(), (chunk) => {
          if (chunk === null) ending = true;
          else input = chunk;
          return pull(controller);
        });
      }
      if (handle === undefined) handle = opsZlibCreate(decompress, gzipFormat);
      const result = opsZlibProcess(handle, input, ending);
      input = result[1] >= length ? emptyBytes : TypedArraySubarray(input, result[1]);
      more = result[2];
      if (ending && !more && TypedArrayByteLength(input) === 0) done = true;
      if (result[0] !== undefined) {
        controller.enqueue(result[0]);
        return PromiseResolve(undefined);
      }
    }
  };
  return pull;
}

/// A body held whole in gzip (a Uint8Array), as a stream that reads decoded.
function decodedBytesStream(bytes) {
  let given = false;
  const read = () => {
    const chunk = given ? null : bytes;
    given = true;
    return PromiseResolve(chunk);
  };
  return internals.streams.newPullReadableStream({ __proto__: null, pull: zlibPull(read, true), cancel() {} });
}

/// Applies the response's coding to `parts` (responseToHost's: `headers`, `body`, `stream`,
/// `expectedLength`) for `encodeBody` ("automatic" or "manual"); returns the parts to send.
function encodeResponseParts(parts, encodeBody) {
  const coding = contentCoding(parts.headers);
  const stream = parts.stream;
  const streams = internals.streams;
  if (stream !== undefined) {
    const source = streams.hostSourceOf(stream);
    if (source !== undefined) {
      // A host body passes through only when its bytes are in the coding the headers say;
      // otherwise the host reads it through JavaScript, decoded.
      if (source.coding === coding) return parts;
      streams.forgetHostSource(stream);
    }
  }
  if (coding === undefined || encodeBody === "manual") return parts;
  let read;
  let cancel = () => {};
  if (stream !== undefined) {
    const reader = streams.acquireHostReader(stream);
    read = () => PromisePrototypeThen(reader.read(), (result) => (result.done ? null : result.value));
    cancel = (reason) => reader.cancel(reason);
  } else {
    const body = parts.body;
    if (body === null || body === undefined) return parts;
    let given = false;
    read = () => {
      const chunk = given ? null : (typeof body === "string" ? opsUtf8Encode(body) : body);
      given = true;
      return PromiseResolve(chunk);
    };
  }
  parts.body = null;
  parts.stream = streams.newPullReadableStream({ __proto__: null, pull: zlibPull(read, false), cancel });
  parts.expectedLength = undefined;
  return parts;
}

internals.contentCoding = { __proto__: null, contentCoding, zlibPull, decodedBytesStream, encodeResponseParts };
