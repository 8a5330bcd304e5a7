// The loopback origin that fetch cases (and Benchmarks/streaming.sh) call: served by
// `deno serve`, started by the test. Its answers depend only on the request, so both servers'
// workers see the same ones.
const text = "origin text\n";
const big = new Uint8Array(1024 * 1024).map((_, i) => i % 256);

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/text":
        return new Response(text, { headers: { "content-type": "text/plain", "x-origin": "yes" } });
      case "/json":
        return Response.json({ from: "origin", query: url.searchParams.get("q") });
      case "/echo": {
        // Only what the caller chose: user-agent, accept-encoding and the like differ by runtime.
        const chosen = {};
        for (const [name, value] of request.headers) if (name.startsWith("x-")) chosen[name] = value;
        const body = await request.arrayBuffer();
        return Response.json({ method: request.method, headers: chosen, length: body.byteLength, body: new TextDecoder().decode(body).slice(0, 64) });
      }
      case "/status":
        return new Response("status from origin", { status: Number(url.searchParams.get("code") ?? "200") });
      case "/redirect":
        return new Response(null, { status: 302, headers: { location: "/text" } });
      case "/cookies": {
        const headers = new Headers();
        headers.append("set-cookie", "a=1");
        headers.append("set-cookie", "b=2");
        return new Response("cookies", { headers });
      }
      case "/big":
        return new Response(big);
      case "/payload": {
        // Benchmarks/streaming.sh: a static body of ?mb= megabytes (default 1).
        const mb = Number(url.searchParams.get("mb") ?? "1");
        return new Response(mb === 1 ? big : new Uint8Array(mb * 1024 * 1024));
      }
      case "/coded": {
        // "coded body N\n" for N below ?n= (default 1), in ?as= gzip or deflate; as=corrupt
        // announces gzip and sends bytes that are not.
        const coding = url.searchParams.get("as") ?? "gzip";
        const n = Number(url.searchParams.get("n") ?? "1");
        let plain = "";
        for (let i = 0; i < n; i++) plain += `coded body ${i}\n`;
        const body = coding === "corrupt"
          ? new TextEncoder().encode("not gzip at all")
          : await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream(coding))).arrayBuffer();
        return new Response(body, { headers: { "content-encoding": coding === "corrupt" ? "gzip" : coding, "content-type": "text/plain" } });
      }
      case "/slow": {
        let n = 0;
        return new Response(new ReadableStream({
          async pull(c) {
            await new Promise((r) => setTimeout(r, 5));
            if (++n > 3) c.close(); else c.enqueue(new TextEncoder().encode(`slow ${n}\n`));
          },
        }));
      }
    }
    return new Response("no such origin path", { status: 404 });
  },
};
