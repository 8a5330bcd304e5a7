// The example worker that `switchyard dev` serves out of the box.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/json") {
      return Response.json({ hello: env.GREETING ?? "world", path: url.pathname });
    }
    console.log(`${request.method} ${url.pathname}`);
    return new Response(`Hello from Switchyard, ${env.GREETING ?? "world"}!\n`, {
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  },
};
