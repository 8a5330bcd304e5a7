// The Cache API as Cloudflare Workers has it: `caches.default` and `await caches.open(name)`,
// Cache objects with match / put / delete (add, addAll and keys are not implemented, as on
// Workers). Every call is one asynchronous host operation (WorkerIsolate+Cache.swift) against the
// worker's own cache storage; the host decides what is cacheable (CacheRules: Cache-Control,
// Expires, Set-Cookie, the default Edge TTLs) and answers conditional and Range requests.
//
// Cloudflare's rules checked here, with workerd's texts: only GET requests match or are deleted
// unless `ignoreMethod`; put() refuses an error response, a non-GET request, a 206 response and
// `Vary: *` with a TypeError, and drops a 304 silently. The response's body goes to the host as
// a stream (a fetch() body passes through without JavaScript) and a match's body is a host
// stream reading the stored file.
//
// Hardened as 20_url.js is: every built-in and accessor this file calls is captured at load,
// so a worker replacing Request.prototype's getters or String.prototype's methods changes
// nothing here.

const { uncurryThis, PromiseReject, PromiseResolve, TypeError, Error: ErrorConstructor } = internals.primordials;
const cacheHostOp = internals.hostOp.cache;
const cacheHostAsync = internals.hostAsync;
const cacheToDOMString = internals.webIDL.toDOMString;
const CacheRequest = internals.Request;
const cacheIsRequest = internals.isRequest;
const cacheIsResponse = internals.isResponse;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const cacheGetter = (prototype, name) => uncurryThis(ObjectGetOwnPropertyDescriptor(prototype, name).get);
const RequestGetMethod = cacheGetter(CacheRequest.prototype, "method");
const RequestGetURL = cacheGetter(CacheRequest.prototype, "url");
const RequestGetHeaders = cacheGetter(CacheRequest.prototype, "headers");
const ResponseGetStatus = cacheGetter(internals.Response.prototype, "status");
const ResponseGetType = cacheGetter(internals.Response.prototype, "type");
const ResponseGetHeaders = cacheGetter(internals.Response.prototype, "headers");
const CacheHeadersGet = uncurryThis(internals.Headers.prototype.get);
const CacheStringStartsWith = uncurryThis(String.prototype.startsWith);
const CacheStringIncludes = uncurryThis(String.prototype.includes);
const CacheStringCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const CacheStringSplit = uncurryThis(String.prototype.split);
const CacheArrayJoin = uncurryThis(Array.prototype.join);
const CacheNumberParse = Number.parseInt;
const cacheKey = Symbol("Cache");

const invalidURLMessage = "Invalid URL. Cache API keys must be fully-qualified, valid URLs.";

/// `Request.coerce`: a Request as it is, anything else made into one (a string or URL).
function coerceRequest(input) {
  return cacheIsRequest(input) ? input : new CacheRequest(input);
}

/// The request's URL as a cache key: http: or https: only.
function keyURL(request) {
  const url = RequestGetURL(request);
  if (!CacheStringStartsWith(url, "http:") && !CacheStringStartsWith(url, "https:")) throw new TypeError(invalidURLMessage);
  return url;
}

/// `options.ignoreMethod`, read once (a getter runs once, as Web IDL dictionaries read members).
function ignoresMethod(options) {
  if (options === undefined || options === null) return false;
  if (typeof options !== "object" && typeof options !== "function") {
    throw new TypeError("Failed to execute on 'Cache': parameter 2 is not of type 'CacheQueryOptions'.");
  }
  return !!options.ignoreMethod;
}

function header(headers, name) {
  const value = CacheHeadersGet(headers, name);
  return value === null ? undefined : value;
}

/// The Response of a hit, `(status, statusText, headerBlock, bodyHandle)`, or undefined on a miss.
/// The body's length is the stored one unless it is in a content coding (then read decoded).
function responseFromCache(status, statusText, headers, body) {
  if (status === undefined) return undefined;
  const list = headers === "" ? [] : CacheStringSplit(headers, "\0");
  const coding = internals.contentCoding.contentCoding(list);
  let length = -1;
  for (let index = 0; index + 1 < list.length; index += 2) {
    if (list[index] === "content-length") length = CacheNumberParse(list[index + 1], 10);
  }
  const stream = body === 0 ? null : internals.hostReadableStream(body, coding === undefined ? length : -1, coding, false);
  return internals.newResponseFromHost(status, statusText, list, stream, "", false, "automatic");
}

