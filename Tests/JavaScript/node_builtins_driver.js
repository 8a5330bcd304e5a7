#!/usr/bin/env node
// node_builtins_driver.js — development driver (not run by CI).
//
// Loads core/00_core.js and core/06_builtins.js into a node:vm context the way the Swift host
// does (each wrapped as `(function (internals, ops) { "use strict"; ... })`), after deleting the
// built-ins Node's newer V8 already has, so the runtime's versions are the ones tested; then
// runs builtins_tests.js there. ops.transferArrayBuffer detaches with structuredClone.
//
// Usage: node Tests/JavaScript/node_builtins_driver.js

"use strict";

const vm = require("node:vm");
const fs = require("node:fs");
const path = require("node:path");

const repoRoot = path.resolve(__dirname, "..", "..");
const core = path.join(repoRoot, "Sources/SwitchyardRuntime/JavaScript/core");

async function main() {
  const context = vm.createContext({});
  vm.runInContext(`
    for (const proto of [Array.prototype, Object.getPrototypeOf(Uint8Array.prototype)]) {
      for (const name of ["toSorted", "toReversed", "toSpliced", "with"]) delete proto[name];
    }
    for (const name of ["toSorted", "toReversed", "toSpliced"]) delete Array.prototype[Symbol.unscopables][name];
    delete String.prototype.isWellFormed;
    delete String.prototype.toWellFormed;
  `, context);
  const internals = vm.runInContext("Object.create(null)", context);
  const ops = vm.runInContext("Object.create(null)", context);
  const newBuffer = vm.runInContext("(n) => new ArrayBuffer(n)", context);
  ops.transferArrayBuffer = function transferArrayBuffer(buffer, newLength) {
    const length = newLength === undefined ? buffer.byteLength : newLength;
    if (length > 2 ** 32) throw new (vm.runInContext("RangeError", context))("Array buffer allocation failed");
    const out = newBuffer(length);
    new Uint8Array(out).set(new Uint8Array(buffer, 0, Math.min(length, buffer.byteLength)));
    structuredClone(buffer, { transfer: [buffer] });
    return out;
  };
  for (const file of ["00_core.js", "06_builtins.js"]) {
    const source = fs.readFileSync(path.join(core, file), "utf8");
    const fn = vm.runInContext(`(function (internals, ops) { "use strict"; ${source}\n})`, context, { filename: file });
    fn(internals, ops);
  }
  for (const name of ["conformance_harness.js", "builtins_tests.js"]) {
    const harness = path.join(__dirname, name);
    vm.runInContext(fs.readFileSync(harness, "utf8"), context, { filename: harness });
  }
  const report = await vm.runInContext("runBuiltinsTests()", context);
  console.log(`passed: ${report.passed}, failed: ${report.failed}`);
  console.log(JSON.stringify(report.areas));
  for (const failure of report.failures) console.log("  FAIL " + failure);
}

main();
