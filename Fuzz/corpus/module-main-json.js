//@fuzz mode=module heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@module "worker.js" json
{"fetch": 1}
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
