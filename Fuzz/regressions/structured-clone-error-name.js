//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@source "fuzz.js"
// CloneDelegate::ThrowDataCloneError (ops.cc) names its error with Set(): the inherited setter runs.
Object.defineProperty(Error.prototype, "name", { set(v) { throw new Error("n"); }, configurable: true });
structuredClone(() => 1);
