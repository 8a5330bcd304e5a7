//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@source "fuzz.js"
// The longest string V8 allows, quoted by JSON.stringify in one allocation past the heap limit:
// a fatal out-of-memory until NearHeapLimit granted room to unwind.
JSON.stringify("x".repeat((1 << 29) - 24));
