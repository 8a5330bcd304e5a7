//@fuzz mode=module heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@module "worker.js" esm
try { import("./missing.js"); __n(0); } catch (e) { __n(0, e); }
try { import("./a.js"); __n(1); } catch (e) { __n(1, e); }
try { import({ toString() { return "./c.cjs"; } }); __n(3); } catch (e) { __n(3, e); }
try { import("./d.json").then(() => import("./g.wasm")); __n(4); } catch (e) { __n(4, e); }
export default { fetch() { import("./worker.js"); return import("./lib/b.js").then(() => new Response("ok")); } };
//@module "a.js" esm
export default (;
//@module "lib/b.js" esm
import { missing } from "../a.js";
export default missing;
//@module "c.cjs" commonjs
require("./c.cjs");
module.exports = require(42);
//@module "d.json" json
{
//@module "g.wasm" wasm hex
0061736d01
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
