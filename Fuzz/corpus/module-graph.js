//@fuzz mode=module heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@module "worker.js" esm
import a from "./a.js";
import c from "./c.cjs";
import d from "./d.json";
import e from "./e.txt";
import f from "./f.bin";
import g from "./g.wasm";
import * as b from "./lib/b.js";
try { new WebAssembly.Instance(g); __n(0); } catch (e) { __n(0, e); }
try { new TextDecoder().decode(f); __n(1); } catch (e) { __n(1, e); }
export default {
  async fetch(request, env, ctx) {
    try { await import("./lib/h.cjs"); __n(2); } catch (e) { __n(2, e); }
    return new Response(JSON.stringify([a, c, d, e, b.default]), { headers: { "x-a": "1" } });
  },
};
//@module "a.js" esm
export default "a";
//@module "lib/b.js" esm
import a from "../a.js";
export default a + "b";
//@module "c.cjs" commonjs
const h = require("./lib/h.cjs");
module.exports = { h, d: require("./d.json") };
//@module "lib/h.cjs" commonjs
exports.early = require("../c.cjs");
exports.late = 1;
//@module "d.json" json
{"a": [1, 2, {"b": "\u0000"}]}
//@module "e.txt" text
text module
//@module "f.bin" data hex
68656c6c6fff
//@module "g.wasm" wasm hex
0061736d01000000050301000107070103 6d656d0200
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
