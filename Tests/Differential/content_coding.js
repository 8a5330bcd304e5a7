/*---
{
  "requires": ["fetch"],
  "requests": [
    {"path": "/decoded?as=gzip&n=3", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/decoded?as=deflate&n=1", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/reader?n=20000", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/corrupt", "headers": [["x-origin-url", "$ORIGIN"]]},
    {"path": "/clone", "headers": [["x-origin-url", "$ORIGIN"]]}
  ]
}
---*/
// fetch() responses in a content coding (gzip, deflate) read decoded, with their headers as the
// origin sent them; a body that is not in the coding it claims fails the read.

export default {
  async fetch(request) {
    const origin = request.headers.get("x-origin-url");
    const url = new URL(request.url);
    if (url.pathname === "/decoded") {
      const response = await fetch(`${origin}/coded${url.search}`);
      const text = await response.text();
      return Response.json({ coding: response.headers.get("content-encoding"), length: text.length, first: text.split("\n")[0] });
    }
    if (url.pathname === "/reader") {
      const reader = (await fetch(`${origin}/coded?as=gzip${url.search.replace("?", "&")}`)).body.getReader();
      let length = 0;
      let last = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        length += value.byteLength;
        last = new TextDecoder().decode(value.slice(-20));
      }
      return Response.json({ length, last: last.split("\n").at(-2) });
    }
    if (url.pathname === "/corrupt") {
      const response = await fetch(`${origin}/coded?as=corrupt`);
      try {
        await response.text();
        return new Response("read");
      } catch (error) {
        return new Response(error.name);
      }
    }
    if (url.pathname === "/clone") {
      const response = await fetch(`${origin}/coded?as=gzip&n=2`);
      const copy = response.clone();
      return Response.json([await response.text(), await copy.text()]);
    }
    return new Response("not found", { status: 404 });
  },
};
