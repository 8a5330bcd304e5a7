//@fuzz mode=module heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@module "worker.js" commonjs
module.exports = { fetch() { return new Response("cjs"); } };
Object.defineProperty(module, "exports", { get() { throw new Error("exports"); } });
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
