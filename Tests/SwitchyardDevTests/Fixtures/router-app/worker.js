// A router application in the style of Hono and itty-router apps, written against the Web APIs
// only: a route table with :params, a middleware chain (request id, CORS, basic auth), JSON,
// cookies, redirects, an ETag from crypto.subtle, multipart uploads, a streamed response, a
// WebSocket echo and the Cache API. RouterAppTests drives it through `switchyard dev`.

class Router {
  #routes = [];
  #middleware = [];

  use(handler) {
    this.#middleware.push(handler);
    return this;
  }

  on(method, pattern, handler) {
    this.#routes.push({ method, pattern: new URLPattern({ pathname: pattern }), handler });
    return this;
  }

  get(pattern, handler) { return this.on("GET", pattern, handler); }
  post(pattern, handler) { return this.on("POST", pattern, handler); }

  async fetch(request, env, ctx) {
    const c = { request, env, ctx, url: new URL(request.url), params: {}, headers: new Headers() };
    const dispatch = async (index) => {
      if (index < this.#middleware.length) return this.#middleware[index](c, () => dispatch(index + 1));
      for (const route of this.#routes) {
        if (route.method !== request.method) continue;
        const match = route.pattern.exec(c.url);
        if (match) {
          c.params = match.pathname.groups;
          return route.handler(c);
        }
      }
      return Response.json({ error: "not found", path: c.url.pathname }, { status: 404 });
    };
    const response = await dispatch(0);
    if (response.status === 101) return response;
    // Responses from Response.redirect() and fetch() have immutable headers: copy before adding.
    const out = new Response(response.body, response);
    for (const [name, value] of c.headers) out.headers.set(name, value);
    return out;
  }
}

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (text) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
const cookies = (request) => Object.fromEntries((request.headers.get("cookie") ?? "").split(/;\s*/).filter(Boolean)
  .map((pair) => [pair.slice(0, pair.indexOf("=")), decodeURIComponent(pair.slice(pair.indexOf("=") + 1))]));
const users = new Map([["1", { id: 1, name: "Ada" }], ["2", { id: 2, name: "Grace" }]]);

const app = new Router()
  .use(async (c, next) => {
    c.headers.set("x-request-id", crypto.randomUUID());
    return next();
  })
  .use(async (c, next) => {
    if (c.request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": c.request.headers.get("access-control-request-headers") ?? "",
          "access-control-max-age": "600",
        },
      });
    }
    c.headers.set("access-control-allow-origin", "*");
    return next();
  })
  .use(async (c, next) => {
    if (!c.url.pathname.startsWith("/admin/")) return next();
    const given = c.request.headers.get("authorization") ?? "";
    const expected = "Basic " + btoa("admin:s3cret");
    // Equal-length digests, so the comparison leaks nothing about where the strings differ.
    if (crypto.subtle.timingSafeEqual(await sha256(given), await sha256(expected))) return next();
    return new Response("unauthorized", { status: 401, headers: { "www-authenticate": 'Basic realm="admin"' } });
  })
  .get("/users/:id", (c) => {
    const user = users.get(c.params.id);
    return user ? Response.json(user) : Response.json({ error: "no such user" }, { status: 404 });
  })
  .post("/users", async (c) => {
    const body = await c.request.json();
    const id = String(users.size + 1);
    users.set(id, { id: Number(id), ...body });
    return Response.json(users.get(id), { status: 201, headers: { location: `/users/${id}` } });
  })
  .get("/login", () => new Response(null, {
    status: 302,
    headers: { location: "/me", "set-cookie": "session=abc%20123; HttpOnly; Path=/; SameSite=Lax" },
  }))
  .get("/me", (c) => Response.json({ session: cookies(c.request).session ?? null }))
  .get("/old/:id", (c) => Response.redirect(new URL(`/users/${c.params.id}`, c.url), 301))
  .get("/etag/:text", async (c) => {
    const body = `text: ${c.params.text}`;
    const etag = `"${hex(await sha256(body))}"`;
    if (c.request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: { etag } });
    return new Response(body, { headers: { etag } });
  })
  .get("/admin/stats", () => Response.json({ users: users.size }))
  .post("/upload", async (c) => {
    const form = await c.request.formData();
    const files = [];
    for (const [name, value] of form) {
      files.push(typeof value === "string" ? { name, value }
        : { name, file: value.name, size: value.size, sha256: hex(await crypto.subtle.digest("SHA-256", await value.arrayBuffer())) });
    }
    return Response.json(files);
  })
  .get("/stream", () => {
    let i = 0;
    const stream = new ReadableStream({
      async pull(controller) {
        await scheduler.wait(1);
        if (i === 5) return controller.close();
        controller.enqueue(new TextEncoder().encode(`chunk ${i++}\n`));
      },
    });
    return new Response(stream, { headers: { "content-type": "text/plain" } });
  })
  .get("/ws", (c) => {
    if (c.request.headers.get("upgrade") !== "websocket") return new Response("expected a WebSocket", { status: 426 });
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => server.send(`echo: ${event.data}`));
    server.addEventListener("close", (event) => server.close(event.code, "bye"));
    return new Response(null, { status: 101, webSocket: client });
  })
  .get("/cached/:name", async (c) => {
    const cache = caches.default;
    const hit = await cache.match(c.request);
    if (hit) return hit;
    const response = new Response(`made for ${c.params.name} as ${crypto.randomUUID()}`, {
      headers: { "cache-control": "public, max-age=60" },
    });
    // Awaited, not waitUntil(): the next request is then sure to find it.
    await cache.put(c.request, response.clone());
    return response;
  });

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
};
