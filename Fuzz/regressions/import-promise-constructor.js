//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@module "a.js" esm
export default 1;
//@source "fuzz.js"
// ImportDynamically (modules.cc) calls Promise::Then on the evaluation promise: that reads
// promise.constructor (species), which throws here. Its TryCatch swallows the TypeError and it
// returns an empty promise with no exception pending: V8 aborts ("Check failed:
// has_pending_exception()").
Object.defineProperty(Promise.prototype, "constructor", { value: 1, writable: false, configurable: true });
import("./a.js");
