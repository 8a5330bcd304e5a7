#!/usr/bin/env node
// node_formdata_driver.js — development driver (not run by CI).
//
// Loads the runtime files FormData needs (core/00_core.js, 10_encoding.js, 20_url.js,
// 25_streams.js, 28_blob.js, 29_formdata.js, 30_fetch.js) into a node:vm context with node
// stand-ins for the native ops, then runs formdata_tests.js's runFormDataTests().
//
// Usage: node Tests/JavaScript/node_formdata_driver.js

"use strict";

const vm = require("node:vm");
const fs = require("node:fs");
const path = require("node:path");
const crypto = require("node:crypto");
const nodeURL = require("node:url");

const jsRoot = path.resolve(__dirname, "..", "..", "Sources/SwitchyardRuntime/JavaScript");
const context = vm.createContext({});
const run = (code) => vm.runInContext(code, context);
const internals = run("({})");
const ops = run("({})");
const ContextUint8Array = run("Uint8Array");
const ContextTypeError = run("TypeError");
const encoder = new TextEncoder();
ops.utf8Encode = (string) => {
  const bytes = encoder.encode(string);
  const out = new ContextUint8Array(bytes.length);
  out.set(bytes);
  return out;
};
ops.utf8Decode = (bytes, fatal, ignoreBOM) => {
  try {
    return new TextDecoder("utf-8", { fatal, ignoreBOM }).decode(bytes);
  } catch {
    throw new ContextTypeError("The encoded data was not valid for encoding utf-8");
  }
};
ops.randomUUID = () => crypto.randomUUID();
ops.domainToASCII = (domain) => nodeURL.domainToASCII(String(domain)) || null;
ops.structuredClone = (value) => run("(v) => v")(structuredClone(value));
const files = ["core/00_core.js", "core/05_bounded_builtins.js", "core/06_builtins.js", "web/10_encoding.js",
  "web/15_events.js", "web/20_url.js", "web/25_streams.js", "web/28_blob.js", "web/29_formdata.js", "web/30_fetch.js"];
for (const file of files) {
  const full = path.join(jsRoot, file);
  const wrapped = `(function (internals, ops) { "use strict"; ${fs.readFileSync(full, "utf8")}\n})`;
  vm.runInContext(wrapped, context, { filename: full })(internals, ops);
}
for (const name of ["conformance_harness.js", "formdata_tests.js"]) {
  const testFile = path.join(__dirname, name);
  vm.runInContext(fs.readFileSync(testFile, "utf8"), context, { filename: testFile });
}
context.runFormDataTests().then((report) => {
  for (const failure of report.failures) console.log(`FAIL ${failure}`);
  console.log(`passed ${report.passed}, failed ${report.failed}`, JSON.stringify(report.areas));
  process.exitCode = report.failed === 0 ? 0 : 1;
}, (error) => {
  console.error(error);
  process.exitCode = 2;
});
