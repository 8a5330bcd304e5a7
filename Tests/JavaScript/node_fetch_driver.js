#!/usr/bin/env node
// Dev tool: runs the runtime's JavaScript files and Tests/JavaScript/fetch_api_tests.js in a bare
// node:vm context, standing in for the Swift host (which wraps each runtime file the same way and
// implements `ops` natively). Not used by the Swift test suite.
//
//   node Tests/JavaScript/node_fetch_driver.js            # 10_encoding.js + 30_fetch.js, Node's URL
//   node Tests/JavaScript/node_fetch_driver.js --all      # every runtime file in name order
//   node Tests/JavaScript/node_fetch_driver.js --bench    # also time the host hot path
//
// Exit status 0 when every test passes.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { URL: NodeURL, URLSearchParams: NodeURLSearchParams, domainToASCII } = require("node:url");

const args = new Set(process.argv.slice(2));
const repoRoot = path.resolve(__dirname, "..", "..");
const runtimeDir = path.join(repoRoot, "Sources", "SwitchyardRuntime", "JavaScript");
const testFile = path.join(__dirname, "fetch_api_tests.js");
const encodingsTablePath = [
  path.join(__dirname, "encodings-table.json"),
  path.resolve(repoRoot, "..", "shared", "wpt", "encodings-table.json"),
  "/work/shared/wpt/encodings-table.json",
].find((candidate) => fs.existsSync(candidate));

// Runtime files this driver can supply ops for. --all loads every file in the folder.
const defaultFiles = ["00_core.js", "10_encoding.js", "30_fetch.js"];

function createRuntime() {
  const context = vm.createContext({});
  const run = (code) => vm.runInContext(code, context);
  const contextGlobal = run("globalThis");
  const ContextUint8Array = run("Uint8Array");
  const ContextTypeError = run("TypeError");
  const makePair = run("(a, b) => [a, b]");

  const internals = run("({})");
  internals.defineGlobal = (name, value) => {
    Object.defineProperty(contextGlobal, name, {
      value, writable: true, enumerable: false, configurable: true,
    });
  };
  // Stand-ins for 20_url.js (written separately): Node's own URL classes.
  internals.URL = NodeURL;
  internals.URLSearchParams = NodeURLSearchParams;
  internals.defineGlobal("URL", NodeURL);
  internals.defineGlobal("URLSearchParams", NodeURLSearchParams);

  const encoder = new TextEncoder();
  const toContextBytes = (bytes) => {
    const out = new ContextUint8Array(bytes.length);
    out.set(bytes);
    return out;
  };
  const ops = run("({})");
  ops.utf8Encode = (string) => toContextBytes(encoder.encode(string));
  ops.utf8EncodeInto = (string, destination) => {
    const { read, written } = encoder.encodeInto(string, destination);
    return makePair(read, written);
  };
  ops.utf8Decode = (source, fatal, ignoreBOM) => {
    try {
      return new TextDecoder("utf-8", { fatal, ignoreBOM }).decode(source);
    } catch (error) {
      throw new ContextTypeError(`The encoded data was not valid for encoding utf-8`);
    }
  };

  // Only for --all (20_url.js): UTS #46 ToASCII, null on failure (Node's is close enough here).
  ops.domainToASCII = (domain) => domainToASCII(domain) || null;

  const files = args.has("--all")
    ? fs.readdirSync(runtimeDir).filter((name) => name.endsWith(".js")).sort()
    : defaultFiles;
  for (const name of files) {
    const filename = path.join(runtimeDir, name);
    const text = fs.readFileSync(filename, "utf8");
    const wrapped = `(function (internals, ops) { "use strict"; ${text}\n})`;
    const fn = vm.runInContext(wrapped, context, { filename });
    fn(internals, ops);
  }
  return { context, internals, run };
}

async function runTests() {
  const { context, internals, run } = createRuntime();
  vm.runInContext(fs.readFileSync(testFile, "utf8"), context, { filename: testFile });
  const contextJSONParse = run("JSON.parse");
  const table = contextJSONParse(fs.readFileSync(encodingsTablePath, "utf8"));
  const result = await context.runFetchAPITests(table, internals);
  for (const failure of result.failures) console.log(`FAIL ${failure}`);
  console.log(`passed ${result.passed}, failed ${result.failed}`);
  return result.failed === 0;
}

function bench() {
  const { internals, run } = createRuntime();
  const body = run("new Uint8Array(64)");
  const makeHeaders = run("() => ['Host', 'example.com', 'User-Agent', 'wrk', 'Accept', '*/*']");
  const handler = run(`(request) => new Response("Hello World")`);
  const handlerReadingHeaders = run(`(request) => new Response(request.headers.get("user-agent"), { headers: { "x-a": "b" } })`);
  for (const [label, fn] of [["hello world", handler], ["read a header + set one", handlerReadingHeaders]]) {
    const iterations = 1_000_000;
    for (let i = 0; i < 100_000; i++) {
      internals.responseToHost(fn(internals.newRequestFromHost("GET", "http://example.com/", makeHeaders(), null)));
    }
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const request = internals.newRequestFromHost("POST", "http://example.com/", makeHeaders(), body);
      internals.responseToHost(fn(request));
    }
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    console.log(`bench ${label}: ${ns.toFixed(0)} ns per request (newRequestFromHost + handler + responseToHost)`);
  }
}

module.exports = { createRuntime };

if (require.main === module) {
  runTests().then((ok) => {
    if (args.has("--bench")) bench();
    process.exitCode = ok ? 0 : 1;
  }, (error) => {
    console.error(error);
    process.exitCode = 2;
  });
}
