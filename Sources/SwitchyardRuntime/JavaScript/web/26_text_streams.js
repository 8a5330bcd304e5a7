// Switchyard runtime: TextEncoderStream and TextDecoderStream (Encoding Standard, "Interface
// mixin GenericTransformStream"), built on the TransformStream of 25_streams.js.

const { uncurryThis, StringPrototypeSlice, TypeError } = internals.primordials;
const { toDOMString, exportInterface } = internals.webIDL;
const { createTransformStream, enqueueTransformed, chunkBytes } = internals.streams;
const TextDecoder = internals.TextDecoder;
const TextDecoderPrototypeDecode = uncurryThis(TextDecoder.prototype.decode);
const TextDecoderPrototypeGetEncoding = uncurryThis(Object.getOwnPropertyDescriptor(TextDecoder.prototype, "encoding").get);
const TextDecoderPrototypeGetFatal = uncurryThis(Object.getOwnPropertyDescriptor(TextDecoder.prototype, "fatal").get);
const TextDecoderPrototypeGetIgnoreBOM = uncurryThis(Object.getOwnPropertyDescriptor(TextDecoder.prototype, "ignoreBOM").get);
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const PromiseResolve = internals.primordials.PromiseResolve;
const PromiseReject = internals.primordials.PromiseReject;
const opsUtf8Encode = ops.utf8Encode;

// TextDecodeOptions the decoder reads: no prototype, so `stream` is never looked up on
// Object.prototype.
const streamOptions = { __proto__: null, stream: true };

// Runs `fn` as a transform or flush algorithm: a promise, rejected when it throws.
function asPromise(fn) {
  try {
    fn();
    return PromiseResolve(undefined);
  } catch (error) {
    return PromiseReject(error);
  }
}

class TextEncoderStream {
  #transform;
  // A high surrogate that ended the last chunk, waiting for its pair.
  #pendingHighSurrogate = null;

  constructor() {
    const transform = (chunk) => asPromise(() => {
      let string = toDOMString(chunk);
      if (this.#pendingHighSurrogate !== null) {
        string = this.#pendingHighSurrogate + string;
        this.#pendingHighSurrogate = null;
      }
      const length = string.length;
      if (length > 0) {
        const last = StringPrototypeCharCodeAt(string, length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          this.#pendingHighSurrogate = StringPrototypeSlice(string, length - 1);
          string = StringPrototypeSlice(string, 0, length - 1);
        }
      }
      if (string.length > 0) enqueueTransformed(ts.controller, opsUtf8Encode(string));
    });
    const flush = () => asPromise(() => {
      if (this.#pendingHighSurrogate !== null) {
        this.#pendingHighSurrogate = null;
        enqueueTransformed(ts.controller, opsUtf8Encode("\ufffd"));
      }
    });
    const ts = createTransformStream(transform, flush, () => PromiseResolve(undefined));
    this.#transform = ts;
  }

  get encoding() {
    this.#transform; // brand check
    return "utf-8";
  }

  get readable() {
    return this.#transform.readable.object;
  }

  get writable() {
    return this.#transform.writable.object;
  }
}

class TextDecoderStream {
  #transform;
  #decoder;

  constructor(label = "utf-8", options = undefined) {
    const decoder = new TextDecoder(label, options);
    const transform = (chunk) => asPromise(() => {
      const bytes = chunkBytes(chunk);
      if (bytes === null) {
        throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
      }
      const text = TextDecoderPrototypeDecode(decoder, bytes, streamOptions);
      if (text.length > 0) enqueueTransformed(ts.controller, text);
    });
    const flush = () => asPromise(() => {
      const text = TextDecoderPrototypeDecode(decoder);
      if (text.length > 0) enqueueTransformed(ts.controller, text);
    });
    const ts = createTransformStream(transform, flush, () => PromiseResolve(undefined));
    this.#transform = ts;
    this.#decoder = decoder;
  }

  get encoding() {
    return TextDecoderPrototypeGetEncoding(this.#decoder);
  }

  get fatal() {
    return TextDecoderPrototypeGetFatal(this.#decoder);
  }

  get ignoreBOM() {
    return TextDecoderPrototypeGetIgnoreBOM(this.#decoder);
  }

  get readable() {
    return this.#transform.readable.object;
  }

  get writable() {
    return this.#transform.writable.object;
  }
}

exportInterface(TextEncoderStream, "TextEncoderStream");
exportInterface(TextDecoderStream, "TextDecoderStream");
