// The WebCrypto and router rows of Benchmarks/webcrypto.sh, served unchanged by `switchyard serve
// --dispatcher` and by `deno serve`.
//   /hmac?n=N    N HMAC-SHA-256 signatures of 1 KB       /digest?n=N  N SHA-256 digests of 1 KB
//   /aes?n=N     N AES-GCM encryptions of 1 MB           /api/...     a Hono-style router app
//   /hello       the router row's baseline: a Response and nothing else
// Each crypto route answers with the number of operations done, so one request measures N
// operations inside a request.

const kilobyte = new Uint8Array(1024).fill(7);
const megabyte = new Uint8Array(1024 * 1024).fill(9);
let hmacKey, aesKey;

async function keys() {
  hmacKey ??= await crypto.subtle.importKey("raw", new Uint8Array(32).fill(1), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  aesKey ??= await crypto.subtle.importKey("raw", new Uint8Array(32).fill(2), "AES-GCM", false, ["encrypt"]);
}

const iv = new Uint8Array(12);

async function repeat(n, operation) {
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += (await operation()).byteLength;
  return new Response(`${n} ${bytes}\n`);
}

// ---- a router in the style of Hono / itty-router: a route table with :params, middleware -----

function compile(path) {
  const names = [];
  const source = path.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  return { regexp: new RegExp(`^${source}$`), names };
}

class Router {
  routes = [];
  middleware = [];
  use(handler) {
    this.middleware.push(handler);
    return this;
  }
  on(method, path, handler) {
    this.routes.push({ method, ...compile(path), handler });
    return this;
  }
  get(path, handler) {
    return this.on("GET", path, handler);
  }
  post(path, handler) {
    return this.on("POST", path, handler);
  }
  async fetch(request) {
    const url = new URL(request.url);
    const context = { request, url, params: {}, headers: new Headers() };
    const route = this.routes.find((r) => r.method === request.method && r.regexp.test(url.pathname));
    const run = async (index) => {
      if (index < this.middleware.length) return this.middleware[index](context, () => run(index + 1));
      if (!route) return Response.json({ error: "not found" }, { status: 404 });
      const match = route.regexp.exec(url.pathname);
      route.names.forEach((name, i) => (context.params[name] = decodeURIComponent(match[i + 1])));
      return route.handler(context);
    };
    const response = await run(0);
    for (const [name, value] of context.headers) response.headers.set(name, value);
    return response;
  }
}

const users = new Map([["1", { id: 1, name: "Ada" }], ["2", { id: 2, name: "Grace" }]]);
const app = new Router()
  .use(async (c, next) => {
    c.headers.set("x-powered-by", "router-bench");
    return next();
  })
  .use(async (c, next) => {
    if (c.request.method === "OPTIONS") return new Response(null, { status: 204 });
    c.headers.set("access-control-allow-origin", "*");
    return next();
  })
  .get("/api/users/:id", (c) => {
    const user = users.get(c.params.id);
    return user ? Response.json(user) : Response.json({ error: "no such user" }, { status: 404 });
  })
  .get("/api/posts/:post/comments/:comment", (c) => Response.json({ post: c.params.post, comment: c.params.comment }))
  .post("/api/echo", async (c) => Response.json(await c.request.json()));

export default {
  async fetch(request) {
    // The baseline of the router row: the same server and connection count, no framework.
    if (request.url.endsWith("/hello")) return new Response("hello world");
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "1");
    switch (url.pathname) {
      case "/hmac":
        await keys();
        return repeat(n, () => crypto.subtle.sign("HMAC", hmacKey, kilobyte));
      case "/digest":
        return repeat(n, () => crypto.subtle.digest("SHA-256", kilobyte));
      case "/aes":
        await keys();
        return repeat(n, () => crypto.subtle.encrypt({ name: "AES-GCM", iv }, aesKey, megabyte));
      default:
        return app.fetch(request);
    }
  },
};
