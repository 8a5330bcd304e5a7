// blob_tests.js — Blob and File (W3C File API: the constructors §3.1 / §4.1, slice §3.3.1,
// text / arrayBuffer / bytes / stream §3.3.2-3.3.5, the type and endings rules), and Blobs as
// Fetch bodies, checked against the spec text (cases written here, none copied). Run inside a
// real isolate by WebAPIConformanceTests.blob; `deno run` on this file after the harness gives the
// same report (how the cases were checked against a real implementation).
//
// Evaluated after conformance_harness.js. runBlobTests() resolves to { passed, failed, failures, areas: { area: passed } }.

async function runBlobTests() {
  "use strict";
  const { test, same, sameJSON, throws, rejects, pollute, run } = conformanceHarness();
  const bytesOf = async (blob) => [...new Uint8Array(await blob.arrayBuffer())];

  // ---- the interface (§3, Web IDL) --------------------------------------------------------------
  test("interface", "Blob and File shapes", () => {
    same(typeof Blob, "function");
    same(Blob.length, 0, "Blob.length");
    same(File.length, 2, "File.length");
    same(Object.prototype.toString.call(new Blob()), "[object Blob]");
    same(Object.prototype.toString.call(new File([], "f")), "[object File]");
    for (const name of ["slice", "text", "arrayBuffer", "stream"]) {
      const d = Object.getOwnPropertyDescriptor(Blob.prototype, name);
      same(typeof d.value, "function", name);
      same(d.enumerable, true, `${name} enumerable`);
    }
    for (const name of ["size", "type"]) {
      const d = Object.getOwnPropertyDescriptor(Blob.prototype, name);
      same(typeof d.get, "function", `${name} getter`);
      same(d.set, undefined, `${name} has no setter`);
    }
    same(Blob.prototype.slice.length, 0, "slice.length");
    same(Object.getPrototypeOf(File.prototype), Blob.prototype, "File extends Blob");
  });
  test("interface", "the constructors need new, and File its two arguments", () => {
    throws(TypeError, () => Blob());
    throws(TypeError, () => File([], "f"));
    throws(TypeError, () => new File([]));
  });
  test("interface", "getters on a wrong receiver throw", () => {
    const size = Object.getOwnPropertyDescriptor(Blob.prototype, "size").get;
    throws(TypeError, () => size.call({}));
    throws(TypeError, () => Blob.prototype.slice.call({}));
  });

  // ---- the constructor (§3.1) -------------------------------------------------------------------
  test("blob-constructor", "no parts: an empty Blob with an empty type", async () => {
    const blob = new Blob();
    same(blob.size, 0);
    same(blob.type, "");
    same(await blob.text(), "");
    same(new Blob(undefined, undefined).size, 0);
  });
  test("blob-constructor", "strings are UTF-8; lone surrogates become U+FFFD (USVString)", async () => {
    sameJSON(await bytesOf(new Blob(["a", "é", "€"])), [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac]);
    sameJSON(await bytesOf(new Blob(["\ud800"])), [0xef, 0xbf, 0xbd]);
    same(new Blob(["😀"]).size, 4);
  });
  test("blob-constructor", "buffers, views (their window only), DataViews and Blobs", async () => {
    const buffer = new Uint8Array([1, 2, 3, 4, 5]).buffer;
    const view = new Uint8Array(buffer, 1, 3);
    const words = new Uint16Array([0x0201]);
    const dataView = new DataView(buffer, 3, 2);
    const inner = new Blob([new Uint8Array([9])]);
    sameJSON(await bytesOf(new Blob([buffer, view, words, dataView, inner])), [1, 2, 3, 4, 5, 2, 3, 4, 1, 2, 4, 5, 9]);
  });
  test("blob-constructor", "the parts are copied: changing the buffer later changes nothing", async () => {
    const source = new Uint8Array([1, 2]);
    const blob = new Blob([source]);
    source[0] = 7;
    sameJSON(await bytesOf(blob), [1, 2]);
  });
  test("blob-constructor", "other values are strings; any iterable is a sequence", async () => {
    same(await new Blob([1, null, undefined, { toString: () => "x" }]).text(), "1nullundefinedx");
    function* parts() {
      yield "a";
      yield "b";
    }
    same(await new Blob(parts()).text(), "ab");
  });
  test("blob-constructor", "parts that are no sequence, and options that are no dictionary, are TypeErrors", () => {
    throws(TypeError, () => new Blob("abc"), "a string");
    throws(TypeError, () => new Blob({}), "an object without @@iterator");
    throws(TypeError, () => new Blob(null), "null");
    throws(TypeError, () => new Blob(7), "a number");
    throws(TypeError, () => new Blob([], 7), "options 7");
    throws(TypeError, () => new Blob([], { endings: "crlf" }), "endings not in the enum");
  });
  test("blob-constructor", "type: lowercased when every code unit is printable ASCII, else empty", () => {
    same(new Blob([], { type: "Text/HTML;Charset=UTF-8" }).type, "text/html;charset=utf-8");
    same(new Blob([], { type: "text/plain\u00e9" }).type, "");
    same(new Blob([], { type: "a\u0019b" }).type, "");
    same(new Blob([], { type: "not a mime type" }).type, "not a mime type", "not parsed, only checked");
    same(new Blob([], { type: undefined }).type, "");
  });
  test("blob-constructor", "endings: transparent by default; native converts CR, LF and CRLF to LF here", async () => {
    same(await new Blob(["a\r\nb\rc\n"]).text(), "a\r\nb\rc\n");
    same(await new Blob(["a\r\nb\rc\n"], { endings: "transparent" }).text(), "a\r\nb\rc\n");
    same(await new Blob(["a\r\nb\rc\n"], { endings: "native" }).text(), "a\nb\nc\n");
    // Only string parts are converted.
    same(await new Blob([new Uint8Array([13, 10])], { endings: "native" }).text(), "\r\n");
  });

  // ---- slice (§3.3.1) ---------------------------------------------------------------------------
  test("slice", "positions, negative positions, clamping and an empty result", async () => {
    const blob = new Blob(["0123456789"]);
    same(await blob.slice().text(), "0123456789");
    same(await blob.slice(2, 5).text(), "234");
    same(await blob.slice(-3).text(), "789");
    same(await blob.slice(-3, -1).text(), "78");
    same(await blob.slice(-100, 2).text(), "01");
    same(await blob.slice(5, 100).text(), "56789");
    same(blob.slice(6, 2).size, 0);
    same(blob.slice(100).size, 0);
  });
  test("slice", "positions are [Clamp] long longs: rounded half to even, NaN is 0, infinities clamp", async () => {
    const blob = new Blob(["0123456789"]);
    same(await blob.slice(1.9, 3.2).text(), "2");
    same(await blob.slice(2.5, 3.5).text(), "23");
    same(await blob.slice(-1.5).text(), "89");
    same(await blob.slice(NaN, 2).text(), "01");
    same(await blob.slice(-Infinity, Infinity).text(), "0123456789");
    same(await blob.slice("2", "4").text(), "23");
  });
  test("slice", "contentType follows the type rule; no contentType is an empty type", () => {
    const blob = new Blob(["abc"], { type: "text/plain" });
    same(blob.slice(0, 1).type, "", "the slice does not inherit the type");
    same(blob.slice(0, 1, "TEXT/CSV").type, "text/csv");
    same(blob.slice(0, 1, "caf\u00e9").type, "");
  });
  test("slice", "a slice of a slice, and of a Blob made of Blobs", async () => {
    const blob = new Blob(["abc", new Blob(["def", "ghi"]), "jkl"]);
    same(blob.size, 12);
    same(await blob.slice(2, 10).slice(1, -1).text(), "defghi");
    same(await blob.slice(4, 8).text(), "efgh");
  });
  test("slice", "a File's slice is a Blob", () => {
    const slice = new File(["abc"], "f.txt").slice(1);
    same(Object.getPrototypeOf(slice), Blob.prototype);
  });

  // ---- reading (§3.3.2-3.3.5) ---------------------------------------------------------------------
  test("read", "text() decodes UTF-8 with replacement and drops a leading BOM", async () => {
    same(await new Blob([new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62])]).text(), "a\ufffdb");
  });
  test("read", "arrayBuffer() and bytes() give fresh copies each time", async () => {
    const blob = new Blob(["ab"]);
    const first = await blob.arrayBuffer();
    const second = await blob.arrayBuffer();
    same(first instanceof ArrayBuffer, true);
    same(first === second, false);
    new Uint8Array(first)[0] = 0;
    same(await blob.text(), "ab");
    if (typeof blob.bytes === "function") {
      const bytes = await blob.bytes();
      same(bytes instanceof Uint8Array, true);
      sameJSON([...bytes], [0x61, 0x62]);
    }
  });
  test("read", "stream() yields Uint8Arrays that add up to the Blob; an empty Blob's stream just closes", async () => {
    const big = new Uint8Array(200_000).map((_, i) => i % 251);
    const reader = new Blob([big, "tail"]).stream().getReader();
    const chunks = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      same(value instanceof Uint8Array, true, "chunk type");
      chunks.push(value);
    }
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    same(total, 200_004);
    same(chunks[0][250], 250);
    const empty = await new Blob().stream().getReader().read();
    same(empty.done, true);
  });
  test("read", "the reading methods reject or throw on a wrong receiver", async () => {
    await rejects(TypeError, Blob.prototype.text.call({}));
    await rejects(TypeError, Blob.prototype.arrayBuffer.call({}));
    throws(TypeError, () => Blob.prototype.stream.call({}));
  });

  // ---- File (§4.1) ------------------------------------------------------------------------------
  test("file", "name as given, lastModified now by default or as given, type as for Blob", async () => {
    const before = Date.now();
    const file = new File(["ab", new Uint8Array([99])], "dir/a b.TXT", { type: "Text/Plain" });
    const after = Date.now();
    same(file.name, "dir/a b.TXT", "a slash is kept");
    same(file.type, "text/plain");
    same(file.size, 3);
    same(file.lastModified >= before && file.lastModified <= after, true, "lastModified is now");
    same(new File([], "f", { lastModified: 42 }).lastModified, 42);
    same(new File([], "f", { lastModified: new Date(1000) }).lastModified, 1000, "a Date is its time value");
    same(await file.text(), "abc");
    same(new File([], "\ud800").name, "\ufffd", "the name is a USVString");
  });
  test("file", "name and lastModified are prototype getters", () => {
    for (const name of ["name", "lastModified"]) {
      const d = Object.getOwnPropertyDescriptor(File.prototype, name);
      same(typeof d.get, "function", name);
    }
    const file = new File([], "f");
    same(Object.keys(file).length, 0, "no own properties");
  });

  // ---- as bodies (Fetch "extract a body") ---------------------------------------------------------
  test("body", "a Blob body takes the Blob's type as Content-Type, none when empty", async () => {
    const typed = new Response(new Blob(["<p>"], { type: "text/html" }));
    same(typed.headers.get("content-type"), "text/html");
    same(await typed.text(), "<p>");
    same(new Response(new Blob(["x"])).headers.get("content-type"), null);
    const kept = new Response(new Blob(["x"], { type: "text/html" }), { headers: { "content-type": "text/plain" } });
    same(kept.headers.get("content-type"), "text/plain", "a header given wins");
  });
  test("body", "body.blob() is typed by the Content-Type header", async () => {
    const blob = await new Response("abc", { headers: { "content-type": "text/csv" } }).blob();
    same(blob.type, "text/csv");
    same(blob.size, 3);
    same((await new Response(new Uint8Array([1])).blob()).type, "");
  });

  // ---- the runtime's own calls survive what a worker replaces -------------------------------------
  test("tenant-pollution", "Blob works with replaced array, typed array and encoder methods", async () => {
    const restore = pollute([
      [Array.prototype, "push"],
      [Array.prototype, "map"],
      [Array.prototype, "reduce"],
      [Uint8Array.prototype, "set"],
      [Uint8Array.prototype, "subarray"],
      [TextEncoder.prototype, "encode"],
      [TextDecoder.prototype, "decode"],
      [ArrayBuffer.prototype, "slice"],
    ]);
    let text;
    let size;
    try {
      const blob = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])]).slice(1);
      size = blob.size;
      text = await blob.text();
    } finally {
      restore();
    }
    same(size, 3);
    same(text, "bcd");
  });

  return run();
}
