//@fuzz mode=module heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@module "worker.js" esm
let n = 0;
export default {
  fetch(request, env, ctx) {
    ctx.waitUntil(Promise.reject(new Error("w")));
    switch (n++) {
      case 0: return new Response(new Uint8Array(__wmem.buffer, 0, 16), { headers: [["set-cookie", "a"], ["set-cookie", "b"]] });
      case 1: return Response.redirect("http://x/", 301);
      case 2: return { then(r) { r(new Response("thenable")); } };
      default: return Response.json({ a: "\ud800" });
    }
  },
};
//@source "worker.js"
//@request method="GET" url="http://example.com/" headers="" body=none cf=""
//@request method="POST" url="http://example.com/" headers="" body="body" cf="[]"
//@request method="PUT" url="http://example.com/" headers="" body=*65536"x" cf="null"
//@request method="GET" url="http://example.com/" headers="" body=none cf="{\"__proto__\":{\"x\":1}}"
