// The bindings benchmark's worker on Switchyard (Benchmarks/bindings.sh); deno.js is the same on
// Deno's own stores. GET /kv/get reads one 100-byte value; POST /kv/put writes one under a fresh key.
// GET /r2/get answers a 1 MB object (streamed from its file); POST /r2/put stores the 1 MB request
// body under a fresh key (streamed into its file, synced before the answer). GET /d1/get reads one
// row of 1,000 by primary key; POST /d1/put inserts one.
const value = "v".repeat(100);
const megabyte = new Uint8Array(1024 * 1024).fill(120);
let written = 0;

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/setup":
        await env.KV.put("hot", value);
        await env.BUCKET.put("hot", megabyte);
        await env.DB.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
        await env.DB.batch(Array.from({ length: 1000 }, (_, i) =>
          env.DB.prepare("INSERT OR IGNORE INTO items (id, name) VALUES (?, ?)").bind(i + 1, `item ${i + 1}`)));
        return new Response("ok");
      case "/kv/get":
        return new Response(await env.KV.get("hot"));
      case "/kv/put":
        await env.KV.put(`key-${written++}`, value);
        return new Response("ok");
      case "/r2/get":
        return new Response((await env.BUCKET.get("hot")).body);
      case "/r2/put":
        await env.BUCKET.put(`object-${written++}`, request.body);
        return new Response("ok");
      case "/d1/get": {
        const row = await env.DB.prepare("SELECT id, name FROM items WHERE id = ?").bind(1 + (written++ % 1000)).first();
        return new Response(row.name);
      }
      case "/d1/put":
        await env.DB.prepare("INSERT INTO items (name) VALUES (?)").bind(`new ${written++}`).run();
        return new Response("ok");
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
