// node_runtime.js — shared by the node development drivers (not run by CI).
//
// loadRuntime(files) evaluates runtime files (paths under Sources/SwitchyardRuntime/JavaScript,
// core/00_core.js first) in a bare node:vm context the way the Swift host does, each wrapped as
// `(function (internals, ops) { "use strict"; ... })`, with ops.domainToASCII backed by Node's
// url.domainToASCII, and returns { context, internals }.

"use strict";

const vm = require("node:vm");
const fs = require("node:fs");
const path = require("node:path");
const nodeURL = require("node:url");

const jsRoot = path.resolve(__dirname, "..", "..", "Sources/SwitchyardRuntime/JavaScript");

function loadRuntime(files) {
  const context = vm.createContext({});
  // `internals` and `ops` are made inside the context so they are plain objects of that realm.
  const internals = vm.runInContext("({})", context);
  const ops = vm.runInContext("({})", context);
  ops.domainToASCII = function domainToASCII(domain) {
    // Stand-in for the host's UTS #46 ToASCII. Node returns "" on failure.
    const result = nodeURL.domainToASCII(String(domain));
    return result === "" ? null : result;
  };
  for (const file of files) {
    const full = path.join(jsRoot, file);
    const wrapped = `(function (internals, ops) { "use strict"; ${fs.readFileSync(full, "utf8")}\n})`;
    vm.runInContext(wrapped, context, { filename: full })(internals, ops);
  }
  return { context, internals };
}

module.exports = { loadRuntime };
