//@fuzz mode=module heap=16 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@module "worker.js" esm
export default { fetch() { __alloc(); } };
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
