/*---
{
  "requests": [
    {"path": "/users/42"},
    {"path": "/users/42/posts/hello%20world?draft=1#top"},
    {"path": "/files/a/b/c.txt"},
    {"path": "/API/v2/Items"},
    {"path": "/blog/2024/05"},
    {"path": "/nothing/here"},
    {"path": "/patterns"},
    {"path": "/opaque"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// URLPattern as a router uses it (Hono, itty-router): routes matched in order against the
// request URL, answering each route's exec() result; /patterns reports the compiled pattern
// strings, test() and exec() of a set of patterns and inputs, and which ones throw.
const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
const result = (r) => r === null ? null : Object.fromEntries([["inputs", r.inputs], ...COMPONENTS.map((c) => [c, r[c]])]);
const strings = (p) => Object.fromEntries(COMPONENTS.map((c) => [c, p[c]]));

const routes = [
  ["user", new URLPattern({ pathname: "/users/:id" })],
  ["post", new URLPattern({ pathname: "/users/:id/posts/:slug", search: "*", hash: "*" })],
  ["files", new URLPattern({ pathname: "/files/*" })],
  ["api", new URLPattern({ pathname: "/api/:version(v\\d+)/:rest*" }, { ignoreCase: true })],
  ["blog", new URLPattern("/blog/:year(\\d{4})/:month(\\d{2})?", "http://placeholder.invalid")],
];

export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/opaque") {
      // A "/" in the pathname pattern of a non-special scheme (an opaque path).
      const pattern = new URLPattern({ protocol: "data", pathname: ":mime/*" });
      return Response.json({ pathname: pattern.pathname, exec: result(pattern.exec("data:text/plain,hi")) });
    }
    if (url.pathname === "/patterns") {
      const patterns = [
        [{ pathname: "/foo/:bar?" }],
        [{ pathname: "/foo/{:bar}?baz" }],
        ["https://:sub.example.com/*"],
        ["https://example.com:8080/a/:b+"],
        ["http://[::1]:8080/*"],
        ["/path/(\\d+)", "https://example.com/base/"],
        [{ hostname: "*.EXAMPLE.com", protocol: "HTTPS" }],
        [{ pathname: "/caf\u00e9/:x" }],
        [{ search: "q=:query&page=:page" }],
        ["/relative"],
        [{ pathname: "/(" }],
        [{ pathname: "/:a/:a" }],
        [{ pathname: "/" }, "https://example.com"],
      ];
      const inputs = [
        ["https://example.com/foo"],
        ["https://example.com/foo/x"],
        ["https://example.com/foobaz"],
        ["https://api.example.com/v1/x"],
        ["https://example.com:8080/a/b/c"],
        ["http://[::1]:8080/x"],
        ["https://example.com/path/123"],
        ["https://www.example.com/"],
        ["https://example.com/caf%C3%A9/1"],
        ["https://example.com/?q=a%20b&page=2"],
        ["data:text/plain,hi"],
        [{ pathname: "/foo/y" }],
        [{ hostname: "sub.example.com", protocol: "https" }],
        ["/path/9", "https://example.com/base/x"],
        ["not a url"],
      ];
      return Response.json(patterns.map((args) => {
        const made = attempt(() => new URLPattern(...args));
        if (made.error) return made;
        const pattern = made.ok;
        return {
          strings: strings(pattern),
          tests: inputs.map((input) => attempt(() => pattern.test(...input))),
          execs: inputs.map((input) => attempt(() => result(pattern.exec(...input)))),
        };
      }));
    }
    for (const [name, pattern] of routes) {
      const match = pattern.exec(request.url);
      if (match !== null) return Response.json({ route: name, match: result(match) });
    }
    return Response.json({ route: null, test: routes.map(([, p]) => p.test(request.url)) }, { status: 404 });
  },
};
