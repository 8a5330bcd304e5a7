//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=20 ops=0 polls=1
//@source "fuzz.js"
// The same Set() in ThrowDataCloneError, failing because the CPU-limit watchdog terminates the
// setter: a worker that only runs too long takes the process down.
Object.defineProperty(Error.prototype, "name", { set(v) { for (;;) {} }, configurable: true });
structuredClone(() => 1);
