// The bindings benchmark's worker on Deno (Benchmarks/bindings.sh), with Deno's own stores:
// Deno.openKv() for KV, files for R2 (written and fsynced before the answer, as Switchyard's are).
// Same routes and answers as switchyard.js.
const kv = await Deno.openKv(Deno.env.get("BENCH_KV_PATH"));
const objects = Deno.env.get("BENCH_R2_DIR");
const value = "v".repeat(100);
const megabyte = new Uint8Array(1024 * 1024).fill(120);
let written = 0;

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/setup":
        await kv.set(["hot"], value);
        await Deno.writeFile(`${objects}/hot`, megabyte);
        return new Response("ok");
      case "/kv/get":
        return new Response((await kv.get(["hot"])).value);
      case "/kv/put":
        await kv.set([`key-${written++}`], value);
        return new Response("ok");
      case "/r2/get": {
        const file = await Deno.open(`${objects}/hot`);
        return new Response(file.readable);
      }
      case "/r2/put": {
        const file = await Deno.open(`${objects}/object-${written++}`, { write: true, create: true });
        await request.body.pipeTo(file.writable, { preventClose: true });
        await file.sync();
        file.close();
        return new Response("ok");
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
