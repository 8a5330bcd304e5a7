// The bindings benchmark's worker on Deno (Benchmarks/bindings.sh), with Deno's own stores:
// Deno.openKv() for KV. Same routes and answers as switchyard.js.
const kv = await Deno.openKv(Deno.env.get("BENCH_KV_PATH"));
const value = "v".repeat(100);
let written = 0;

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/setup":
        await kv.set(["hot"], value);
        return new Response("ok");
      case "/kv/get":
        return new Response((await kv.get(["hot"])).value);
      case "/kv/put":
        await kv.set([`key-${written++}`], value);
        return new Response("ok");
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
