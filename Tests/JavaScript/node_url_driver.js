#!/usr/bin/env node
// node_url_driver.js — development driver (not run by CI).
//
// Loads the runtime's core/00_core.js and web/20_url.js into a node:vm context the way the
// Swift host does (node_runtime.js), then evaluates url_wpt.js in the same context and runs runURLConformance() over the WPT data.
//
// Usage: node Tests/JavaScript/node_url_driver.js [--all-failures] [--bench] [--wpt DIR]

"use strict";

const vm = require("node:vm");
const fs = require("node:fs");
const path = require("node:path");
const { loadRuntime } = require("./node_runtime.js");

const args = process.argv.slice(2);
const wptIndex = args.indexOf("--wpt");
const wptDir = wptIndex !== -1 ? path.resolve(args[wptIndex + 1]) : "/work/shared/wpt";
const harnessFile = path.join(__dirname, "url_wpt.js");

function createRuntimeContext() {
  // core/00_core.js first: 20_url.js takes its built-ins from internals.primordials.
  return loadRuntime(["core/00_core.js", "web/20_url.js"]);
}

function main() {
  const { context } = createRuntimeContext();
  vm.runInContext(fs.readFileSync(harnessFile, "utf8"), context, { filename: harnessFile });

  const readJSON = (name) => fs.readFileSync(path.join(wptDir, name), "utf8");
  context.__urltestdata = readJSON("urltestdata.json");
  context.__setters = readJSON("setters_tests.json");
  context.__toascii = readJSON("toascii.json");
  context.__percent = readJSON("percent-encoding.json");

  const result = vm.runInContext(
    "runURLConformance(JSON.parse(__urltestdata), JSON.parse(__setters), JSON.parse(__toascii), JSON.parse(__percent))",
    context,
  );
  console.log(`passed: ${result.passed}, failed: ${result.failed}`);
  for (const failure of result.failures) console.log("  FAIL " + failure);

  if (args.includes("--bench")) bench(context);
}

function bench(context) {
  const code = `
    (function () {
      const inputs = ["http://example.com/path?x=1", "https://user:pw@api.example.org:8443/v1/items/42?sort=asc&limit=10#top",
                      "https://example.com/a/b/../c/./d?q=%20x", "/relative/path?y=2"];
      const base = "https://example.com/";
      let sink = 0;
      const N = 200000;
      const t0 = Date.now();
      for (let i = 0; i < N; i++) sink += new URL(inputs[0]).href.length;
      const t1 = Date.now();
      for (let i = 0; i < N; i++) sink += new URL(inputs[1]).pathname.length;
      const t2 = Date.now();
      for (let i = 0; i < N; i++) sink += new URL(inputs[3], base).search.length;
      const t3 = Date.now();
      for (let i = 0; i < N; i++) sink += new URL(inputs[1]).searchParams.get("limit").length;
      const t4 = Date.now();
      return { simple: (t1 - t0) * 1e6 / N, complex: (t2 - t1) * 1e6 / N, relative: (t3 - t2) * 1e6 / N,
               searchParams: (t4 - t3) * 1e6 / N, sink };
    })()`;
  const r = vm.runInContext(code, context);
  console.log(`bench (ns/op): new URL(simple).href ${r.simple.toFixed(0)}, new URL(complex).pathname ${r.complex.toFixed(0)}, ` +
    `relative+base ${r.relative.toFixed(0)}, searchParams.get ${r.searchParams.toFixed(0)}`);
  const N = 200000;
  const t0 = Date.now();
  let sink = 0;
  for (let i = 0; i < N; i++) sink += new URL("http://example.com/path?x=1").href.length;
  console.log(`bench (ns/op): Node's native URL simple ${((Date.now() - t0) * 1e6 / N).toFixed(0)} (${sink > 0})`);
}

main();
