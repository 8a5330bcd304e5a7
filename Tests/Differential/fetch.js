/*---
{
  "requires": ["fetch"],
  "requests": [
    {"path": "/text", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/json", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/proxy/text", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/proxy/big", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/proxy/slow", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/proxy/cookies", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/proxy/missing", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"method": "POST", "path": "/post", "headers": [["x-origin-url", "$ORIGIN"]], "body": "posted to the origin"},
    {"method": "PUT", "path": "/forward", "headers": [["x-origin-url", "$ORIGIN"], ["x-forwarded-thing", "kept"]], "bodyRepeat": {"text": "forwarded ", "count": 50000}},
    {"path": "/status", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/redirects", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/errors", "headers": [["x-origin-url", "$ORIGIN"]]}
  ]
}
---*/
import { attemptAsync as attempt } from "./support/attempt.js";
// Outbound fetch() to a loopback origin (support/origin.js) whose URL the harness passes in the
// x-origin-url request header: reading answers, proxying them through unchanged, POST/PUT bodies
// and forwarded requests, statuses, redirects followed and manual, and failures.

export default {
  async fetch(request) {
    const origin = request.headers.get("x-origin-url");
    const { pathname } = new URL(request.url);
    if (pathname === "/text") {
      const r = await fetch(origin + "/text");
      return Response.json({ status: r.status, ok: r.ok, type: r.headers.get("content-type"), x: r.headers.get("x-origin"), text: await r.text(), url: r.url === origin + "/text", redirected: r.redirected });
    }
    if (pathname === "/json") return Response.json(await (await fetch(origin + "/json?q=v")).json());
    if (pathname.startsWith("/proxy/")) return fetch(origin + pathname.slice("/proxy".length));
    if (pathname === "/post") {
      const r = await fetch(origin + "/echo", { method: "POST", headers: { "x-sent": "1", "content-type": "text/plain" }, body: await request.text() });
      return new Response(r.body, r);
    }
    if (pathname === "/forward") {
      const headers = new Headers(request.headers);
      headers.delete("x-origin-url");
      return fetch(new Request(origin + "/echo", { method: request.method, headers, body: request.body }));
    }
    if (pathname === "/status") {
      const codes = [201, 404, 500, 503];
      const out = [];
      for (const code of codes) {
        const r = await fetch(`${origin}/status?code=${code}`);
        out.push([r.status, r.ok, await r.text()]);
      }
      return Response.json(out);
    }
    if (pathname === "/redirects") {
      const followed = await fetch(origin + "/redirect");
      const manual = await fetch(origin + "/redirect", { redirect: "manual" });
      const refused = await attempt(() => fetch(origin + "/redirect", { redirect: "error" }));
      return Response.json({
        followed: [followed.status, followed.redirected, await followed.text()],
        manual: [manual.status, manual.headers.get("location")],
        refused,
      });
    }
    if (pathname === "/errors") {
      return Response.json({
        badUrl: await attempt(() => fetch("not a url")),
        badScheme: await attempt(() => fetch("ftp://127.0.0.1/")),
        getWithBody: await attempt(() => fetch(origin + "/echo", { method: "GET", body: "x" })),
      });
    }
    return new Response("not found", { status: 404 });
  },
};
