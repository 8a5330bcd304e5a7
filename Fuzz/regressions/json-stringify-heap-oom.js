//@fuzz mode=module heap=16 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@module "worker.js" esm
// V8 aborted the process: "Fatal JavaScript out of memory: Reached heap limit". JSON.stringify
// copies the string in one non-interruptible builtin; NearHeapLimit (isolate.cc) asked for
// termination and granted 64 MB more each time, which did not make room for the copy. It now
// grants room for the largest object a heap can hold. (With heap=128:
// JSON.stringify("x".repeat((1 << 29) - 24)), json-stringify-max-string.js.)
export default { fetch() { return Response.json("ab\ud83d\ude00".repeat(1 << 24)); } };
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
