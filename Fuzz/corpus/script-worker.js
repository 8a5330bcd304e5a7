//@fuzz mode=script heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=3
//@env "{\"A\":\"1\"}"
//@source "worker.js"
addEventListener("fetch", (event) => {
  try { event.waitUntil(new Promise((r) => setTimeout(r, 1))); __n(0); } catch (e) { __n(0, e); }
  try { [...event.request.headers]; __n(1); } catch (e) { __n(1, e); }
  event.respondWith(new Promise((r) => setTimeout(() => r(new Response("late", { status: 201, statusText: "\u00ff" })), 0)));
});
//@request method="GET" url="http://example.com/" headers="a\x00b\x00c\x00d" body=none cf=""
//@request method="G\xffT" url="not a url" headers=*3000"a\x00b\x00" body="" cf="{"
