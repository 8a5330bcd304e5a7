//@fuzz mode=module heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=3
//@module "worker.js" esm
import a from "./a.js";
await import("./lib/b.js");
export default { fetch: async (request) => new Response(await request.text()) };
//@module "a.js" esm
export const then = () => { throw new Error("then"); };
export default 1;
//@module "lib/b.js" esm
await Promise.resolve();
export default 2;
//@source "worker.js"
//@request method="POST" url="http://example.com/" headers="content-type\x00text/plain" body="\xff\xfe\x00\xed\xa0\x80" cf="{\"colo\":\"X\"}"
