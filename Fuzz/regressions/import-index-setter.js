//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@module "a.js" esm
export default 1;
//@source "fuzz.js"
// ImportDynamically (modules.cc) fills its [resolver, namespace] pair with Set(): the index setter runs.
Object.defineProperty(Array.prototype, "1", { set(v) { throw new Error("n"); }, configurable: true });
import("./a.js");
