// fetch(): a subrequest to the network, sent by the host (Outbound/ in the runtime), which applies
// the egress guard, the subrequest limit and the six-connections rule, and follows redirects.
//
// Request and response bodies stream both ways: a body held whole goes as bytes, a stream as a
// handle the host pulls (or passes through, when it is a host body the worker did not touch), and
// the response body is a host stream read as the worker reads it.

const { ReflectApply, StringPrototypeSlice, PromiseReject, PromisePrototypeThen, TypeError } = internals.primordials;
const StringPrototypeSplit = internals.primordials.uncurryThis(String.prototype.split);
const ArrayPrototypeJoin = internals.primordials.uncurryThis(Array.prototype.join);
const PromiseConstructor = Promise;
const hostOp = internals.hostOp;
const hostAsync = internals.hostAsync;
const opsHost = ops.host;
const abort = internals.abort;

/// The header block the host reads: "name\0value\0name\0value".
const headerBlock = (list) => ArrayPrototypeJoin(list, "\0");

/// The Response of a completed fetch: (status, statusText, headerBlock, url, redirected, bodyHandle).
/// `body` is a stream's handle (0 for none), or the bytes of a body held whole. A body in a
/// content coding reads decoded, unless the request said `encodeResponseBody: "manual"`.
function responseFromHost(status, statusText, headers, url, redirected, body, manual = false) {
  const list = headers === "" ? [] : StringPrototypeSplit(headers, "\0");
  if (typeof body === "number" && body < 0) {
    // A WebSocket (host handle -body) in place of a body: a 101 answer (36_websocket.js).
    const response = internals.newResponseFromHost(status, statusText, list, null, url, redirected);
    internals.responseSetWebSocket(response, internals.webSocketFromHost(-body, url === "" ? null : url));
    return response;
  }
  const coding = internals.contentCoding.contentCoding(list);
  if (typeof body === "number") {
    body = body === 0 ? null : internals.hostReadableStream(body, -1, coding, manual);
  } else if (coding !== undefined && !manual && body !== null && body !== undefined) {
    body = internals.contentCoding.decodedBytesStream(body);
  }
  return internals.newResponseFromHost(status, statusText, list, body, url, redirected, manual ? "manual" : "automatic");
}

/// Sends `request` through the host: `start(parts, bodyHandle)` starts the host operation and
/// returns its promise. Shared by fetch() and the fetchers of service and dispatch bindings.
/// An abort rejects at once with the signal's reason and tells the host to stop the request (and
/// its response body, if it is streaming).
internals.sendRequest = function sendRequest(request, start) {
  const signal = request.signal;
  if (signal !== null && !abort.isSignal(signal)) {
    throw new TypeError("Failed to execute 'fetch': member signal is not of type AbortSignal.");
  }
  if (signal !== null && abort.aborted(signal)) throw abort.reason(signal);
  const parts = internals.requestToHost(request);
  const stream = parts.stream;
  const bodyHandle = stream === undefined || stream === null ? 0 : internals.streamToHost(stream);
  const response = start(parts, bodyHandle);
  const operation = internals.lastOperationID();
  if (signal === null) return response;
  return new PromiseConstructor((resolve, reject) => {
    const onAbort = (reason) => {
      opsHost(hostOp.fetchAbort, operation);
      reject(reason);
    };
    abort.addAlgorithm(signal, onAbort);
    PromisePrototypeThen(response, (value) => {
      abort.removeAlgorithm(signal, onAbort);
      resolve(value);
    }, (error) => {
      abort.removeAlgorithm(signal, onAbort);
      reject(error);
    });
  });
};

internals.headerBlock = headerBlock;
internals.responseFromHost = responseFromHost;

async function fetch(input, init = undefined) {
  if (arguments.length < 1) {
    throw new TypeError("Failed to execute 'fetch': 1 argument required, but only 0 present.");
  }
  const request = new internals.Request(input, init);
  // Workers' `encodeResponseBody: "manual"`: the response body is left in its content coding.
  const manual = typeof init === "object" && init !== null && init.encodeResponseBody === "manual";
  const decode = manual
    ? (status, statusText, headers, url, redirected, body) =>
      responseFromHost(status, statusText, headers, url, redirected, body, true)
    : responseFromHost;
  return internals.sendRequest(request, (parts, bodyHandle) => hostAsync(
    hostOp.fetch, decode, parts.method, parts.url, headerBlock(parts.headers),
    bodyHandle === 0 ? parts.body : null, bodyHandle, request.redirect));
}

internals.fetch = fetch;
internals.defineGlobal("fetch", fetch);
