// Bodies that stream between the host and the worker: a host body (a request body, a fetch()
// response) read by JavaScript as a ReadableStream, and a stream the worker returns as a response
// body, pulled by the host a chunk at a time. The stream classes are web/'s (internals.streams);
// this file is the host side of them.

const { SafeMap, MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, PromisePrototypeThen, TypeError } =
  internals.primordials;
const hostOp = internals.hostOp;
const hostAsync = internals.hostAsync;
const opsHost = ops.host;

/// A ReadableStream of the host's stream `handle` (`length` bytes when known, else negative):
/// each pull is one `streamRead` operation of the request that owns it. Bytes in a content
/// `coding` ("gzip"; 28_content_coding.js) read decoded unless `manual`; either way
/// the host may pass the encoded bytes through under that coding.
internals.hostReadableStream = function hostReadableStream(handle, length, coding = undefined, manual = false) {
  const read = () => hostAsync(hostOp.streamRead, undefined, handle);
  const decoding = coding === "gzip" && manual !== true;
  return internals.streams.newHostReadableStream(
    {
      __proto__: null,
      handle,
      coding: coding === "gzip" ? coding : undefined,
      // The controller's methods are the worker's to break: this is its own body.
      pull: decoding ? internals.contentCoding.zlibPull(read, true) : (controller) => PromisePrototypeThen(read(), (chunk) => {
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      }),
      cancel: () => { opsHost(hostOp.streamCancel, handle); },
    },
    length >= 0 && !decoding ? length : undefined);
};

/// JavaScript streams the host is reading, by handle: their readers.
const readers = new SafeMap();

/// The host's handle for a response body `stream`: the host stream itself when the worker passes
/// one through untouched (no JavaScript runs per chunk), otherwise a new handle the host pulls.
internals.streamToHost = function streamToHost(stream) {
  const streams = internals.streams;
  const source = streams.hostSourceOf(stream);
  if (source !== undefined) return source.handle;
  const handle = opsHost(hostOp.streamOpen);
  MapPrototypeSet(readers, handle, streams.acquireHostReader(stream));
  const length = streams.expectedLength(stream);
  if (length !== undefined) opsHost(hostOp.streamLength, handle, length);
  return handle;
};

const describe = (error) => {
  try {
    return `${error}`;
  } catch {
    return "Error: the stream failed";
  }
};

/// Called by the host for the next chunks of stream `handle`: reads until about `budget` bytes
/// came (or the stream ends or fails), answering each with `streamChunk(handle, chunk, error,
/// roundOver)`; the last answer of the round has `roundOver` true.
internals.pullStream = function pullStream(handle, budget) {
  const reader = MapPrototypeGet(readers, handle);
  if (reader === undefined) {
    opsHost(hostOp.streamChunk, handle, undefined, "TypeError: the stream is gone", true);
    return;
  }
  let taken = 0;
  const next = () => {
    PromisePrototypeThen(reader.read(), (result) => {
      if (result.done) {
        MapPrototypeDelete(readers, handle);
        opsHost(hostOp.streamChunk, handle, null, undefined, true);
        return;
      }
      const chunk = result.value;
      const length = chunk.byteLength;
      taken += length;
      if (length === 0) return next();  // carries nothing
      const roundOver = taken >= budget;
      opsHost(hostOp.streamChunk, handle, chunk, undefined, roundOver);
      if (!roundOver) next();
    }, (error) => {
      MapPrototypeDelete(readers, handle);
      internals.reportError(error);
      opsHost(hostOp.streamChunk, handle, undefined, describe(error), true);
    });
  };
  next();
};

/// Called by the host when it stops reading stream `handle` (the client went away).
internals.cancelStream = function cancelStream(handle, reason) {
  const reader = MapPrototypeGet(readers, handle);
  if (reader === undefined) return;
  MapPrototypeDelete(readers, handle);
  reader.cancel(new TypeError(reason));
};
