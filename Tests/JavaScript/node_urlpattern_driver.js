#!/usr/bin/env node
// node_urlpattern_driver.js — development driver (not run by CI).
//
// Loads the runtime's core/00_core.js, web/20_url.js and web/22_urlpattern.js into a node:vm
// context the way the Swift host does (node_runtime.js), then runs urlpattern_wpt.js over the
// WPT data, and the hostile-built-ins checks.
//
// Usage: node Tests/JavaScript/node_urlpattern_driver.js [--bench] [--wpt DIR]

"use strict";

const vm = require("node:vm");
const fs = require("node:fs");
const path = require("node:path");
const { loadRuntime } = require("./node_runtime.js");

const args = process.argv.slice(2);
const wptIndex = args.indexOf("--wpt");
const wptDir = wptIndex !== -1 ? path.resolve(args[wptIndex + 1]) : "/work/shared/wpt";

function createRuntimeContext() {
  return loadRuntime(["core/00_core.js", "web/20_url.js", "web/22_urlpattern.js"]).context;
}

function main() {
  const context = createRuntimeContext();
  const harness = path.join(__dirname, "urlpattern_wpt.js");
  vm.runInContext(fs.readFileSync(harness, "utf8"), context, { filename: harness });
  context.__data = fs.readFileSync(path.join(wptDir, "urlpatterntestdata.json"), "utf8");
  const result = vm.runInContext("runURLPatternConformance(JSON.parse(__data), [])", context);
  console.log(`URLPattern WPT: passed ${result.passed} of ${result.total}, failed ${result.failed}`);
  for (const failure of result.failures) console.log("  FAIL " + failure);
  const hostile = vm.runInContext("runURLPatternHostileChecks()", context);
  console.log(`hostile built-ins: ${hostile.checks} checks, ${hostile.failures.length} failures`);
  for (const failure of hostile.failures) console.log("  FAIL " + failure);
  if (args.includes("--bench")) bench(context);
}

function bench(context) {
  const r = vm.runInContext(`(function () {
    const p = new URLPattern({ pathname: "/users/:id" });
    const url = "https://example.com/users/1234?x=1";
    const N = 200000;
    let sink = 0;
    let t0 = Date.now();
    for (let i = 0; i < N; i++) sink += p.exec(url).pathname.groups.id.length;
    let t1 = Date.now();
    for (let i = 0; i < N; i++) sink += p.test(url) ? 1 : 0;
    let t2 = Date.now();
    for (let i = 0; i < N / 10; i++) sink += new URLPattern({ pathname: "/users/:id" }).pathname.length;
    let t3 = Date.now();
    return { exec: (t1 - t0) * 1e6 / N, test: (t2 - t1) * 1e6 / N, construct: (t3 - t2) * 1e7 / N, sink };
  })()`, context);
  console.log(`bench (ns/op): exec ${r.exec.toFixed(0)}, test ${r.test.toFixed(0)}, construct ${r.construct.toFixed(0)}`);
}

main();
