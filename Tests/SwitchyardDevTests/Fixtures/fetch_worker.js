// fetch() from a worker, against the loopback origins of FetchTests (Fixtures/origin.py).
// GET /CASE?origin=URL&other=URL&self=URL answers what the case observed, as text.
const describe = (error) => `${error.name}: ${error.message}`;

const cases = {
  async hello({ origin }) {
    const response = await fetch(`${origin}/hello`);
    return `${response.status} ${response.statusText} ${response.headers.get("x-origin")} ${response.url} ${response.redirected} ${await response.text()}`;
  },
  async post({ origin }) {
    const response = await fetch(`${origin}/echo`, { method: "POST", body: "a body", headers: { "x-one": "1" } });
    const echo = await response.json();
    const header = echo.headers.find(([name]) => name === "x-one");
    return `${echo.method} ${header && header[1]} ${echo.body}`;
  },
  async requestObject({ origin }) {
    const request = new Request(`${origin}/echo`, { method: "PUT", body: "from a Request" });
    const echo = await (await fetch(request)).json();
    return `${echo.method} ${echo.body}`;
  },
  async streamedBody({ origin }) {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("streamed "));
        controller.enqueue(new TextEncoder().encode("upload"));
        controller.close();
      },
    });
    const echo = await (await fetch(`${origin}/echo`, { method: "POST", body })).json();
    return echo.body;
  },
  async streamedResponse({ origin }) {
    const response = await fetch(`${origin}/hello`);
    const reader = response.body.getReader();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    return text;
  },
  async follow({ origin }) {
    const response = await fetch(`${origin}/redirect?to=${encodeURIComponent(`${origin}/hello`)}`);
    return `${response.status} ${response.redirected} ${new URL(response.url).pathname}`;
  },
  async manual({ origin }) {
    const response = await fetch(`${origin}/redirect?to=/hello&status=301`, { redirect: "manual" });
    return `${response.status} ${response.headers.get("location")} ${response.redirected}`;
  },
  async error({ origin }) {
    try {
      await fetch(`${origin}/redirect?to=/hello`, { redirect: "error" });
      return "resolved";
    } catch (error) {
      return error.name;
    }
  },
  async abort({ origin }) {
    const controller = new AbortController();
    const pending = fetch(`${origin}/hold`, { signal: controller.signal });
    controller.abort();
    try {
      await pending;
      return "resolved";
    } catch (error) {
      return error.name;
    }
  },
  async timeout({ origin }) {
    try {
      await fetch(`${origin}/hold`, { signal: AbortSignal.timeout(50) });
      return "resolved";
    } catch (error) {
      return error.name;
    }
  },
  async alreadyAborted({ origin }) {
    try {
      await fetch(`${origin}/hello`, { signal: AbortSignal.abort() });
      return "resolved";
    } catch (error) {
      return error.name;
    }
  },
  async drop({ origin }) {
    const response = await fetch(`${origin}/drop`);
    try {
      await response.text();
      return "read";
    } catch (error) {
      return `${response.status} ${error.name}`;
    }
  },
  async refused() {
    try {
      await fetch("http://127.0.0.1:1/");
      return "resolved";
    } catch (error) {
      return error.name;
    }
  },
  async blocked({ other, self }) {
    const targets = [`${other}/hello`, other.replace("127.0.0.1", "localhost") + "/hello",
      other.replace("127.0.0.1", "[::1]") + "/hello", "http://169.254.169.254/latest/meta-data/",
      "http://10.1.2.3/", "http://192.168.1.1/", `${self}/`];
    const results = [];
    for (const target of targets) {
      try {
        await fetch(target);
        results.push("reached");
      } catch (error) {
        results.push(error instanceof TypeError && /blocked/.test(error.message) ? "blocked" : describe(error));
      }
    }
    return results.join(" ");
  },
  async blockedRedirect({ origin, other }) {
    try {
      await fetch(`${origin}/redirect?to=${encodeURIComponent(`${other}/hello`)}`);
      return "reached";
    } catch (error) {
      return /blocked/.test(error.message) ? "blocked" : describe(error);
    }
  },
  async limit({ origin }) {
    // The test's wrangler.json sets limits.subrequests to 8: the ninth fails.
    const results = [];
    for (let i = 0; i < 9; i++) {
      try {
        const response = await fetch(`${origin}/hello`);
        await response.text(); // an unread body would hold one of the six connections
        results.push(response.status);
      } catch (error) {
        results.push(error.message);
      }
    }
    return results.join(" | ");
  },
  async proxy({ origin }) {
    return fetch(`${origin}/hello`);
  },
  // Seven fetches awaited together: six hold connections with bodies nobody reads, the seventh
  // waits for one. The least recently used body is cancelled so the seventh can go (Cloudflare's
  // rule); the other bodies read as usual.
  async deadlock({ origin }) {
    const responses = await Promise.all(Array.from({ length: 7 }, () => fetch(`${origin}/hello`)));
    const outcomes = [];
    for (const response of responses) {
      try {
        outcomes.push(await response.text() === "hello from the origin" ? "read" : "wrong");
      } catch (error) {
        outcomes.push(error.name);
      }
    }
    return outcomes.sort().join(" ");
  },
  // Content codings: a gzip fetch() response reads decoded, its headers as they came; deflate
  // is left alone (as workerd and Deno do).
  async decoded({ origin, as, n }) {
    const response = await fetch(`${origin}/coded?as=${as}&n=${n ?? 1}`);
    const text = await response.text();
    return `${response.headers.get("content-encoding")} ${text.length} ${text.split("\n")[0]}`;
  },
  async decodedStream({ origin }) {
    const reader = (await fetch(`${origin}/coded?as=gzip&n=20000`)).body.getReader();
    let length = 0;
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      chunks += 1;
    }
    return `${length} ${chunks > 1}`;
  },
  async corrupt({ origin }) {
    const response = await fetch(`${origin}/coded?as=corrupt`);
    try {
      await response.text();
      return "read";
    } catch (error) {
      return error.name;
    }
  },
  async manualCoding({ origin }) {
    const response = await fetch(`${origin}/coded?as=gzip`, { encodeResponseBody: "manual" });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return `${bytes[0].toString(16)}${bytes[1].toString(16)}`;
  },
  // Sent on as they came: encoded bytes, Content-Encoding kept.
  async codedProxy({ origin }) {
    return fetch(`${origin}/coded?as=gzip&n=100`);
  },
  async codedRewrapped({ origin }) {
    const response = await fetch(`${origin}/coded?as=gzip&n=100`);
    return new Response(response.body, response);
  },
  // Read, changed and sent with the origin's headers (Content-Encoding: gzip): compressed again.
  async codedEdited({ origin }) {
    const response = await fetch(`${origin}/coded?as=gzip&n=100`);
    return new Response((await response.text()).toUpperCase(), response);
  },
  // Content-Encoding set by the worker: compressed ("automatic"), or sent as is ("manual").
  async encodeAutomatic() {
    return new Response("automatic ".repeat(1000), { headers: { "content-encoding": "gzip" } });
  },
  async encodeStream() {
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode(`line ${i}\n`));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-encoding": "gzip" } });
  },
  async encodeManual() {
    return new Response("sent as is", { headers: { "content-encoding": "gzip" }, encodeBody: "manual" });
  },
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const run = cases[url.pathname.slice(1)];
    if (run === undefined) return new Response("no such case", { status: 404 });
    const params = Object.fromEntries(url.searchParams);
    const result = await run(params);
    return result instanceof Response ? result : new Response(String(result));
  },
};
