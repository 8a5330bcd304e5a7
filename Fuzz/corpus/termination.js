//@fuzz mode=module heap=128 terminate=2 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@module "worker.js" esm
export default {
  fetch() {
    const body = { toString() { console.log("inside toString"); return "x"; } };
    console.log("first");
    return new Response(body);
  },
};
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
