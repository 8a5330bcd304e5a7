/*---
{
  "requests": [
    {"path": "/parse"},
    {"path": "/mutate"},
    {"path": "/invalid"},
    {"path": "/search-params"},
    {"path": "/request-url/%7Euser/a%20b/../c?q=%20x&y=%E2%98%83"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// URL and URLSearchParams: parsing, serialisation, setters, relative resolution, IDNA and IPv6
// hosts, percent-encoding, invalid input, and the URL of the incoming request.
const parts = (u) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash });

export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/parse") {
      const inputs = [
        ["https://user:pa%20ss@EXAMPLE.com:443/a/./b/../c?x=1#frag"],
        ["http://example.com:8080/\u00e9?\u00e9=\u00e9#\u00e9"],
        ["../up?q", "https://example.com/a/b/c"],
        ["//other.org/p", "https://example.com/"],
        ["?only", "https://example.com/path"],
        ["https://M\u00fcnchen.example/"],
        ["http://[::1]:80/"],
        ["http://[2001:db8::0:1]/x"],
        ["http://0x7f.1/"],
        ["file:///tmp/a b"],
        ["data:text/plain,hello world"],
        ["mailto:someone@example.com"],
        ["HTTPS://EXAMPLE.COM/%7e/%zz"],
        ["https://example.com/\\back\\slash"],
        ["  https://example.com/trim  "],
        ["https://example.com/tab\tand\nnewline"],
        ["blob:https://example.com/uuid"],
        ["ws://example.com:80/"],
      ];
      return Response.json(inputs.map((args) => attempt(() => parts(new URL(...args)))));
    }
    if (url.pathname === "/mutate") {
      const u = new URL("https://example.com/start?a=1#h");
      u.pathname = "/new path/\u00e9";
      u.search = "b=2 3";
      u.hash = "x y";
      u.port = "8443";
      u.hostname = "Other.Example";
      u.username = "me";
      u.password = "p@ss";
      const afterSet = u.href;
      u.protocol = "http";
      u.port = "80";
      u.searchParams.append("c", "4&5");
      u.searchParams.delete("b");
      return Response.json({ afterSet, final: u.href, json: JSON.stringify({ u }), string: String(u), canParse: typeof URL.canParse === "function" ? [URL.canParse("x:"), URL.canParse("nope")] : "missing" });
    }
    if (url.pathname === "/invalid") {
      const inputs = ["", "nope", "http://", "https://exa mple.com/", "http://[::1/", "http://example.com:99999/", "https://%zz/", "//no-base"];
      return Response.json(inputs.map((input) => attempt(() => new URL(input).href)));
    }
    if (url.pathname === "/search-params") {
      const p = new URLSearchParams("?b=2&a=1&b=3&c=%20x+y&d=%E2%98%83&e&=f");
      const entries = [...p];
      p.sort();
      const sorted = p.toString();
      p.set("b", "only");
      p.append("z", "a b&c=d\u00e9~*'()");
      return Response.json({
        entries, sorted, after: p.toString(), getAll: p.getAll("b"), has: [p.has("a"), p.has("a", "1"), p.has("a", "2")],
        size: p.size, fromRecord: new URLSearchParams({ x: "1", y: "\u00e9" }).toString(), fromPairs: new URLSearchParams([["k", "v"], ["k", "w"]]).toString(),
        badPairs: attempt(() => new URLSearchParams([["k"]]).toString()), deleteValue: (() => { const q = new URLSearchParams("a=1&a=2"); q.delete("a", "1"); return q.toString(); })(),
      });
    }
    return Response.json({ url: request.url, pathname: url.pathname, search: url.search, params: [...url.searchParams] });
  },
};
