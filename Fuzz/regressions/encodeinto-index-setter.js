//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@source "fuzz.js"
// Utf8EncodeInto (ops.cc) builds its [read, written] result with Set(): the index setter runs.
Object.defineProperty(Object.prototype, "0", { set() { throw new Error("x"); }, configurable: true });
new TextEncoder().encodeInto("hi", new Uint8Array(8));
