/*---
{
  "requests": [
    {"path": "/info?q=1&r=two#frag"},
    {"method": "PUT", "path": "/info", "headers": [["content-type", "text/plain"]], "body": "put body"},
    {"method": "PATCH", "path": "/info", "body": "p"},
    {"method": "POST", "path": "/text", "headers": [["content-type", "text/plain;charset=utf-8"]], "body": "h\u00e9llo \u2603 w\u00f6rld"},
    {"method": "POST", "path": "/json", "headers": [["content-type", "application/json"]], "body": "{\"a\":[1,2,{\"b\":null}],\"s\":\"\\u00e9\"}"},
    {"method": "POST", "path": "/json", "headers": [["content-type", "application/json"]], "body": "{not json"},
    {"method": "POST", "path": "/array-buffer", "bodyBase64": "AAECA/7/gIE="},
    {"method": "POST", "path": "/used", "body": "once"},
    {"method": "POST", "path": "/clone", "body": "cloned body"},
    {"method": "GET", "path": "/has-body"},
    {"method": "POST", "path": "/has-body", "body": "x"},
    {"method": "POST", "path": "/has-body?empty", "body": ""},
    {"method": "DELETE", "path": "/has-body"},
    {"method": "OPTIONS", "path": "/has-body"},
    {"path": "/method-case"},
    {"method": "POST", "path": "/form", "headers": [["content-type", "application/x-www-form-urlencoded"]], "body": "a=1&b=two+words&a=3"},
    {"path": "/construct"}
  ]
}
---*/
import { attempt, attemptAsync } from "./support/attempt.js";
// Request: method, url, headers, clone, and the body of what the client sent read as text, JSON
// and an ArrayBuffer; bodyUsed; constructing Requests in the worker.

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/info":
        return Response.json({
          method: request.method, url: request.url, search: url.search, hash: url.hash,
          contentType: request.headers.get("content-type"),
          text: await request.text(), bodyUsed: request.bodyUsed,
        });
      case "/text": {
        const text = await request.text();
        return Response.json({ text, length: text.length, bodyUsed: request.bodyUsed });
      }
      case "/json":
        return Response.json(await attemptAsync(() => request.json()));
      case "/array-buffer": {
        const buffer = await request.arrayBuffer();
        return Response.json({ isArrayBuffer: buffer instanceof ArrayBuffer, bytes: [...new Uint8Array(buffer)] });
      }
      case "/used": {
        const first = await request.text();
        const second = await attemptAsync(() => request.text());
        return Response.json({ first, second, bodyUsed: request.bodyUsed });
      }
      case "/clone": {
        const copy = request.clone();
        const [a, b] = [await copy.text(), await request.text()];
        const afterUse = attempt(() => request.clone());
        return Response.json({ a, b, sameHeaders: [...copy.headers].length === [...request.headers].length, afterUse, method: copy.method, url: copy.url });
      }
      case "/has-body":
        return Response.json({ method: request.method, hasBody: request.body !== null, text: await request.text() });
      case "/method-case":
        return Response.json({
          patch: new Request("https://e.com/", { method: "patch" }).method,
          custom: new Request("https://e.com/", { method: "Brew" }).method,
          post: new Request("https://e.com/", { method: "pOsT" }).method,
        });
      case "/form": {
        const params = new URLSearchParams(await request.text());
        return Response.json({ a: params.getAll("a"), b: params.get("b") });
      }
      case "/construct": {
        const r = new Request("https://example.com/a/../b?x=1", { method: "post", headers: { "X-Y": "z" }, body: "abc" });
        const g = new Request("https://example.com/");
        return Response.json({
          method: r.method, url: r.url, header: r.headers.get("x-y"), text: await r.text(),
          gMethod: g.method, gBody: g.body,
          getWithBody: attempt(() => new Request("https://e.com/", { method: "GET", body: "x" }).method),
          badMethod: attempt(() => new Request("https://e.com/", { method: "CONNECT" }).method),
          relative: attempt(() => new Request("/relative").url),
          fromUsedRequest: attempt(() => new Request(r, { headers: { "x-new": "1" } }).headers.get("x-new")),
          fromRequest: new Request(g, { headers: { "x-new": "1" } }).headers.get("x-new"),
          contentType: new Request("https://e.com/", { method: "POST", body: "s" }).headers.get("content-type"),
        });
      }
    }
    return new Response("not found", { status: 404 });
  },
};
