//@fuzz mode=script heap=128 terminate=0 fail=0 memcheck=0 watchdog=20 ops=0 polls=1
//@source "worker.js"
addEventListener("fetch", (event) => { event.respondWith(new Response({ toString() { __spin(); } })); });
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
