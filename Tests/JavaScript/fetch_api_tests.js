// Conformance tests for the runtime's 10_encoding.js and 30_fetch.js (TextEncoder, TextDecoder,
// atob, btoa, DOMException, Headers, Request, Response).
//
// Uses only ECMAScript built-ins plus the runtime's globals, so it runs in a bare V8 context:
// evaluate this file, then call runFetchAPITests(table), where `table` is the parsed
// shared/wpt/encodings-table.json. Pass the runtime's `internals` object as the optional second
// argument to also test the host glue (newRequestFromHost, responseToHost, ...).
// Resolves to { passed, failed, failures: ["name: reason", ...] }.
function runFetchAPITests(encodingsTable, hostInternals) {
  "use strict";

  const tests = [];
  const test = (name, fn) => {
    tests.push({ name, fn });
  };

  // ---- assertions ---------------------------------------------------------------------------

  const show = (value) => {
    try {
      if (typeof value === "string") return JSON.stringify(value);
      if (typeof value === "bigint") return `${value}n`;
      if (value instanceof Uint8Array) return `Uint8Array[${Array.prototype.join.call(value, ",")}]`;
      if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
      if (typeof value === "object" && value !== null) return Object.prototype.toString.call(value);
      return String(value);
    } catch {
      return "<unprintable>";
    }
  };

  function fail(message) {
    throw new Error(message);
  }

  function ok(condition, message = "expected a truthy value") {
    if (!condition) fail(message);
  }

  function eq(actual, expected, message = "") {
    if (!Object.is(actual, expected)) {
      fail(`${message ? `${message}: ` : ""}expected ${show(expected)}, got ${show(actual)}`);
    }
  }

  function deepEq(actual, expected, message = "") {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) fail(`${message ? `${message}: ` : ""}expected ${e}, got ${a}`);
  }

  function bytesEq(actual, expected, message = "") {
    ok(actual instanceof Uint8Array, `${message ? `${message}: ` : ""}expected a Uint8Array, got ${show(actual)}`);
    deepEq(Array.from(actual), expected, message);
  }

  function checkError(error, ErrorType, expectation, context) {
    if (!(error instanceof ErrorType)) {
      fail(`${context}: expected ${ErrorType.name}, got ${error && error.constructor ? error.constructor.name : typeof error}: ${error && error.message}`);
    }
    if (expectation === undefined) return;
    if (typeof expectation === "string") {
      if (!String(error.message).includes(expectation)) {
        fail(`${context}: expected message containing ${show(expectation)}, got ${show(error.message)}`);
      }
    } else if (expectation instanceof RegExp) {
      if (!expectation.test(String(error.message))) {
        fail(`${context}: expected message matching ${expectation}, got ${show(error.message)}`);
      }
    } else {
      for (const key of Object.keys(expectation)) {
        if (!Object.is(error[key], expectation[key])) {
          fail(`${context}: expected error.${key} ${show(expectation[key])}, got ${show(error[key])}`);
        }
      }
    }
  }

  function throws(fn, ErrorType, expectation, message = "expected an exception") {
    let threw = false;
    try {
      fn();
    } catch (error) {
      threw = true;
      checkError(error, ErrorType, expectation, message);
    }
    if (!threw) fail(`${message}: nothing was thrown (wanted ${ErrorType.name})`);
  }

  async function rejects(promiseOrFn, ErrorType, expectation, message = "expected a rejection") {
    let promise;
    try {
      promise = typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn;
    } catch (error) {
      fail(`${message}: threw synchronously (${error && error.message}) instead of returning a rejected promise`);
    }
    ok(promise instanceof Promise, `${message}: expected a Promise, got ${show(promise)}`);
    let rejected = false;
    try {
      await promise;
    } catch (error) {
      rejected = true;
      checkError(error, ErrorType, expectation, message);
    }
    if (!rejected) fail(`${message}: the promise fulfilled (wanted ${ErrorType.name})`);
  }

  const entriesOf = (headers) => Array.from(headers);
  const encode = (string) => new TextEncoder().encode(string);
  const BODY_USED = "Body has already been used";

  // ---- globals ------------------------------------------------------------------------------

  test("globals are defined, writable, configurable and non-enumerable", () => {
    for (const name of ["TextEncoder", "TextDecoder", "atob", "btoa", "DOMException", "Headers", "Request", "Response"]) {
      const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
      ok(descriptor !== undefined, `${name} is missing`);
      eq(typeof descriptor.value, "function", name);
      eq(descriptor.writable, true, `${name} writable`);
      eq(descriptor.enumerable, false, `${name} enumerable`);
      eq(descriptor.configurable, true, `${name} configurable`);
    }
  });

  test("classes have Web IDL-like prototypes", () => {
    const cases = [
      [TextEncoder, "TextEncoder", ["encode", "encodeInto", "encoding"]],
      [TextDecoder, "TextDecoder", ["decode", "encoding", "fatal", "ignoreBOM"]],
      [Headers, "Headers", ["append", "delete", "get", "getSetCookie", "has", "set", "forEach", "entries", "keys", "values"]],
      [Request, "Request", ["method", "url", "headers", "redirect", "cf", "body", "bodyUsed", "clone", "text", "json", "arrayBuffer", "bytes"]],
      [Response, "Response", ["type", "url", "redirected", "status", "ok", "statusText", "headers", "body", "bodyUsed", "clone", "text", "json", "arrayBuffer", "bytes"]],
    ];
    for (const [Class, tag, members] of cases) {
      eq(Class.prototype[Symbol.toStringTag], tag, `${tag} toStringTag`);
      for (const member of members) {
        const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, member);
        ok(descriptor !== undefined, `${tag}.prototype.${member} is missing`);
        eq(descriptor.enumerable, true, `${tag}.prototype.${member} enumerable`);
      }
    }
    eq(Object.prototype.toString.call(new Headers()), "[object Headers]");
    eq(Object.prototype.toString.call(new Request("https://example.com")), "[object Request]");
    eq(Object.prototype.toString.call(new Response()), "[object Response]");
    eq(Object.prototype.toString.call(new TextEncoder()), "[object TextEncoder]");
    eq(Object.prototype.toString.call(new TextDecoder()), "[object TextDecoder]");
    eq(Headers.length, 0, "Headers.length");
    eq(Request.length, 1, "Request.length");
    eq(Response.length, 0, "Response.length");
  });

  test("constructors require new", () => {
    throws(() => Headers(), TypeError);
    throws(() => Request("https://example.com"), TypeError);
    throws(() => Response(), TypeError);
    throws(() => TextEncoder(), TypeError);
    throws(() => TextDecoder(), TypeError);
  });

  test("methods and accessors check their receiver", () => {
    throws(() => Headers.prototype.get.call({}, "a"), TypeError);
    throws(() => Object.getOwnPropertyDescriptor(Request.prototype, "url").get.call({}), TypeError);
    throws(() => Object.getOwnPropertyDescriptor(Response.prototype, "status").get.call(Object.create(Response.prototype)), TypeError);
    throws(() => Object.getOwnPropertyDescriptor(TextDecoder.prototype, "encoding").get.call({}), TypeError);
    throws(() => TextEncoder.prototype.encode.call({}, "a"), TypeError);
  });

  test("body methods reject (not throw) on a wrong receiver", async () => {
    await rejects(() => Response.prototype.text.call({}), TypeError);
    await rejects(() => Request.prototype.arrayBuffer.call(new Response("x")), TypeError);
  });

  // ---- DOMException -------------------------------------------------------------------------

  test("DOMException defaults", () => {
    const error = new DOMException();
    eq(error.name, "Error");
    eq(error.message, "");
    eq(error.code, 0);
    ok(error instanceof DOMException);
    ok(error instanceof Error, "inherits from Error");
    eq(Object.prototype.toString.call(error), "[object DOMException]");
  });

  test("DOMException name, message and legacy code", () => {
    const error = new DOMException("bad input", "InvalidCharacterError");
    eq(error.name, "InvalidCharacterError");
    eq(error.message, "bad input");
    eq(error.code, 5);
    eq(String(error), "InvalidCharacterError: bad input");
    eq(new DOMException("x", "NotFoundError").code, 8);
    eq(new DOMException("x", "AbortError").code, 20);
    eq(new DOMException("x", "TimeoutError").code, 23);
    eq(new DOMException("x", "DataCloneError").code, 25);
    eq(new DOMException("x", "SyntaxError").code, 12);
    eq(new DOMException("x", "NotSupportedError").code, 9);
    eq(new DOMException("x", "InvalidStateError").code, 11);
    eq(new DOMException("x", "EncodingError").code, 0);
    eq(new DOMException("x", "SomethingElse").code, 0);
  });

  test("DOMException constants and options dictionary", () => {
    eq(DOMException.INVALID_CHARACTER_ERR, 5);
    eq(DOMException.INDEX_SIZE_ERR, 1);
    eq(DOMException.DATA_CLONE_ERR, 25);
    eq(DOMException.prototype.ABORT_ERR, 20);
    const cause = {};
    const error = new DOMException("stopped", { name: "AbortError", cause });
    eq(error.name, "AbortError");
    eq(error.code, 20);
    eq(error.cause, cause);
    ok(typeof error.stack === "string" || error.stack === undefined, "stack is a string when present");
    throws(() => Object.getOwnPropertyDescriptor(DOMException.prototype, "name").get.call({}), TypeError);
  });

  // ---- TextEncoder --------------------------------------------------------------------------

  test("TextEncoder.encoding and encode", () => {
    const encoder = new TextEncoder();
    eq(encoder.encoding, "utf-8");
    bytesEq(encoder.encode(), []);
    bytesEq(encoder.encode(""), []);
    bytesEq(encoder.encode(undefined), []);
    bytesEq(encoder.encode("abc"), [0x61, 0x62, 0x63]);
    bytesEq(encoder.encode("\u00e9\u20ac"), [0xc3, 0xa9, 0xe2, 0x82, 0xac]);
    bytesEq(encoder.encode("\ud83d\ude00"), [0xf0, 0x9f, 0x98, 0x80]);
    bytesEq(encoder.encode(123), [0x31, 0x32, 0x33]);
    bytesEq(encoder.encode(null), [0x6e, 0x75, 0x6c, 0x6c]);
  });

  test("TextEncoder.encode replaces lone surrogates with U+FFFD", () => {
    const encoder = new TextEncoder();
    bytesEq(encoder.encode("\ud800"), [0xef, 0xbf, 0xbd]);
    bytesEq(encoder.encode("a\udc00b"), [0x61, 0xef, 0xbf, 0xbd, 0x62]);
    bytesEq(encoder.encode("\ude00\ud83d"), [0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd]);
  });

  test("TextEncoder.encodeInto", () => {
    const encoder = new TextEncoder();
    const buffer = new Uint8Array(8);
    deepEq(encoder.encodeInto("ab\u20ac", buffer), { read: 3, written: 5 });
    bytesEq(buffer, [0x61, 0x62, 0xe2, 0x82, 0xac, 0, 0, 0]);
    const small = new Uint8Array(2);
    deepEq(encoder.encodeInto("a\u20ac", small), { read: 1, written: 1 }, "stops before a character that does not fit");
    const pair = new Uint8Array(4);
    deepEq(encoder.encodeInto("\ud83d\ude00", pair), { read: 2, written: 4 }, "surrogate pair reads two code units");
    deepEq(encoder.encodeInto("\ud83d\ude00", new Uint8Array(3)), { read: 0, written: 0 });
    const offset = new Uint8Array(6);
    deepEq(encoder.encodeInto("xy", offset.subarray(4)), { read: 2, written: 2 });
    bytesEq(offset, [0, 0, 0, 0, 0x78, 0x79]);
  });

  test("TextEncoder.encodeInto argument checks", () => {
    const encoder = new TextEncoder();
    throws(() => encoder.encodeInto("a", new Uint16Array(4)), TypeError);
    throws(() => encoder.encodeInto("a", new ArrayBuffer(4)), TypeError);
    throws(() => encoder.encodeInto("a", [0, 0]), TypeError);
    throws(() => encoder.encodeInto("a"), TypeError);
  });

  // ---- TextDecoder --------------------------------------------------------------------------

  test("TextDecoder defaults", () => {
    const decoder = new TextDecoder();
    eq(decoder.encoding, "utf-8");
    eq(decoder.fatal, false);
    eq(decoder.ignoreBOM, false);
    eq(decoder.decode(), "");
    eq(new TextDecoder(undefined).encoding, "utf-8");
  });

  test("TextDecoder options", () => {
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    eq(decoder.fatal, true);
    eq(decoder.ignoreBOM, true);
    eq(new TextDecoder("utf-8", {}).fatal, false);
    eq(new TextDecoder("utf-8", null).fatal, false);
    eq(new TextDecoder("utf-8", { fatal: 1 }).fatal, true);
    throws(() => new TextDecoder("utf-8", 5), TypeError);
    throws(() => new TextDecoder("utf-8", "fatal"), TypeError);
  });

  test("TextDecoder labels from the Encoding Standard table", () => {
    let checked = 0;
    for (const group of encodingsTable) {
      for (const encoding of group.encodings) {
        for (const label of encoding.labels) {
          checked++;
          if (encoding.name === "utf-8" || encoding.name === "utf-16le") {
            eq(new TextDecoder(label).encoding, encoding.name, `label ${label}`);
            eq(new TextDecoder(` \t${label.toUpperCase()}\n\f\r`).encoding, encoding.name, `label ${label} with whitespace and upper case`);
          } else {
            throws(() => new TextDecoder(label), RangeError, label, `label ${label}`);
          }
        }
      }
    }
    ok(checked > 200, `expected more than 200 labels, saw ${checked}`);
  });

  test("TextDecoder rejects unknown labels with a RangeError naming the label", () => {
    throws(() => new TextDecoder("klingon"), RangeError, "klingon");
    throws(() => new TextDecoder(""), RangeError);
    throws(() => new TextDecoder("utf-8\u0000"), RangeError);
    throws(() => new TextDecoder("utf\u20138"), RangeError);
    throws(() => new TextDecoder("\u212atf-8"), RangeError, undefined, "non-ASCII lowercasing must not apply");
    throws(() => new TextDecoder("utf-16be"), RangeError, "utf-16be");
    throws(() => new TextDecoder("replacement"), RangeError);
    throws(() => new TextDecoder("iso-2022-kr"), RangeError, "iso-2022-kr");
    throws(() => new TextDecoder(null), RangeError, "null");
  });

  test("TextDecoder.decode accepts every BufferSource", () => {
    const decoder = new TextDecoder();
    const bytes = encode("h\u00e9llo");
    eq(decoder.decode(bytes), "h\u00e9llo", "Uint8Array");
    eq(decoder.decode(bytes.buffer), "h\u00e9llo", "ArrayBuffer");
    eq(decoder.decode(new DataView(bytes.buffer)), "h\u00e9llo", "DataView");
    eq(decoder.decode(new Uint8Array([0, 0x61, 0x62, 0]).subarray(1, 3)), "ab", "Uint8Array view with offset");
    eq(decoder.decode(new Uint16Array(new Uint8Array([0x61, 0x62, 0x63, 0x64]).buffer, 2, 1)), "cd", "Uint16Array with offset");
    eq(decoder.decode(new DataView(new Uint8Array([0x61, 0x62, 0x63]).buffer, 1, 2)), "bc", "DataView with offset");
    eq(decoder.decode(new Uint8Array(0)), "");
  });

  test("TextDecoder.decode rejects non-BufferSource input", () => {
    const decoder = new TextDecoder();
    throws(() => decoder.decode("abc"), TypeError);
    throws(() => decoder.decode([0x61]), TypeError);
    throws(() => decoder.decode(null), TypeError);
    throws(() => decoder.decode(42), TypeError);
    throws(() => decoder.decode(new Uint8Array(1), 5), TypeError, undefined, "non-dictionary options");
  });

  test("TextDecoder BOM handling", () => {
    const bom = [0xef, 0xbb, 0xbf];
    eq(new TextDecoder().decode(new Uint8Array([...bom, 0x61])), "a", "BOM removed");
    eq(new TextDecoder().decode(new Uint8Array([...bom, ...bom, 0x61])), "\ufeffa", "only the first BOM");
    eq(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([...bom, 0x61])), "\ufeffa", "ignoreBOM keeps it");
    eq(new TextDecoder().decode(new Uint8Array([0x61, ...bom])), "a\ufeff", "BOM not at the start is kept");
  });

  test("TextDecoder replacement and fatal modes", () => {
    eq(new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62])), "a\ufffdb");
    eq(new TextDecoder().decode(new Uint8Array([0xc3])), "\ufffd", "truncated sequence at the end");
    eq(new TextDecoder().decode(new Uint8Array([0xed, 0xa0, 0x80])), "\ufffd\ufffd\ufffd", "encoded surrogate");
    eq(new TextDecoder().decode(new Uint8Array([0xf0, 0x9f, 0x41])), "\ufffdA", "maximal subpart");
    throws(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0x61, 0xff])), TypeError);
    throws(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xe2, 0x82])), TypeError);
    eq(new TextDecoder("utf-8", { fatal: true }).decode(encode("fine \u20ac")), "fine \u20ac");
  });

  test("TextDecoder stream: multi-byte characters split across calls", () => {
    const decoder = new TextDecoder();
    eq(decoder.decode(new Uint8Array([0x61, 0xe2]), { stream: true }), "a");
    eq(decoder.decode(new Uint8Array([0x82]), { stream: true }), "");
    eq(decoder.decode(new Uint8Array([0xac, 0x62]), { stream: true }), "\u20acb");
    eq(decoder.decode(), "");
    const emoji = [0xf0, 0x9f, 0x98, 0x80];
    for (let split = 1; split < 4; split++) {
      const d = new TextDecoder();
      const first = d.decode(new Uint8Array(emoji.slice(0, split)), { stream: true });
      const second = d.decode(new Uint8Array(emoji.slice(split)));
      eq(first + second, "\ud83d\ude00", `split at ${split}`);
      eq(first, "", `nothing before the character is complete (split ${split})`);
    }
  });

  test("TextDecoder stream: incomplete sequence flushed as U+FFFD at the end", () => {
    const decoder = new TextDecoder();
    eq(decoder.decode(new Uint8Array([0x61, 0xf0, 0x9f]), { stream: true }), "a");
    eq(decoder.decode(), "\ufffd");
    eq(decoder.decode(new Uint8Array([0x62])), "b", "state is reset after the flush");
    const fatal = new TextDecoder("utf-8", { fatal: true });
    eq(fatal.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), "");
    throws(() => fatal.decode(), TypeError, undefined, "fatal flush of an incomplete sequence");
    eq(fatal.decode(new Uint8Array([0x63])), "c", "usable after a fatal error");
  });

  test("TextDecoder stream: invalid prefixes are reported at once", () => {
    const decoder = new TextDecoder();
    eq(decoder.decode(new Uint8Array([0xe0, 0x80]), { stream: true }), "\ufffd\ufffd");
    eq(decoder.decode(new Uint8Array([0xff]), { stream: true }), "\ufffd");
    eq(decoder.decode(new Uint8Array([0x80]), { stream: true }), "\ufffd");
    eq(decoder.decode(new Uint8Array([0xf4, 0x90]), { stream: true }), "\ufffd\ufffd");
    eq(decoder.decode(), "");
  });

  test("TextDecoder stream: BOM only at the start of the stream", () => {
    const decoder = new TextDecoder();
    eq(decoder.decode(new Uint8Array([0xef]), { stream: true }), "");
    eq(decoder.decode(new Uint8Array([0xbb]), { stream: true }), "");
    eq(decoder.decode(new Uint8Array([0xbf, 0x61]), { stream: true }), "a", "split BOM removed");
    eq(decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf]), { stream: true }), "\ufeff", "later BOM kept");
    eq(decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x62])), "\ufeffb", "still the same stream");
    eq(decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x63])), "c", "new stream after a non-stream call");
    const ignoring = new TextDecoder("utf-8", { ignoreBOM: true });
    eq(ignoring.decode(new Uint8Array([0xef, 0xbb]), { stream: true }), "");
    eq(ignoring.decode(new Uint8Array([0xbf])), "\ufeff");
  });

  test("TextDecoder stream: every two-way and three-way split matches a one-shot decode", () => {
    const bytes = Array.from(encode("a\u00e9\u20ac\ud83d\ude00z")).concat([0xf0, 0x9f, 0x41, 0xc3, 0xff, 0xed, 0xa0, 0x80, 0xe2, 0x82]);
    const expected = new TextDecoder().decode(new Uint8Array(bytes));
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const decoder = new TextDecoder();
        const out = decoder.decode(new Uint8Array(bytes.slice(0, i)), { stream: true })
          + decoder.decode(new Uint8Array(bytes.slice(i, j)), { stream: true })
          + decoder.decode(new Uint8Array(bytes.slice(j)));
        if (out !== expected) fail(`split ${i}/${j}: expected ${show(expected)}, got ${show(out)}`);
      }
    }
    const valid = Array.from(encode("x\u00e9\u20ac\ud83d\ude00\ud83d\ude00y"));
    for (let i = 0; i <= valid.length; i++) {
      const decoder = new TextDecoder("utf-8", { fatal: true });
      const out = decoder.decode(new Uint8Array(valid.slice(0, i)), { stream: true })
        + decoder.decode(new Uint8Array(valid.slice(i)));
      eq(out, "x\u00e9\u20ac\ud83d\ude00\ud83d\ude00y", `fatal split ${i}`);
    }
  });

  test("TextDecoder stream: the caller's buffer may be reused", () => {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array([0x61, 0xe2, 0x82]);
    eq(decoder.decode(buffer, { stream: true }), "a");
    buffer.set([0xac, 0x62, 0x63]);
    eq(decoder.decode(buffer), "\u20acbc");
  });

  test("TextDecoder utf-16le", () => {
    const decoder = new TextDecoder("utf-16le");
    eq(decoder.encoding, "utf-16le");
    eq(new TextDecoder("utf-16").encoding, "utf-16le");
    eq(decoder.decode(new Uint8Array([0x61, 0x00, 0x62, 0x00])), "ab");
    eq(decoder.decode(new Uint8Array([0xac, 0x20])), "\u20ac");
    eq(decoder.decode(new Uint8Array([0x3d, 0xd8, 0x00, 0xde])), "\ud83d\ude00", "surrogate pair");
    eq(decoder.decode(new Uint8Array([0xff, 0xfe, 0x61, 0x00])), "a", "BOM removed");
    eq(new TextDecoder("utf-16le", { ignoreBOM: true }).decode(new Uint8Array([0xff, 0xfe, 0x61, 0x00])), "\ufeffa");
    eq(decoder.decode(new Uint16Array([0x68, 0x69])), "hi", "Uint16Array input");
    eq(decoder.decode(new Uint8Array(0)), "");
  });

  test("TextDecoder utf-16le errors", () => {
    const decoder = new TextDecoder("utf-16le");
    eq(decoder.decode(new Uint8Array([0x61, 0x00, 0x62])), "a\ufffd", "odd trailing byte");
    eq(decoder.decode(new Uint8Array([0x3d, 0xd8])), "\ufffd", "lone lead surrogate at the end");
    eq(decoder.decode(new Uint8Array([0x00, 0xde, 0x61, 0x00])), "\ufffda", "lone trail surrogate");
    eq(decoder.decode(new Uint8Array([0x3d, 0xd8, 0x61, 0x00])), "\ufffda", "lead surrogate followed by a non-surrogate");
    eq(decoder.decode(new Uint8Array([0x3d, 0xd8, 0x3d, 0xd8, 0x00, 0xde])), "\ufffd\ud83d\ude00", "lead surrogate followed by a pair");
    const fatal = new TextDecoder("utf-16le", { fatal: true });
    throws(() => fatal.decode(new Uint8Array([0x61])), TypeError);
    throws(() => fatal.decode(new Uint8Array([0x00, 0xdc])), TypeError);
    throws(() => fatal.decode(new Uint8Array([0x00, 0xd8, 0x61, 0x00])), TypeError);
    eq(fatal.decode(new Uint8Array([0x61, 0x00])), "a", "usable after a fatal error");
  });

  test("TextDecoder utf-16le streaming", () => {
    const decoder = new TextDecoder("utf-16le");
    eq(decoder.decode(new Uint8Array([0xff]), { stream: true }), "");
    eq(decoder.decode(new Uint8Array([0xfe, 0x61]), { stream: true }), "", "BOM split in two chunks");
    eq(decoder.decode(new Uint8Array([0x00, 0x3d, 0xd8]), { stream: true }), "a");
    eq(decoder.decode(new Uint8Array([0x00]), { stream: true }), "");
    eq(decoder.decode(new Uint8Array([0xde])), "\ud83d\ude00");
    eq(decoder.decode(new Uint8Array([0x3d, 0xd8]), { stream: true }), "");
    eq(decoder.decode(), "\ufffd", "flush of a pending lead surrogate");
    const bytes = [0xff, 0xfe, 0x61, 0x00, 0x3d, 0xd8, 0x00, 0xde, 0xac, 0x20, 0x00, 0xdc, 0x62];
    const expected = new TextDecoder("utf-16le").decode(new Uint8Array(bytes));
    eq(expected, "a\ud83d\ude00\u20ac\ufffd\ufffd");
    for (let i = 0; i <= bytes.length; i++) {
      const d = new TextDecoder("utf-16le");
      const out = d.decode(new Uint8Array(bytes.slice(0, i)), { stream: true }) + d.decode(new Uint8Array(bytes.slice(i)));
      eq(out, expected, `split ${i}`);
    }
  });

  // ---- atob / btoa --------------------------------------------------------------------------

  test("btoa", () => {
    eq(btoa(""), "");
    eq(btoa("f"), "Zg==");
    eq(btoa("fo"), "Zm8=");
    eq(btoa("foo"), "Zm9v");
    eq(btoa("foob"), "Zm9vYg==");
    eq(btoa("foobar"), "Zm9vYmFy");
    eq(btoa("\u00ff\u00fe\u0000"), "//4A");
    eq(btoa(null), "bnVsbA==");
    eq(btoa(12), "MTI=");
  });

  test("btoa rejects characters above U+00FF with InvalidCharacterError", () => {
    throws(() => btoa("\u20ac"), DOMException, { name: "InvalidCharacterError", code: 5 });
    throws(() => btoa("abc\u0100"), DOMException, { name: "InvalidCharacterError", code: 5 });
    throws(() => btoa("\ud83d\ude00"), DOMException, { name: "InvalidCharacterError" });
    let error;
    try {
      btoa("\u0100");
    } catch (e) {
      error = e;
    }
    ok(error instanceof Error, "DOMException is an Error");
    ok(error.message.length > 0, "has a message");
    throws(() => btoa(), TypeError);
  });

  test("atob", () => {
    eq(atob(""), "");
    eq(atob("Zg=="), "f");
    eq(atob("Zg"), "f");
    eq(atob("Zm8="), "fo");
    eq(atob("Zm8"), "fo");
    eq(atob("Zm9v"), "foo");
    eq(atob("Zm9vYmFy"), "foobar");
    eq(atob("Zh=="), "f", "non-zero trailing bits are discarded");
    eq(atob("//4A"), "\u00ff\u00fe\u0000");
    eq(atob(null), "\u009e\u00e9e", "null becomes the string 'null'");
    eq(atob(" Z\tm\n9\fv\r "), "foo", "ASCII whitespace anywhere is ignored");
    eq(atob("Zg =="), "f");
    eq(atob("Zg= ="), "f");
  });

  test("atob rejects invalid input with InvalidCharacterError", () => {
    const invalid = ["Z", "Zg=", "Zg===", "=", "==", "====", "Zm9v=", "Zm9vZ", "Z===", "Zg=a", "=Zg=", "Zm9v\u00a0",
      "Zm\u000b9v", "Zm9v*", "Zm9v-_", "\u0100Zg=", "ab\u00e9=", undefined];
    for (const input of invalid) {
      throws(() => atob(input), DOMException, { name: "InvalidCharacterError", code: 5 }, `atob(${show(input)})`);
    }
    throws(() => atob(), TypeError);
  });

  test("atob and btoa round-trip every byte", () => {
    let binary = "";
    for (let i = 0; i < 256; i++) binary += String.fromCharCode(i);
    for (let length = 0; length <= 256; length += 17) {
      const part = binary.slice(0, length);
      eq(atob(btoa(part)), part, `length ${length}`);
    }
    const large = binary.repeat(100);
    eq(atob(btoa(large)), large, "25600 bytes");
  });

  // ---- Headers ------------------------------------------------------------------------------

  test("Headers constructor: empty and from a record", () => {
    deepEq(entriesOf(new Headers()), []);
    deepEq(entriesOf(new Headers(undefined)), []);
    const headers = new Headers({ "Content-Type": "text/html", "X-B": " 2 ", "x-a": "1" });
    deepEq(entriesOf(headers), [["content-type", "text/html"], ["x-a", "1"], ["x-b", "2"]]);
    const withSymbol = { a: "1", [Symbol("s")]: "2" };
    Object.defineProperty(withSymbol, "hidden", { value: "3", enumerable: false });
    deepEq(entriesOf(new Headers(withSymbol)), [["a", "1"]], "symbols and non-enumerable keys skipped");
  });

  test("Headers constructor: from pairs, iterables and Headers", () => {
    const headers = new Headers([["A", "1"], ["b", "2"], ["a", "3"]]);
    eq(headers.get("a"), "1, 3");
    const fromMap = new Headers(new Map([["x", "y"]]));
    eq(fromMap.get("x"), "y");
    const copy = new Headers(headers);
    copy.append("c", "4");
    eq(headers.has("c"), false, "copy is independent");
    eq(copy.get("a"), "1, 3");
    function* generator() {
      yield ["g", "1"];
      yield new Set(["h", "2"]);
    }
    const fromGenerator = new Headers(generator());
    deepEq(entriesOf(fromGenerator), [["g", "1"], ["h", "2"]]);
  });

  test("Headers constructor: invalid init", () => {
    throws(() => new Headers([["a"]]), TypeError, undefined, "pair of one");
    throws(() => new Headers([["a", "b", "c"]]), TypeError, undefined, "pair of three");
    throws(() => new Headers(["ab"]), TypeError, undefined, "string item");
    throws(() => new Headers([1]), TypeError, undefined, "number item");
    throws(() => new Headers(null), TypeError);
    throws(() => new Headers(5), TypeError);
    throws(() => new Headers("a: b"), TypeError);
    throws(() => new Headers({ "bad name": "x" }), TypeError);
    throws(() => new Headers({ a: "x\ny" }), TypeError);
    throws(() => new Headers([["a", "\u0100"]]), TypeError);
    throws(() => new Headers({ [Symbol.iterator]: 5 }), TypeError);
  });

  test("Headers get/has are case-insensitive; get returns null when absent", () => {
    const headers = new Headers({ "Content-Type": "text/plain" });
    eq(headers.get("content-type"), "text/plain");
    eq(headers.get("CONTENT-TYPE"), "text/plain");
    eq(headers.has("Content-type"), true);
    eq(headers.has("x"), false);
    eq(headers.get("x"), null);
  });

  test("Headers append combines duplicates with ', '", () => {
    const headers = new Headers();
    headers.append("Accept", "text/html");
    headers.append("accept", "application/json");
    headers.append("ACCEPT", "");
    eq(headers.get("accept"), "text/html, application/json, ");
    deepEq(entriesOf(headers), [["accept", "text/html, application/json, "]]);
  });

  test("Headers set replaces every value, delete removes every value", () => {
    const headers = new Headers([["a", "1"], ["b", "2"], ["A", "3"]]);
    headers.set("A", "9");
    eq(headers.get("a"), "9");
    deepEq(entriesOf(headers), [["a", "9"], ["b", "2"]]);
    headers.set("c", "3");
    eq(headers.get("c"), "3");
    headers.append("b", "4");
    headers.delete("B");
    eq(headers.has("b"), false);
    eq(headers.get("b"), null);
    headers.delete("not-there");
    deepEq(entriesOf(headers), [["a", "9"], ["c", "3"]]);
  });

  test("Headers Set-Cookie handling", () => {
    const headers = new Headers();
    headers.append("Set-Cookie", "a=1");
    headers.append("set-cookie", "b=2; Path=/");
    headers.append("X", "y");
    deepEq(headers.getSetCookie(), ["a=1", "b=2; Path=/"]);
    eq(headers.get("set-cookie"), "a=1, b=2; Path=/");
    deepEq(entriesOf(headers), [["set-cookie", "a=1"], ["set-cookie", "b=2; Path=/"], ["x", "y"]]);
    deepEq(new Headers().getSetCookie(), []);
    headers.set("set-cookie", "c=3");
    deepEq(headers.getSetCookie(), ["c=3"]);
  });

  test("Headers iteration is sorted by lowercased name", () => {
    const headers = new Headers();
    headers.append("Zeta", "1");
    headers.append("alpha", "2");
    headers.append("Beta", "3");
    headers.append("ALPHA", "4");
    headers.append("a-b", "5");
    deepEq(entriesOf(headers), [["a-b", "5"], ["alpha", "2, 4"], ["beta", "3"], ["zeta", "1"]]);
    deepEq(Array.from(headers.keys()), ["a-b", "alpha", "beta", "zeta"]);
    deepEq(Array.from(headers.values()), ["5", "2, 4", "3", "1"]);
    deepEq(Array.from(headers.entries()), entriesOf(headers));
    eq(Headers.prototype[Symbol.iterator], Headers.prototype.entries, "@@iterator is entries");
    const collected = [];
    for (const [name, value] of headers) collected.push(`${name}=${value}`);
    deepEq(collected, ["a-b=5", "alpha=2, 4", "beta=3", "zeta=1"]);
  });

  test("Headers iterator objects", () => {
    const headers = new Headers({ a: "1" });
    const iterator = headers.entries();
    eq(Object.prototype.toString.call(iterator), "[object Headers Iterator]");
    const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
    eq(Object.getPrototypeOf(Object.getPrototypeOf(iterator)), IteratorPrototype, "inherits %IteratorPrototype%");
    eq(iterator[Symbol.iterator](), iterator);
    deepEq(iterator.next(), { value: ["a", "1"], done: false });
    deepEq(iterator.next(), { done: true });
    eq(iterator.next().value, undefined);
    throws(() => Object.getPrototypeOf(iterator).next.call({}), TypeError);
  });

  test("Headers iteration sees changes made while iterating", () => {
    const headers = new Headers({ b: "1" });
    const seen = [];
    for (const [name] of headers) {
      seen.push(name);
      if (name === "b") headers.append("c", "2");
    }
    deepEq(seen, ["b", "c"]);
  });

  test("Headers iteration after each kind of change", () => {
    const headers = new Headers({ b: "1", a: "2" });
    deepEq(entriesOf(headers), [["a", "2"], ["b", "1"]]);
    headers.append("c", "3");
    deepEq(entriesOf(headers), [["a", "2"], ["b", "1"], ["c", "3"]], "after append");
    headers.set("a", "4");
    deepEq(entriesOf(headers), [["a", "4"], ["b", "1"], ["c", "3"]], "after set");
    headers.delete("b");
    deepEq(entriesOf(headers), [["a", "4"], ["c", "3"]], "after delete");
    const request = new Request("https://example.com", { method: "POST", headers });
    deepEq(entriesOf(request.headers), [["a", "4"], ["c", "3"]]);
    request.headers.append("b", "5");
    deepEq(entriesOf(request.headers), [["a", "4"], ["b", "5"], ["c", "3"]]);
    const response = new Response("x", { headers: request.headers });
    deepEq(entriesOf(response.headers), [["a", "4"], ["b", "5"], ["c", "3"], ["content-type", "text/plain;charset=UTF-8"]]);
  });

  test("Headers forEach", () => {
    const headers = new Headers({ B: "2", a: "1" });
    const calls = [];
    const thisArg = {};
    headers.forEach(function (value, name, object) {
      calls.push([value, name, object === headers, this === thisArg]);
    }, thisArg);
    deepEq(calls, [["1", "a", true, true], ["2", "b", true, true]]);
    throws(() => headers.forEach(), TypeError);
    throws(() => headers.forEach("nope"), TypeError);
    const seen = [];
    headers.forEach((value, name) => {
      seen.push(name);
      if (name === "a") headers.append("c", "3");
    });
    deepEq(seen, ["a", "b", "c"], "forEach sees headers added while it runs");
  });

  test("Headers name validation", () => {
    const invalidNames = ["", "a b", "a:b", "a\tb", "\u00fc", "a\n", "(x)", "a/b", "a\"", "\u0100", "a@b", "[x]"];
    for (const name of invalidNames) {
      const headers = new Headers();
      throws(() => headers.append(name, "v"), TypeError, undefined, `append(${show(name)})`);
      throws(() => headers.set(name, "v"), TypeError, undefined, `set(${show(name)})`);
      throws(() => headers.get(name), TypeError, undefined, `get(${show(name)})`);
      throws(() => headers.has(name), TypeError, undefined, `has(${show(name)})`);
      throws(() => headers.delete(name), TypeError, undefined, `delete(${show(name)})`);
    }
    const headers = new Headers();
    headers.append("!#$%&'*+-.^_`|~09azAZ", "ok");
    eq(headers.get("!#$%&'*+-.^_`|~09AZaz"), "ok", "every token character");
  });

  test("Headers value validation and normalisation", () => {
    const headers = new Headers();
    for (const value of ["a\nb", "a\rb", "a\u0000b", "\u0100", "\u20ac", " a\n b "]) {
      throws(() => headers.append("x", value), TypeError, undefined, `append value ${show(value)}`);
      throws(() => headers.set("x", value), TypeError, undefined, `set value ${show(value)}`);
    }
    headers.append("a", " \t padded \t ");
    eq(headers.get("a"), "padded", "leading and trailing whitespace stripped");
    headers.set("b", "\n\r inner  space \r\n");
    eq(headers.get("b"), "inner  space", "CR/LF at the ends are whitespace; inner whitespace kept");
    headers.set("c", "\u00ff\u0080 obs-text");
    eq(headers.get("c"), "\u00ff\u0080 obs-text", "obs-text allowed");
    headers.set("d", 42);
    eq(headers.get("d"), "42", "values are converted to strings");
    headers.set("f", "\r\n");
    eq(headers.get("f"), "", "a value of only whitespace becomes empty");
    headers.set("e", "a\u0001b");
    eq(headers.get("e"), "a\u0001b", "other control characters are allowed");
  });

  test("Headers methods require their arguments", () => {
    const headers = new Headers();
    throws(() => headers.append("a"), TypeError);
    throws(() => headers.set("a"), TypeError);
    throws(() => headers.get(), TypeError);
    throws(() => headers.has(), TypeError);
    throws(() => headers.delete(), TypeError);
  });

  test("immutable Headers (Response.error, Response.redirect)", () => {
    for (const headers of [Response.error().headers, Response.redirect("https://example.com/").headers]) {
      throws(() => headers.append("a", "b"), TypeError, "immutable");
      throws(() => headers.set("a", "b"), TypeError, "immutable");
      throws(() => headers.delete("location"), TypeError, "immutable");
      throws(() => headers.set("bad name", "b"), TypeError, "Invalid header name", "validation happens first");
    }
    const copy = new Headers(Response.redirect("https://example.com/").headers);
    copy.set("a", "b");
    eq(copy.get("a"), "b", "a copy is mutable");
  });

  // ---- Request ------------------------------------------------------------------------------

  test("Request defaults", async () => {
    const request = new Request("https://example.com");
    eq(request.url, "https://example.com/");
    eq(request.method, "GET");
    eq(request.redirect, "follow");
    eq(request.bodyUsed, false);
    eq(request.body, null);
    eq(request.cf, undefined);
    ok(request.headers instanceof Headers);
    deepEq(entriesOf(request.headers), []);
    eq(request.headers, request.headers, "same Headers object each time");
    eq(await request.text(), "");
    eq(request.bodyUsed, false, "reading a null body does not use it");
    eq(await request.text(), "", "a null body can be read again");
  });

  test("Request URL parsing", () => {
    eq(new Request("HTTPS://EXAMPLE.com:443/a/../b?x#frag").url, "https://example.com/b?x#frag");
    eq(new Request(new URL("https://example.com/p?q=1")).url, "https://example.com/p?q=1", "URL object");
    eq(new Request({ toString: () => "https://example.org/" }).url, "https://example.org/", "stringified input");
    throws(() => new Request("/relative"), TypeError, undefined, "relative URL without base");
    throws(() => new Request("example.com"), TypeError);
    throws(() => new Request("http://"), TypeError);
    throws(() => new Request("https://user:pass@example.com/"), TypeError, "credentials");
    throws(() => new Request(), TypeError);
  });

  test("Request method normalisation", () => {
    const cases = [["get", "GET"], ["head", "HEAD"], ["post", "POST"], ["put", "PUT"], ["delete", "DELETE"],
      ["options", "OPTIONS"], ["patch", "PATCH"], ["pOsT", "POST"], ["GET", "GET"], ["Foo", "Foo"], ["custom", "custom"],
      ["PROPFIND", "PROPFIND"]];
    for (const [input, expected] of cases) {
      eq(new Request("https://example.com", { method: input }).method, expected, input);
    }
    for (const bad of ["", "bad method", "GET\n", "\u00e9", "a,b"]) {
      throws(() => new Request("https://example.com", { method: bad }), TypeError, undefined, `method ${show(bad)}`);
    }
    for (const forbidden of ["CONNECT", "trace", "Track"]) {
      throws(() => new Request("https://example.com", { method: forbidden }), TypeError, undefined, `method ${forbidden}`);
    }
  });

  test("Request init checks", () => {
    throws(() => new Request("https://example.com", 5), TypeError);
    throws(() => new Request("https://example.com", { redirect: "bogus" }), TypeError);
    eq(new Request("https://example.com", { redirect: "manual" }).redirect, "manual");
    eq(new Request("https://example.com", { redirect: "error" }).redirect, "error");
    eq(new Request("https://example.com", null).method, "GET");
  });

  test("Request GET/HEAD with a body is a TypeError", () => {
    throws(() => new Request("https://example.com", { body: "x" }), TypeError, "GET/HEAD");
    throws(() => new Request("https://example.com", { method: "HEAD", body: "x" }), TypeError);
    throws(() => new Request("https://example.com", { method: "get", body: new Uint8Array(1) }), TypeError);
    eq(new Request("https://example.com", { body: null }).body, null);
    eq(new Request("https://example.com", { body: undefined }).body, null);
    const post = new Request("https://example.com", { method: "POST", body: "x" });
    throws(() => new Request(post, { method: "GET" }), TypeError, undefined, "inherited body with GET");
  });

  test("Request string body", async () => {
    const request = new Request("https://example.com", { method: "POST", body: "h\u00e9llo" });
    eq(request.headers.get("content-type"), "text/plain;charset=UTF-8");
    eq(request.bodyUsed, false);
    eq(await request.text(), "h\u00e9llo");
    eq(request.bodyUsed, true);
    await rejects(request.text(), TypeError, BODY_USED, "second read");
    await rejects(request.arrayBuffer(), TypeError, BODY_USED);
  });

  test("Request explicit Content-Type is kept", async () => {
    const request = new Request("https://example.com", {
      method: "POST", body: "{}", headers: { "Content-Type": "application/json" },
    });
    eq(request.headers.get("content-type"), "application/json");
    deepEq(await request.json(), {});
  });

  test("Request body from ArrayBuffer and views (copied at construction)", async () => {
    const source = new Uint8Array([1, 2, 3, 4]);
    const fromBuffer = new Request("https://example.com", { method: "PUT", body: source.buffer });
    const fromView = new Request("https://example.com", { method: "PUT", body: source.subarray(1, 3) });
    const fromDataView = new Request("https://example.com", { method: "PUT", body: new DataView(source.buffer, 2) });
    const fromInt16 = new Request("https://example.com", { method: "PUT", body: new Int16Array([0x0201]) });
    source.fill(9);
    bytesEq(await fromBuffer.bytes(), [1, 2, 3, 4], "ArrayBuffer");
    bytesEq(await fromView.bytes(), [2, 3], "Uint8Array subarray");
    bytesEq(await fromDataView.bytes(), [3, 4], "DataView");
    bytesEq(new Uint8Array(await fromInt16.arrayBuffer()), [1, 2], "Int16Array");
    eq(fromBuffer.headers.get("content-type"), null, "no content type for bytes");
  });

  test("Request body from URLSearchParams", async () => {
    const request = new Request("https://example.com", { method: "POST", body: new URLSearchParams({ a: "1", b: "x y" }) });
    eq(request.headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
    eq(await request.text(), "a=1&b=x+y");
  });

  test("Request body from another object is its string form", async () => {
    const request = new Request("https://example.com", { method: "POST", body: { toString: () => "custom" } });
    eq(request.headers.get("content-type"), "text/plain;charset=UTF-8");
    eq(await request.text(), "custom");
  });

  test("Request body readers return the right types", async () => {
    const make = () => new Request("https://example.com", { method: "POST", body: '{"a":[1,2]}' });
    deepEq(await make().json(), { a: [1, 2] });
    const buffer = await make().arrayBuffer();
    ok(buffer instanceof ArrayBuffer, "arrayBuffer() gives an ArrayBuffer");
    eq(buffer.byteLength, 11);
    const bytes = await make().bytes();
    ok(bytes instanceof Uint8Array, "bytes() gives a Uint8Array");
    eq(bytes.length, 11);
    eq(bytes.byteLength, bytes.buffer.byteLength, "bytes() owns its whole buffer");
    await rejects(new Request("https://example.com", { method: "POST", body: "{" }).json(), SyntaxError);
  });

  test("Request.body stream", () => {
    const request = new Request("https://example.com", { method: "POST", body: "x" });
    const body = request.body;
    ok(body instanceof ReadableStream, "a ReadableStream when there is a body");
    eq(request.body, body, "same object each time");
    body.getReader();
    eq(body.locked, true);
    eq(request.bodyUsed, false, "locking the stream does not use the body");
  });

  test("Request from a Request", async () => {
    const original = new Request("https://example.com/a", {
      method: "POST", body: "payload", headers: { "X-A": "1" }, redirect: "manual", cf: { colo: "AMS" },
    });
    const copy = new Request(original);
    eq(copy.url, "https://example.com/a");
    eq(copy.method, "POST");
    eq(copy.redirect, "manual");
    eq(copy.cf, original.cf);
    eq(copy.headers.get("x-a"), "1");
    copy.headers.set("x-a", "2");
    eq(original.headers.get("x-a"), "1", "headers are copied");
    eq(original.bodyUsed, true, "the body moves to the new Request");
    eq(await copy.text(), "payload");
    throws(() => new Request(original), TypeError, undefined, "a used Request cannot be reused");
    const replaced = new Request(original, { body: "new" });
    eq(await replaced.text(), "new", "a used Request can be reused with a new body");
  });

  test("Request from a Request with init overrides", async () => {
    const original = new Request("https://example.com/", { method: "PUT", headers: { a: "1" } });
    const derived = new Request(original, { method: "delete", headers: { b: "2" }, cf: { x: 1 } });
    eq(derived.method, "DELETE");
    eq(derived.headers.has("a"), false, "init.headers replaces the input's headers");
    eq(derived.headers.get("b"), "2");
    deepEq(derived.cf, { x: 1 });
    eq(original.bodyUsed, false, "no body, nothing used");
  });

  test("Request cf", () => {
    const cf = { hostMetadata: { tenant: "t1" } };
    eq(new Request("https://example.com", { cf }).cf, cf);
    eq(new Request("https://example.com").cf, undefined);
  });

  test("Request clone", async () => {
    const request = new Request("https://example.com/x", { method: "POST", body: "data", headers: { a: "1" }, cf: { c: 1 } });
    const clone = request.clone();
    ok(clone instanceof Request);
    eq(clone.url, request.url);
    eq(clone.method, "POST");
    eq(clone.cf, request.cf);
    clone.headers.set("a", "2");
    eq(request.headers.get("a"), "1", "headers are copied");
    eq(await clone.text(), "data");
    eq(request.bodyUsed, false);
    eq(await request.text(), "data");
    throws(() => request.clone(), TypeError, BODY_USED);
  });

  test("Request clone of byte bodies does not share writable buffers", async () => {
    const request = new Request("https://example.com", { method: "POST", body: new Uint8Array([1, 2, 3]) });
    const clone = request.clone();
    const first = await request.bytes();
    first[0] = 99;
    bytesEq(await clone.bytes(), [1, 2, 3]);
  });

  // ---- Response -----------------------------------------------------------------------------

  test("Response defaults", async () => {
    const response = new Response();
    eq(response.status, 200);
    eq(response.ok, true);
    eq(response.statusText, "");
    eq(response.type, "default");
    eq(response.url, "");
    eq(response.redirected, false);
    eq(response.body, null);
    eq(response.bodyUsed, false);
    deepEq(entriesOf(response.headers), []);
    eq(await response.text(), "");
    eq(new Response(null).body, null);
    eq(new Response(undefined).body, null);
  });

  test("Response string body", async () => {
    const response = new Response("hello \u20ac");
    eq(response.headers.get("content-type"), "text/plain;charset=UTF-8");
    ok(response.body !== null);
    eq(await response.text(), "hello \u20ac");
    eq(response.bodyUsed, true);
    await rejects(response.text(), TypeError, BODY_USED);
    await rejects(response.json(), TypeError, BODY_USED);
    await rejects(response.bytes(), TypeError, BODY_USED);
  });

  test("Response status, ok and statusText", () => {
    const response = new Response("x", { status: 404, statusText: "Not Found" });
    eq(response.status, 404);
    eq(response.ok, false);
    eq(response.statusText, "Not Found");
    eq(new Response(null, { status: 299 }).ok, true);
    eq(new Response(null, { status: 300 }).ok, false);
    eq(new Response(null, { status: 599 }).status, 599);
    eq(new Response(null, { status: "201" }).status, 201, "converted to a number");
    eq(new Response(null, { status: 65736 }).status, 200, "Web IDL unsigned short wraps");
    eq(new Response(null, { statusText: "\u00ff ok\t" }).statusText, "\u00ff ok\t");
  });

  test("Response status range is 200..599 (RangeError)", () => {
    for (const status of [0, 100, 101, 199, 600, 999, -1, NaN]) {
      throws(() => new Response(null, { status }), RangeError, undefined, `status ${status}`);
    }
  });

  test("Response statusText validation", () => {
    throws(() => new Response(null, { statusText: "a\nb" }), TypeError);
    throws(() => new Response(null, { statusText: "a\rb" }), TypeError);
    throws(() => new Response(null, { statusText: "\u0100" }), TypeError);
    throws(() => new Response(null, { statusText: "a\u0000" }), TypeError);
  });

  test("Response null-body statuses", () => {
    for (const status of [204, 205, 304]) {
      throws(() => new Response("x", { status }), TypeError, undefined, `status ${status}`);
      throws(() => new Response("", { status }), TypeError, undefined, `empty string, status ${status}`);
      eq(new Response(null, { status }).status, status);
    }
    throws(() => new Response(new Uint8Array(0), { status: 204 }), TypeError);
  });

  test("Response headers init", () => {
    const response = new Response("x", { headers: { "Content-Type": "text/html", "X-A": "1" } });
    eq(response.headers.get("content-type"), "text/html");
    eq(response.headers.get("x-a"), "1");
    response.headers.set("x-b", "2");
    eq(response.headers.get("x-b"), "2", "mutable");
    const shared = new Headers({ a: "1" });
    const fromHeaders = new Response(null, { headers: shared });
    shared.set("a", "2");
    eq(fromHeaders.headers.get("a"), "1", "init headers are copied");
    throws(() => new Response(null, { headers: { "bad name": "x" } }), TypeError);
    throws(() => new Response(null, 5), TypeError);
  });

  test("Response byte bodies", async () => {
    const source = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff]);
    const response = new Response(source);
    source[3] = 0x48;
    eq(await response.text(), "hi\ufffd", "BOM stripped, invalid bytes replaced, copied at construction");
    eq(response.headers.get("content-type"), null);
    const buffer = await new Response(new Uint8Array([5, 6, 7]).subarray(1)).arrayBuffer();
    ok(buffer instanceof ArrayBuffer);
    bytesEq(new Uint8Array(buffer), [6, 7]);
    bytesEq(await new Response(new ArrayBuffer(2)).bytes(), [0, 0]);
    bytesEq(await new Response("\u00e9").bytes(), [0xc3, 0xa9]);
  });

  test("Response string bodies read back as their UTF-8 round trip", async () => {
    eq(await new Response("a\ud800b").text(), "a\ufffdb", "lone surrogate");
    bytesEq(await new Response("\udc00").bytes(), [0xef, 0xbf, 0xbd]);
    eq(await new Response("\ud83d\ude00").text(), "\ud83d\ude00", "pairs are kept");
    eq(await new Response("\ufeffx").text(), "x", "UTF-8 decode drops a leading BOM");
  });

  test("Response.json", async () => {
    const response = Response.json({ a: 1, b: [true, null] });
    eq(response.status, 200);
    eq(response.headers.get("content-type"), "application/json");
    eq(await response.text(), '{"a":1,"b":[true,null]}');
    const custom = Response.json("x", { status: 201, statusText: "Created", headers: { "content-type": "application/vnd.x+json" } });
    eq(custom.status, 201);
    eq(custom.statusText, "Created");
    eq(custom.headers.get("content-type"), "application/vnd.x+json");
    deepEq(await custom.json(), "x");
    eq(await Response.json(null).text(), "null");
    throws(() => Response.json(undefined), TypeError);
    throws(() => Response.json(() => 1), TypeError);
    throws(() => Response.json(1n), TypeError);
    throws(() => Response.json({}, { status: 204 }), TypeError);
    throws(() => Response.json({}, { status: 700 }), RangeError);
    throws(() => Response.json(), TypeError);
  });

  test("Response.redirect", async () => {
    const response = Response.redirect("https://example.com/next?x=1");
    eq(response.status, 302);
    eq(response.headers.get("location"), "https://example.com/next?x=1");
    eq(response.body, null);
    eq(response.ok, false);
    eq(await response.text(), "");
    for (const status of [301, 302, 303, 307, 308]) {
      eq(Response.redirect("https://example.com/", status).status, status);
    }
    eq(Response.redirect(new URL("HTTPS://EXAMPLE.com/a/../b")).headers.get("location"), "https://example.com/b");
    for (const status of [200, 300, 304, 400, 0]) {
      throws(() => Response.redirect("https://example.com/", status), RangeError, undefined, `status ${status}`);
    }
    throws(() => Response.redirect("/relative"), TypeError);
    eq(Response.redirect("https://example.com/", 301.9).status, 301, "status is truncated");
  });

  test("Response.error", async () => {
    const response = Response.error();
    eq(response.type, "error");
    eq(response.status, 0);
    eq(response.ok, false);
    eq(response.statusText, "");
    eq(response.body, null);
    deepEq(entriesOf(response.headers), []);
    throws(() => response.headers.append("a", "b"), TypeError);
    eq(await response.text(), "");
  });

  test("Response clone", async () => {
    const response = new Response("body", { status: 201, statusText: "Made", headers: { a: "1" } });
    const clone = response.clone();
    eq(clone.status, 201);
    eq(clone.statusText, "Made");
    eq(clone.type, "default");
    clone.headers.set("a", "2");
    eq(response.headers.get("a"), "1");
    eq(await clone.text(), "body");
    eq(await response.text(), "body");
    throws(() => response.clone(), TypeError, BODY_USED);
    const errorClone = Response.error().clone();
    eq(errorClone.type, "error");
    throws(() => errorClone.headers.set("a", "b"), TypeError, "immutable", "clone keeps the guard");
  });

  test("a body stream can become another body", async () => {
    const original = new Response("moved", { headers: { "content-type": "text/x" } });
    const copy = new Response(original.body, original);
    eq(copy.headers.get("content-type"), "text/x");
    eq(await copy.text(), "moved");
    eq(original.bodyUsed, true, "the source's stream is disturbed");
    throws(() => new Response(original.body), TypeError, undefined, "a disturbed body cannot be reused");
    const request = new Request("https://example.com", { method: "POST", body: new Uint8Array([1, 2]) });
    const response = new Response(request.body);
    bytesEq(await response.bytes(), [1, 2]);
    eq(request.bodyUsed, true);
  });

  test("Response body readers reject with TypeError after the body is used", async () => {
    const response = new Response("x");
    await response.arrayBuffer();
    for (const method of ["text", "json", "arrayBuffer", "bytes"]) {
      await rejects(() => response[method](), TypeError, BODY_USED, method);
    }
  });

  test("body readers return this realm's Promise", () => {
    const promise = new Response("x").text();
    ok(promise instanceof Promise);
    promise.then(() => {}, () => {});
  });

  // ---- host glue (only when the runtime's internals are passed in) --------------------------

  if (hostInternals !== undefined && hostInternals !== null) {
    const {
      newRequestFromHost, responseToHost, newResponseFromHost, requestToHost, isRequest, isResponse, isHeaders,
    } = hostInternals;

    test("host: newRequestFromHost", async () => {
      const url = "https://example.com/path?q=1";
      const body = new Uint8Array([0x68, 0x69]);
      const request = newRequestFromHost("POST", url, ["Host", "example.com", "X-A", "1", "x-a", "2"], body);
      ok(request instanceof Request);
      eq(request.method, "POST");
      eq(request.url, url);
      eq(request.cf, undefined);
      eq(request.headers.get("host"), "example.com");
      eq(request.headers.get("X-A"), "1, 2");
      deepEq(entriesOf(request.headers), [["host", "example.com"], ["x-a", "1, 2"]]);
      throws(() => request.headers.set("a", "b"), TypeError, "immutable", "incoming headers are immutable");
      eq(await request.text(), "hi");
      eq(request.bodyUsed, true);
    });

    test("host: newRequestFromHost without body, with cf", async () => {
      const cf = { hostMetadata: { customer: 7 } };
      const request = newRequestFromHost("GET", "http://h/", [], null, cf);
      eq(request.body, null);
      eq(request.cf, cf);
      eq(await request.text(), "");
      const derived = new Request(request, { headers: { a: "b" } });
      eq(derived.cf, cf);
      derived.headers.set("c", "d");
      eq(derived.headers.get("c"), "d", "a new Request has mutable headers");
    });

    test("host: a Request from the host can be copied, cloned and forwarded", async () => {
      const request = newRequestFromHost("PUT", "https://h/x", ["Content-Type", "text/plain"], new Uint8Array([0x61]));
      const clone = request.clone();
      const forwarded = new Request("https://other.example/y", request);
      eq(forwarded.method, "PUT");
      eq(forwarded.headers.get("content-type"), "text/plain");
      eq(await forwarded.text(), "a");
      eq(request.bodyUsed, true);
      eq(await clone.text(), "a");
      const bytes = await newRequestFromHost("POST", "https://h/", [], new Uint8Array([1, 2, 3])).arrayBuffer();
      bytesEq(new Uint8Array(bytes), [1, 2, 3]);
    });

    test("host: responseToHost", () => {
      const result = responseToHost(new Response("hi", { status: 201, statusText: "Created", headers: { "X-Y": "z" } }));
      eq(result.status, 201);
      eq(result.statusText, "Created");
      deepEq(result.headers, ["x-y", "z", "content-type", "text/plain;charset=UTF-8"]);
      eq(result.body, "hi");
      const bytes = responseToHost(new Response(new Uint8Array([1, 2])));
      bytesEq(bytes.body, [1, 2]);
      deepEq(bytes.headers, []);
      eq(responseToHost(new Response(null, { status: 204 })).body, null);
      const json = responseToHost(Response.json({ ok: true }));
      eq(json.body, '{"ok":true}');
      deepEq(json.headers, ["content-type", "application/json"]);
      const redirect = responseToHost(Response.redirect("https://example.com/"));
      eq(redirect.status, 302);
      deepEq(redirect.headers, ["location", "https://example.com/"]);
      eq(responseToHost(Response.error()).status, 0);
    });

    test("host: responseToHost marks the body used and refuses used bodies", async () => {
      const response = new Response("once");
      responseToHost(response);
      eq(response.bodyUsed, true);
      throws(() => responseToHost(response), TypeError);
      const read = new Response("x");
      await read.text();
      throws(() => responseToHost(read), TypeError, BODY_USED);
    });

    test("host: responseToHost checks a private brand", () => {
      for (const value of [undefined, null, {}, "x", 200, Object.create(Response.prototype), new Request("https://e.x/")]) {
        throws(() => responseToHost(value), TypeError, "Handler must return a Response object", show(value));
      }
      const fake = { status: 200, headers: new Headers(), body: null };
      Object.setPrototypeOf(fake, Response.prototype);
      throws(() => responseToHost(fake), TypeError, "Handler must return a Response object");
      class Sub extends Response {}
      eq(responseToHost(new Sub("s")).body, "s", "subclasses carry the brand");
    });

    test("host: newResponseFromHost and requestToHost", async () => {
      const response = newResponseFromHost(404, "Not Found", ["Content-Type", "text/plain", "Set-Cookie", "a=1"], new Uint8Array([0x6e]), "https://h/x");
      eq(response.status, 404);
      eq(response.statusText, "Not Found");
      eq(response.url, "https://h/x");
      deepEq(response.headers.getSetCookie(), ["a=1"]);
      throws(() => response.headers.set("a", "b"), TypeError);
      eq(await response.text(), "n");
      const request = new Request("https://example.com/a", { method: "POST", body: "b", headers: { X: "1" } });
      const parts = requestToHost(request);
      eq(parts.method, "POST");
      eq(parts.url, "https://example.com/a");
      deepEq(parts.headers, ["x", "1", "content-type", "text/plain;charset=UTF-8"]);
      eq(parts.body, "b");
      eq(request.bodyUsed, true);
      throws(() => requestToHost({}), TypeError);
    });

    test("host: brand checks", () => {
      eq(isRequest(new Request("https://e.x/")), true);
      eq(isRequest({}), false);
      eq(isResponse(new Response()), true);
      eq(isResponse(Object.create(Response.prototype)), false);
      eq(isHeaders(new Headers()), true);
      eq(isHeaders(null), false);
    });
  }

  // ---- runner -------------------------------------------------------------------------------

  return (async () => {
    let passed = 0;
    let failed = 0;
    const failures = [];
    for (const { name, fn } of tests) {
      try {
        await fn();
        passed++;
      } catch (error) {
        failed++;
        failures.push(`${name}: ${error && error.message !== undefined ? error.message : String(error)}`);
      }
    }
    return { passed, failed, failures };
  })();
}
