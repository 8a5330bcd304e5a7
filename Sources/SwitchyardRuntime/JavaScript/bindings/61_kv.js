// `kv_namespace` bindings: env.NAME is a KVNamespace. Every call is one asynchronous host
// operation (WorkerIsolate+KV.swift), which checks the key, value, metadata and expiration
// against Cloudflare's limits and rejects with its texts ("KV PUT failed: 414 ...").

const { JSONParse, JSONStringify, TypeError, ObjectFreeze, ArrayIsArray, PromiseReject, SafeMap,
  MapPrototypeSet } = internals.primordials;
const kvHostOp = internals.hostOp.kv;
const kvHostAsync = internals.hostAsync;
const kvToString = internals.webIDL.toDOMString;
const kvStreams = internals.streams;
const kvBufferSourceView = internals.bufferSourceView;
const utf8Encode = ops.utf8Encode;
const utf8Decode = ops.utf8Decode;
const kvKey = Symbol("KVNamespace");
const ReadableStreamConstructor = ReadableStream;

const valueTypes = { __proto__: null, text: true, json: true, arrayBuffer: true, stream: true };

/// The `type` of get()'s options: a string, or `{type, cacheTtl}`.
function readType(options) {
  let type = "text";
  if (typeof options === "string") {
    type = options;
  } else if (options !== undefined && options !== null) {
    if (typeof options !== "object") throw new TypeError("KV get() options must be a string or an object.");
    if (options.type !== undefined) type = kvToString(options.type);
    if (options.cacheTtl !== undefined) {
      const ttl = +options.cacheTtl;
      if (!(ttl >= 60)) {
        throw new TypeError(`KV GET failed: 400 Invalid cache_ttl of ${options.cacheTtl}. Cache TTL must be at least 60.`);
      }
    }
  }
  if (valueTypes[type] !== true) {
    throw new TypeError('Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".');
  }
  return type;
}

function decodeValue(bytes, type) {
  switch (type) {
    case "text": return utf8Decode(bytes, false, false);
    case "json": return JSONParse(utf8Decode(bytes, false, false));
    case "arrayBuffer": return internals.primordials.TypedArrayPrototypeGetBuffer(bytes);
    default: return new ReadableStreamConstructor({
      type: "bytes",
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(bytes);
        controller.close();
      },
    });
  }
}

function parseMetadata(json) {
  return json === null ? null : JSONParse(json);
}

class KVNamespace {
  #binding;
  constructor(key, binding) {
    if (key !== kvKey) throw new TypeError("Illegal constructor");
    this.#binding = binding;
  }

  get(key, options = undefined) {
    return this.#get(key, options, false, arguments.length, "get");
  }

  getWithMetadata(key, options = undefined) {
    return this.#get(key, options, true, arguments.length, "getWithMetadata");
  }

  #get(key, options, withMetadata, count, name) {
    try {
      if (count < 1) throw missingArgument(name, count);
      const type = readType(options);
      if (ArrayIsArray(key)) return this.#getBulk(key, type, withMetadata);
      return kvHostAsync(kvHostOp, (metadata, expiration, bytes) => {
        if (metadata === null && bytes === undefined) {
          return withMetadata ? { value: null, metadata: null, cacheStatus: null } : null;
        }
        const value = decodeValue(bytes, type);
        return withMetadata ? { value, metadata: parseMetadata(metadata), cacheStatus: null } : value;
      }, this.#binding, "get", kvToString(key));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  #getBulk(keys, type, withMetadata) {
    if (type !== "text" && type !== "json") {
      throw new TypeError(`"${type}" is not a valid type. Use "json" or "text".`);
    }
    const names = [];
    for (let index = 0; index < keys.length; index++) names[index] = kvToString(keys[index]);
    return kvHostAsync(kvHostOp, (json) => {
      const entries = JSONParse(json);
      const result = new SafeMap();
      for (let index = 0; index < names.length; index++) {
        const entry = entries[index];
        let value = null;
        if (entry !== null) value = type === "json" ? JSONParse(entry[0]) : entry[0];
        const item = withMetadata ? { value, metadata: entry === null ? null : entry[1] } : value;
        MapPrototypeSet(result, names[index], item);
      }
      return result;
    }, this.#binding, "getBulk", JSONStringify(names));
  }

  put(key, value, options = undefined) {
    try {
      if (arguments.length < 2) throw missingArgument("put", arguments.length, 2);
      const name = kvToString(key);
      let expiration;
      let expirationTtl;
      let metadata;
      if (options !== undefined && options !== null) {
        if (typeof options !== "object") throw new TypeError("KV put() options must be an object.");
        if (options.expiration !== undefined) expiration = +options.expiration;
        if (options.expirationTtl !== undefined) expirationTtl = +options.expirationTtl;
        if (options.metadata !== undefined) {
          metadata = JSONStringify(options.metadata);
          if (typeof metadata !== "string") throw new TypeError("KV put() metadata must be serializable to JSON.");
        }
      }
      const send = (bytes) => kvHostAsync(kvHostOp, undefined, this.#binding, "put", name, bytes, expiration,
        expirationTtl, metadata);
      if (typeof value === "string") return send(value);
      const view = kvBufferSourceView(value);
      if (view !== null) return send(view);
      if (kvStreams.isReadableStream(value)) {
        return internals.primordials.PromisePrototypeThen(kvStreams.readAllBytes(value, (bytes) => bytes), send);
      }
      throw new TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
    } catch (error) {
      return PromiseReject(error);
    }
  }

  delete(key) {
    try {
      if (arguments.length < 1) throw missingArgument("delete", arguments.length);
      return kvHostAsync(kvHostOp, undefined, this.#binding, "delete", kvToString(key));
    } catch (error) {
      return PromiseReject(error);
    }
  }

  list(options = undefined) {
    try {
      let prefix = "";
      let limit;
      let cursor;
      if (options !== undefined && options !== null) {
        if (typeof options !== "object") throw new TypeError("KV list() options must be an object.");
        if (options.prefix !== undefined && options.prefix !== null) prefix = kvToString(options.prefix);
        if (options.limit !== undefined) limit = +options.limit;
        if (options.cursor !== undefined && options.cursor !== null) cursor = kvToString(options.cursor);
      }
      return kvHostAsync(kvHostOp, (json) => JSONParse(json), this.#binding, "list", prefix, limit, cursor);
    } catch (error) {
      return PromiseReject(error);
    }
  }
}
internals.webIDL.makeMembersEnumerable(KVNamespace.prototype);
internals.webIDL.setToStringTag(KVNamespace.prototype, "KVNamespace");

function missingArgument(method, given, needed = 1) {
  return new TypeError(
    `Failed to execute '${method}' on 'KVNamespace': ${needed} argument${needed === 1 ? "" : "s"} required, but only ${given} present.`);
}

internals.bindingFactories.kv_namespace = (index) => ObjectFreeze(new KVNamespace(kvKey, index));
