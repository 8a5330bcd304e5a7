/*---
{
  "requests": [
    {"path": "/generated?mb=4"},
    {"path": "/string?mb=3"},
    {"method": "POST", "path": "/digest", "bodyRepeat": {"text": "0123456789abcdef", "count": 196608}},
    {"method": "POST", "path": "/echo", "bodyRepeat": {"text": "large upload \u2603 ", "count": 180000}},
    {"method": "POST", "path": "/json", "headers": [["content-type", "application/json"]], "bodyRepeat": {"text": "[1,\"two\",{\"three\":3}],", "count": 100000, "prefix": "[", "suffix": "0]"}}
  ]
}
---*/
// Large bodies, a few MB each way: generated binary out, a big string out, big uploads read
// whole (checksummed, echoed, parsed as JSON).
function checksum(bytes) {
  let a = 1, b = 0;
  for (let i = 0; i < bytes.length; i++) { a = (a + bytes[i]) % 65521; b = (b + a) % 65521; }
  return b * 65536 + a;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const mb = Number(url.searchParams.get("mb") ?? "1");
    if (url.pathname === "/generated") {
      const bytes = new Uint8Array(mb * 1024 * 1024);
      let x = 12345;
      for (let i = 0; i < bytes.length; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24; }
      return new Response(bytes, { headers: { "x-checksum": String(checksum(bytes)) } });
    }
    if (url.pathname === "/string") return new Response("abcdefghijklmnop\n".repeat(mb * 65536 * 1.0) + "end");
    if (url.pathname === "/digest") {
      const bytes = new Uint8Array(await request.arrayBuffer());
      return Response.json({ length: bytes.length, checksum: checksum(bytes) });
    }
    if (url.pathname === "/echo") return new Response(await request.text());
    if (url.pathname === "/json") {
      const value = await request.json();
      return Response.json({ length: value.length, last: value[value.length - 1], sample: value.slice(0, 3) });
    }
    return new Response("not found", { status: 404 });
  },
};
