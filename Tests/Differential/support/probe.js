// What the differential harness asks a server before running cases tagged `requires: ...`:
// GET /?origin=URL answers {"streams": bool, "fetch": bool}. "streams" needs the stream classes a
// case uses and a Response whose body is a ReadableStream; "fetch" needs a fetch() of the origin
// that answers its text.
export default {
  async fetch(request) {
    const origin = new URL(request.url).searchParams.get("origin");
    let streams = false;
    try {
      streams = typeof ReadableStream === "function" && typeof TransformStream === "function" &&
        typeof TextEncoderStream === "function" && typeof CompressionStream === "function" &&
        new Response(new ReadableStream({ start(c) { c.close(); } })).body instanceof ReadableStream;
    } catch {
      streams = false;
    }
    let fetchWorks = false;
    try {
      if (typeof fetch === "function" && origin) fetchWorks = (await (await fetch(origin + "/text")).text()) === "origin text\n";
    } catch {
      fetchWorks = false;
    }
    return Response.json({ streams, fetch: fetchWorks });
  },
};
