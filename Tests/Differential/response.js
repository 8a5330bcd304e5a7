/*---
{
  "requests": [
    {"path": "/json"},
    {"path": "/json-status"},
    {"path": "/redirect"},
    {"path": "/redirect-301"},
    {"path": "/redirect-relative"},
    {"path": "/redirect-bad-status"},
    {"path": "/error"},
    {"path": "/constructor-errors"},
    {"path": "/properties"},
    {"path": "/no-content"},
    {"path": "/body-types"},
    {"path": "/clone"},
    {"path": "/throw"},
    {"path": "/not-a-response"},
    {"path": "/rejects"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// Response: the statics (json, redirect, error), the constructor's checks, its properties, what
// each kind of body becomes, and what a client sees when the handler fails.
function describe(r) {
  return { status: r.status, statusText: r.statusText, ok: r.ok, type: r.type, redirected: r.redirected, url: r.url, headers: [...r.headers], hasBody: r.body !== null };
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    switch (pathname) {
      case "/json":
        return Response.json({ a: 1, nested: { list: [true, null, "x"] }, unicode: "\u00e9\u2603" });
      case "/json-status":
        return Response.json([1, 2], { status: 201, statusText: "Made", headers: { "x-extra": "1", "content-type": "application/vnd.custom+json" } });
      case "/redirect":
        return Response.redirect("https://example.com/target?x=1");
      case "/redirect-301":
        return Response.redirect("https://example.com/a b", 301);
      case "/redirect-relative":
        return Response.json(attempt(() => Response.redirect("/relative").status));
      case "/redirect-bad-status":
        return Response.json(attempt(() => Response.redirect("https://example.com/", 200).status));
      case "/error": {
        const e = Response.error();
        return Response.json({ ...describe(e), immutable: attempt(() => e.headers.set("a", "b")) });
      }
      case "/constructor-errors":
        return Response.json({
          status199: attempt(() => new Response("x", { status: 199 }).status),
          status600: attempt(() => new Response("x", { status: 600 }).status),
          status200: attempt(() => new Response("x", { status: 200.0 }).status),
          status204Body: attempt(() => new Response("x", { status: 204 }).status),
          status204Null: attempt(() => new Response(null, { status: 204 }).status),
          status304Empty: attempt(() => new Response("", { status: 304 }).status),
          badStatusText: attempt(() => new Response("x", { statusText: "bad\nline" }).statusText),
          statusTextLatin1: attempt(() => new Response("x", { statusText: "caf\u00e9" }).statusText),
          badHeaders: attempt(() => new Response("x", { headers: { "a b": "c" } }).status),
          jsonCycle: attempt(() => { const o = {}; o.o = o; return Response.json(o).status; }),
          jsonUndefined: attempt(() => Response.json(undefined).status),
          jsonBigInt: attempt(() => Response.json(1n).status),
        });
      case "/properties":
        return Response.json({
          plain: describe(new Response("x")),
          created: describe(new Response(null, { status: 201, statusText: "Created!" })),
          notOk: describe(new Response("x", { status: 404 })),
          redirect: describe(Response.redirect("https://example.com/", 307)),
          json: describe(Response.json({})),
        });
      case "/no-content":
        return new Response(null, { status: 204, headers: { "x-why": "empty" } });
      case "/body-types": {
        const out = {};
        const bodies = {
          string: "str", empty: "", arrayBuffer: new Uint8Array([104, 105]).buffer, typed: new Uint16Array([0x6968]),
          dataView: new DataView(new Uint8Array([111, 107]).buffer), params: new URLSearchParams("a=1&b=2"), nul: null,
        };
        for (const [name, body] of Object.entries(bodies)) {
          const r = new Response(body);
          out[name] = { type: r.headers.get("content-type"), text: await r.text() };
        }
        return Response.json(out);
      }
      case "/clone": {
        const r = new Response("twice", { status: 202, headers: { "x-a": "1" } });
        const c = r.clone();
        const texts = [await r.text(), await c.text()];
        return Response.json({ texts, status: c.status, header: c.headers.get("x-a"), cloneUsed: attempt(() => r.clone().status) });
      }
      case "/throw":
        throw new Error("the handler failed");
      case "/not-a-response":
        return { status: 200 };
      case "/rejects":
        return Promise.reject(new TypeError("rejected"));
    }
    return new Response("not found", { status: 404 });
  },
};
