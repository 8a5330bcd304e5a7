#!/usr/bin/env node
// Dev tool: runs the runtime's JavaScript (core, encoding, streams, fetch) in a bare node:vm
// context with JavaScript stand-ins for `ops` (zlib through node:zlib, whole-stream), then
// Tests/JavaScript/streams_tests.js, and prints its transcript (Node's V8 is newer than the
// runtime's 10.2). Not used by the Swift test suite (StreamsTests runs the real isolate).
//
//   node Tests/JavaScript/node_streams_driver.js [--workers]
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const zlib = require("node:zlib");
const { URL: NodeURL, URLSearchParams: NodeURLSearchParams } = require("node:url");

const repoRoot = path.resolve(__dirname, "..", "..");
const runtimeDir = path.join(repoRoot, "Sources", "SwitchyardRuntime", "JavaScript");
const files = ["core/00_core.js", "web/10_encoding.js", "web/25_streams.js", "web/26_text_streams.js",
  "web/27_compression.js", "web/30_fetch.js"];

const context = vm.createContext({});
const run = (code) => vm.runInContext(code, context);
const contextGlobal = run("globalThis");
const ContextUint8Array = run("Uint8Array");
const ContextArrayBuffer = run("ArrayBuffer");
const makeArray = run("(...items) => items");
const internals = run("({})");
const ops = run("({})");
const encoder = new TextEncoder();
const toContext = (bytes) => {
  const out = new ContextUint8Array(bytes.length);
  out.set(bytes);
  return out;
};
ops.utf8Encode = (string) => toContext(encoder.encode(string));
ops.utf8EncodeInto = (string, destination) => {
  const { read, written } = encoder.encodeInto(string, destination);
  return makeArray(read, written);
};
ops.utf8Decode = (input, fatal, ignoreBOM) => new TextDecoder("utf-8", { fatal, ignoreBOM }).decode(input);
ops.transferArrayBuffer = (buffer) => {
  const copy = new ContextArrayBuffer(buffer.byteLength);
  new ContextUint8Array(copy).set(new Uint8Array(buffer));
  structuredClone(buffer, { transfer: [buffer] });
  return copy;
};
ops.zlibCreate = (decompress, format) => ({ decompress, format, parts: [] });
ops.zlibProcess = (handle, input, finish) => {
  handle.parts.push(Buffer.from(input));
  if (!finish) return makeArray(undefined, input.byteLength, false);
  const all = Buffer.concat(handle.parts);
  const fns = handle.decompress ? [zlib.gunzipSync, zlib.inflateSync, zlib.inflateRawSync]
    : [zlib.gzipSync, zlib.deflateSync, zlib.deflateRawSync];
  let out;
  try {
    out = fns[handle.format](all);
  } catch (error) {
    throw new (run("TypeError"))(error.message);
  }
  return makeArray(out.length ? toContext(out) : undefined, input.byteLength, false);
};
ops.host = () => undefined;
ops.now = () => performance.now();
internals.defineGlobal = (name, value) => {
  Object.defineProperty(contextGlobal, name, { value, writable: true, enumerable: false, configurable: true });
};
internals.URL = NodeURL;
internals.URLSearchParams = NodeURLSearchParams;
internals.defineGlobal("URL", NodeURL);
internals.defineGlobal("console", console);
internals.defineGlobal("setTimeout", setTimeout);
for (const file of files) {
  const source = fs.readFileSync(path.join(runtimeDir, file), "utf8");
  const fn = vm.runInContext(`(function (internals, ops) { "use strict";\n${source}\n})`, context, { filename: file });
  fn(internals, ops);
}
context.__internals = internals;
if (process.env.STREAMS_EVAL) {
  // Dev: run a snippet with `__internals` in scope instead of the conformance script.
  run(fs.readFileSync(process.env.STREAMS_EVAL, "utf8"));
  return;
}
run("globalThis.streamsTestProgress = (n) => { if (" + JSON.stringify(!!process.env.PROGRESS) + ") console.error(\"RUN\", n); }");
run(fs.readFileSync(path.join(__dirname, "streams_tests.js"), "utf8"));
run(process.argv.includes("--workers") ? "runWorkersStreamsTests()" : "runStreamsTests()").then((transcript) => {
  process.stdout.write(transcript);
}, (error) => {
  console.error("runStreamsTests failed:", error);
  process.exit(1);
});
