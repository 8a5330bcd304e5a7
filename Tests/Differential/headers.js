/*---
{
  "requests": [
    {"path": "/order"},
    {"path": "/duplicates"},
    {"path": "/set-cookie"},
    {"path": "/invalid"},
    {"path": "/request", "headers": [["x-b", "2"], ["X-A", "1"], ["x-dup", "one"], ["x-dup", "two"], ["accept", "text/html"]]},
    {"path": "/response-headers"},
    {"path": "/mutation"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// Headers: iteration order (sorted, lower-cased), duplicates (combined with ", "), set-cookie
// (kept apart), invalid names and values (TypeError), and the headers a response carries on the wire.

export default {
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/order") {
      const h = new Headers([["Zeta", "z"], ["alpha", "a"], ["Mid-Dle", "m"], ["beta", "b"]]);
      h.set("Gamma", "g");
      return Response.json({ entries: [...h], keys: [...h.keys()], values: [...h.values()] });
    }
    if (pathname === "/duplicates") {
      const h = new Headers();
      h.append("x-list", "a");
      h.append("X-List", "b");
      h.append("x-list", " c ");
      const forEach = [];
      h.forEach((value, name) => forEach.push(name + "=" + value));
      return Response.json({ get: h.get("x-list"), has: h.has("X-LIST"), missing: h.get("nope"), entries: [...h], forEach });
    }
    if (pathname === "/set-cookie") {
      const h = new Headers();
      h.append("Set-Cookie", "a=1; Path=/");
      h.append("set-cookie", "b=2, c=3");
      h.append("x-other", "o");
      const cookies = typeof h.getSetCookie === "function" ? h.getSetCookie() : "missing";
      const out = new Response("cookies", { headers: h });
      return new Response(JSON.stringify({ get: h.get("set-cookie"), cookies, entries: [...h] }), { headers: out.headers });
    }
    if (pathname === "/invalid") {
      return Response.json({
        emptyName: attempt(() => new Headers([["", "x"]])),
        spaceName: attempt(() => new Headers({ "bad name": "x" })),
        colonName: attempt(() => new Headers().append("a:b", "x")),
        nonAscii: attempt(() => new Headers().set("caf\u00e9", "x")),
        newlineValue: attempt(() => new Headers().set("x-ok", "a\nb")),
        nulValue: attempt(() => new Headers().set("x-ok", "a\u0000b")),
        wideValue: attempt(() => new Headers().set("x-ok", "\u0100")),
        trimmed: attempt(() => new Headers({ "x-ok": "  padded\t " }).get("x-ok")),
        badPair: attempt(() => new Headers([["only-name"]])),
        badInit: attempt(() => new Headers(42)),
        getInvalid: attempt(() => new Headers().get("bad name")),
        deleteInvalid: attempt(() => new Headers().delete("bad name")),
        hasInvalid: attempt(() => new Headers().has("bad name")),
        recordInit: attempt(() => [...new Headers({ B: "2", a: "1" })]),
      });
    }
    if (pathname === "/request") {
      const h = request.headers;
      return Response.json({
        a: h.get("x-a"), b: h.get("X-B"), dup: h.get("x-dup"), accept: h.get("accept"), host: h.get("host"),
        entries: [...h].filter(([name]) => name.startsWith("x-")),
      });
    }
    if (pathname === "/response-headers") {
      const h = new Headers({ "content-type": "text/plain; charset=utf-8", "x-custom": "value" });
      h.append("x-multi", "1");
      h.append("x-multi", "2");
      h.append("cache-control", "no-store");
      return new Response("hello", { headers: h });
    }
    if (pathname === "/mutation") {
      const h = new Headers({ a: "1", b: "2", c: "3" });
      const seen = [];
      for (const [name] of h) {
        seen.push(name);
        if (name === "a") h.delete("b");
      }
      const response = new Response("x", { headers: { "x-r": "1" } });
      const immutable = attempt(() => Response.error().headers.set("x", "y"));
      response.headers.set("x-later", "2");
      return Response.json({ seen, immutable, later: [...response.headers] });
    }
    return new Response("not found", { status: 404 });
  },
};
