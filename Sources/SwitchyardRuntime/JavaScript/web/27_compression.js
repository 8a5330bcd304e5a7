// Switchyard runtime: CompressionStream and DecompressionStream (Compression Standard) over the
// zlib op of the shim (CV8/compression.cc): gzip, deflate (zlib wrapper) and deflate-raw.
//
// The op does a bounded amount of work per call and returns [output | undefined, consumed,
// more]; the loop below calls it until the chunk is consumed, so a large chunk or a
// decompression bomb never runs long in native code (the CPU limit lands between calls) and
// every output chunk is allocated against the isolate's memory limit.

const { TypeError, PromiseResolve, PromiseReject, PromisePrototypeThen } = internals.primordials;
const { toDOMString, exportInterface } = internals.webIDL;
const { createTransformStream, enqueueTransformed, chunkBytes, waitForPull } = internals.streams;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const TypedArraySubarray = internals.primordials.uncurryThis(TypedArrayPrototype.subarray);
const TypedArrayByteLength = internals.primordials.TypedArrayPrototypeGetByteLength;
const opsZlibCreate = ops.zlibCreate;
const opsZlibProcess = ops.zlibProcess;
const emptyBytes = new Uint8Array(0);

const formats = { __proto__: null, gzip: 0, deflate: 1, "deflate-raw": 2 };

function formatNumber(format, what) {
  const name = toDOMString(format);
  const number = formats[name];
  if (number === undefined) {
    throw new TypeError(`Failed to construct '${what}': The provided value '${name}' is not a valid enum value of type CompressionFormat.`);
  }
  return number;
}

// Feeds `bytes` to the zlib handle, enqueueing every output chunk on the transform. When the
// readable side has enough, waits for it to pull before going on, so a small compressed chunk
// that inflates to gigabytes is never held in memory at once. Returns a promise.
function run(handle, bytes, finish, ts) {
  const length = TypedArrayByteLength(bytes);
  let offset = 0;
  const loop = () => {
    for (;;) {
      const input = offset === 0 ? bytes : TypedArraySubarray(bytes, offset);
      const result = opsZlibProcess(handle, input, finish);
      const output = result[0];
      offset += result[1];
      if (output !== undefined) enqueueTransformed(ts.controller, output);
      if (offset >= length && !result[2]) return PromiseResolve(undefined);
      const wait = waitForPull(ts);
      if (wait !== undefined) return PromisePrototypeThen(wait, loop);
    }
  };
  try {
    return loop();
  } catch (error) {
    return PromiseReject(error);
  }
}

function newZlibTransform(decompress, format, what) {
  const handle = opsZlibCreate(decompress, format);
  let ts;
  const transform = (chunk) => {
    const bytes = chunkBytes(chunk);
    if (bytes === null) {
      return PromiseReject(new TypeError(`Failed to execute 'write' on '${what}': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.`));
    }
    return run(handle, bytes, false, ts);
  };
  const flush = () => run(handle, emptyBytes, true, ts);
  ts = createTransformStream(transform, flush, () => PromiseResolve(undefined));
  return ts;
}

// CompressionStream and DecompressionStream: one class shape, made twice.
function zlibStreamClass(name, decompress) {
  const holder = {
    [name]: class {
      #transform;

      constructor(format) {
        if (arguments.length < 1) throw new TypeError(`Failed to construct '${name}': 1 argument required, but only 0 present.`);
        this.#transform = newZlibTransform(decompress, formatNumber(format, name), name);
      }

      get readable() {
        return this.#transform.readable.object;
      }

      get writable() {
        return this.#transform.writable.object;
      }
    },
  };
  return holder[name];
}

exportInterface(zlibStreamClass("CompressionStream", false), "CompressionStream");
exportInterface(zlibStreamClass("DecompressionStream", true), "DecompressionStream");
