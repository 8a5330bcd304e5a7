// The bindings benchmark's worker on Deno (Benchmarks/bindings.sh), with Deno's own stores:
// Deno.openKv() for KV, node:sqlite for D1 (WAL and synchronous = FULL, as Switchyard's D1 files),
// files for R2 (written and fsynced before the answer, as Switchyard's are).
// Same routes and answers as switchyard.js.
import { DatabaseSync } from "node:sqlite";

const kv = await Deno.openKv(Deno.env.get("BENCH_KV_PATH"));
const db = new DatabaseSync(Deno.env.get("BENCH_D1_PATH"));
db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
db.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
const selectItem = db.prepare("SELECT id, name FROM items WHERE id = ?");
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
        for (let i = 1; i <= 1000; i++) db.prepare("INSERT OR IGNORE INTO items (id, name) VALUES (?, ?)").run(i, `item ${i}`);
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
      case "/d1/get":
        return new Response(selectItem.get(1 + (written++ % 1000)).name);
      case "/d1/put":
        db.prepare("INSERT INTO items (name) VALUES (?)").run(`new ${written++}`);
        return new Response("ok");
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
