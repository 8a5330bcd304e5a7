// The bindings benchmark's worker on Switchyard (Benchmarks/bindings.sh); deno.js is the same on
// Deno's own stores. GET /kv/get reads one 100-byte value; POST /kv/put writes one under a fresh key.
const value = "v".repeat(100);
let written = 0;

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/setup":
        await env.KV.put("hot", value);
        return new Response("ok");
      case "/kv/get":
        return new Response(await env.KV.get("hot"));
      case "/kv/put":
        await env.KV.put(`key-${written++}`, value);
        return new Response("ok");
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