/// UTF-8 length of a string, counting up to `limit` (a surrogate pair is 4 bytes).
function utf8Length(text, limit) {
  let bytes = 0;
  for (let index = 0; index < text.length && bytes < limit; index++) {
    const unit = CacheStringCharCodeAt(text, index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

class Cache {
  // undefined for caches.default, else the name given to caches.open.
  #name;

  constructor(key, name) {
    if (key !== cacheKey) throw new TypeError("Illegal constructor");
    this.#name = name;
  }

  match(request, options = undefined) {
    try {
      const ignoreMethod = ignoresMethod(options);
      const coerced = coerceRequest(request);
      const url = keyURL(coerced);
      if (!ignoreMethod && RequestGetMethod(coerced) !== "GET") return PromiseResolve(undefined);
      const headers = RequestGetHeaders(coerced);
      return cacheHostAsync(cacheHostOp, responseFromCache, this.#hostName(), "match", url, header(headers, "range"),
        header(headers, "if-none-match"), header(headers, "if-modified-since"));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  put(request, response) {
    try {
      if (arguments.length < 2) {
        throw new TypeError(`Failed to execute 'put' on 'Cache': 2 arguments required, but only ${arguments.length} present.`);
      }
      if (!cacheIsResponse(response)) {
        throw new TypeError("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
      }
      if (ResponseGetType(response) === "error") throw new TypeError("Cache is unable to store an error response");
      const coerced = coerceRequest(request);
      const url = keyURL(coerced);
      if (RequestGetMethod(coerced) !== "GET") throw new TypeError("Cannot cache response to non-GET request.");
      const status = ResponseGetStatus(response);
      if (status === 206) throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
      const vary = header(ResponseGetHeaders(response), "vary");
      if (vary !== undefined && CacheStringIncludes(vary, "*")) throw new TypeError("Cannot cache response with 'Vary: *' header.");
      // A 304 is dropped, not stored (workerd: caching one would answer later requests with it).
      if (status === 304) return PromiseResolve(undefined);
      // Disturbs the body now, as Cloudflare's put does before it returns.
      const parts = internals.responseToHost(response);
      const stream = parts.stream;
      const bodyHandle = stream === undefined ? 0 : internals.streamToHost(stream);
      return cacheHostAsync(cacheHostOp, undefined, this.#hostName(), "put", url, parts.status, parts.statusText,
        CacheArrayJoin(parts.headers, "\0"), bodyHandle === 0 ? parts.body : null, bodyHandle);
    } catch (error) {
      return PromiseReject(error);
    }
  }

  delete(request, options = undefined) {
    try {
      const ignoreMethod = ignoresMethod(options);
      const coerced = coerceRequest(request);
      const url = keyURL(coerced);
      if (!ignoreMethod && RequestGetMethod(coerced) !== "GET") return PromiseResolve(false);
      return cacheHostAsync(cacheHostOp, undefined, this.#hostName(), "delete", url);
    } catch (error) {
      return PromiseReject(error);
    }
  }

  add() {
    throw new ErrorConstructor("Failed to execute 'add' on 'Cache': the method is not implemented.");
  }

  addAll() {
    throw new ErrorConstructor("Failed to execute 'addAll' on 'Cache': the method is not implemented.");
  }

  #hostName() {
    return this.#name === undefined ? null : this.#name;
  }
}

class CacheStorage {
  #default;

  constructor(key) {
    if (key !== cacheKey) throw new TypeError("Illegal constructor");
    this.#default = new Cache(cacheKey, undefined);
  }

  /// The same Cache every time ([SameObject]); its calls reject in an untrusted user worker.
  get default() {
    return this.#default;
  }

  open(cacheName) {
    try {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'open' on 'CacheStorage': 1 argument required, but only 0 present.");
      const name = cacheToDOMString(cacheName);
      if (name.length >= 1024 || utf8Length(name, 1024) >= 1024) throw new TypeError("Cache name is too long.");
      return PromiseResolve(new Cache(cacheKey, name));
    } catch (error) {
      return PromiseReject(error);
    }
  }
}

internals.webIDL.exportInterface(Cache, "Cache");
internals.webIDL.exportInterface(CacheStorage, "CacheStorage");
internals.defineGlobal("caches", new CacheStorage(cacheKey));
