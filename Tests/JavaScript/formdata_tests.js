// formdata_tests.js — FormData (XHR Standard §5), its multipart/form-data encoding (HTML
// "multipart/form-data encoding algorithm", RFC 7578), Body.formData() parsing, and
// URLSearchParams bodies, checked against the WHATWG rules (cases written here from the spec
// text, none copied). Run inside a real isolate by WebAPIConformanceTests.formData, and in node by
// node_formdata_driver.js.
//
// Evaluated after conformance_harness.js. runFormDataTests() resolves to { passed, failed, failures, areas: { area: passed } }.

async function runFormDataTests() {
  "use strict";
  const { test, fail, same, sameJSON, throws, rejects, boom, pollute, run } = conformanceHarness();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const multipart = (boundary, text) =>
    new Response(typeof text === "string" ? encoder.encode(text) : text, {
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    });
  const entriesOf = (fd) => [...fd].map(([k, v]) => (typeof v === "string" ? [k, v] : [k, { file: v.name, type: v.type, size: v.size }]));

  // ---- FormData API (XHR §5.2) ----------------------------------------------------------------
  test("formdata", "interface shape", () => {
    same(typeof FormData, "function");
    same(Object.prototype.toString.call(new FormData()), "[object FormData]");
    for (const name of ["append", "delete", "get", "getAll", "has", "set", "forEach", "entries", "keys", "values"]) {
      const d = Object.getOwnPropertyDescriptor(FormData.prototype, name);
      same(typeof d.value, "function", name);
      same(d.enumerable, true, `${name} enumerable`);
    }
    same(FormData.prototype[Symbol.iterator], FormData.prototype.entries, "@@iterator is entries");
    same(FormData.prototype.append.length, 2, "append.length");
    same(FormData.prototype.get.length, 1, "get.length");
  });
  test("formdata", "constructor refuses a form argument", () => {
    throws(TypeError, () => new FormData({}));
    throws(TypeError, () => new FormData(null));
    throws(TypeError, () => FormData());
    same(new FormData(undefined).has("a"), false);
  });
  test("formdata", "append / get / getAll / has keep order and duplicates", () => {
    const fd = new FormData();
    fd.append("a", "1");
    fd.append("b", "2");
    fd.append("a", "3");
    same(fd.get("a"), "1");
    sameJSON(fd.getAll("a"), ["1", "3"]);
    same(fd.has("b"), true);
    same(fd.has("c"), false);
    same(fd.get("c"), null);
    sameJSON(fd.getAll("c"), []);
    sameJSON([...fd.keys()], ["a", "b", "a"]);
  });
  test("formdata", "set replaces the first entry and removes the others", () => {
    const fd = new FormData();
    fd.append("a", "1");
    fd.append("b", "2");
    fd.append("a", "3");
    fd.set("a", "4");
    sameJSON([...fd], [["a", "4"], ["b", "2"]]);
    fd.set("c", "5");
    sameJSON([...fd], [["a", "4"], ["b", "2"], ["c", "5"]]);
  });
  test("formdata", "delete removes every entry of a name", () => {
    const fd = new FormData();
    fd.append("a", "1");
    fd.append("b", "2");
    fd.append("a", "3");
    fd.delete("a");
    sameJSON([...fd], [["b", "2"]]);
    fd.delete("zzz");
    sameJSON([...fd], [["b", "2"]]);
  });
  test("formdata", "names and values are USVStrings", () => {
    const fd = new FormData();
    fd.append("\uD800a", "b\uDC00");
    fd.append(1, null);
    fd.append({ toString: () => "obj" }, undefined);
    sameJSON([...fd], [["\uFFFDa", "b\uFFFD"], ["1", "null"], ["obj", "undefined"]]);
    same(fd.get("\uDBFFa"), "b\uFFFD", "lookup converts the name too");
    throws(TypeError, () => fd.append(Symbol("s"), "x"), "a symbol name");
  });
  test("formdata", "argument counts", () => {
    const fd = new FormData();
    throws(TypeError, () => fd.append("a"));
    throws(TypeError, () => fd.set("a"));
    throws(TypeError, () => fd.get());
    throws(TypeError, () => fd.getAll());
    throws(TypeError, () => fd.has());
    throws(TypeError, () => fd.delete());
  });
  test("formdata", "a Blob becomes a File named \"blob\"", () => {
    const fd = new FormData();
    const blob = new Blob(["abc"], { type: "text/x-a" });
    fd.append("f", blob);
    const value = fd.get("f");
    same(value instanceof File, true, "is a File");
    same(value === blob, false, "a new object");
    same(value.name, "blob");
    same(value.type, "text/x-a");
    same(value.size, 3);
  });
  test("formdata", "a filename names the File; a File keeps its name otherwise", async () => {
    const fd = new FormData();
    const file = new File(["xyz"], "orig.txt", { type: "text/plain", lastModified: 42 });
    fd.append("a", file);
    same(fd.get("a"), file, "a File without filename is the same object");
    fd.append("b", file, "renamed.txt");
    const renamed = fd.get("b");
    same(renamed.name, "renamed.txt");
    same(renamed.lastModified, 42, "lastModified kept");
    same(await renamed.text(), "xyz");
    fd.set("c", new Blob(["q"]), "\uD800.bin");
    same(fd.get("c").name, "\uFFFD.bin", "filename is a USVString");
    fd.append("d", new Blob(["q"]), undefined);
    same(fd.get("d").name, "blob", "an undefined filename is no filename");
  });
  test("formdata", "three arguments require a Blob", () => {
    const fd = new FormData();
    throws(TypeError, () => fd.append("a", "b", "c"));
    throws(TypeError, () => fd.set("a", {}, "c"));
    throws(TypeError, () => fd.append("a", "b", undefined));
    fd.append("a", { size: 1, type: "", name: "x" });
    same(fd.get("a"), "[object Object]", "a Blob-like object is a string");
  });
  test("formdata", "iterators", () => {
    const fd = new FormData();
    fd.append("a", "1");
    fd.append("b", "2");
    const it = fd.entries();
    same(Object.prototype.toString.call(it), "[object FormData Iterator]");
    same(Object.getPrototypeOf(Object.getPrototypeOf(it)), Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), "inherits %IteratorPrototype%");
    sameJSON(it.next(), { value: ["a", "1"], done: false });
    fd.append("c", "3");
    sameJSON([...it], [["b", "2"], ["c", "3"]], "live over appends");
    sameJSON(it.next(), { done: true });
    sameJSON([...fd.values()], ["1", "2", "3"]);
    throws(TypeError, () => FormData.prototype.entries.call({}), "brand check");
    throws(TypeError, () => Object.getPrototypeOf(it).next.call({}), "iterator brand check");
  });
  test("formdata", "forEach passes value, name, formData and this", () => {
    const fd = new FormData();
    fd.append("a", "1");
    fd.append("b", "2");
    const seen = [];
    const receiver = {};
    fd.forEach(function (value, name, object) {
      seen.push([value, name, object === fd, this === receiver]);
    }, receiver);
    sameJSON(seen, [["1", "a", true, true], ["2", "b", true, true]]);
    throws(TypeError, () => fd.forEach(1));
  });
  test("formdata", "brand checks on every member", () => {
    for (const name of ["append", "delete", "get", "getAll", "has", "set", "forEach", "keys", "values"]) {
      throws(TypeError, () => FormData.prototype[name].call({}, "a", "b"), name);
    }
  });

  // ---- multipart/form-data serialization (HTML encoding algorithm) ---------------------------
  const serialized = async (fd) => {
    const response = new Response(fd);
    const type = response.headers.get("content-type");
    const text = await response.text();
    const match = /^multipart\/form-data; boundary=(.+)$/.exec(type);
    if (!match) fail(`content-type ${type}`);
    return { boundary: match[1], text: text.split(match[1]).join("BOUNDARY") };
  };
  test("serialize", "Response(formData) sets the multipart Content-Type", async () => {
    const fd = new FormData();
    fd.append("a", "1");
    const { boundary, text } = await serialized(fd);
    same(boundary.length > 20 && boundary.length <= 70, true, "boundary length");
    same(text, '--BOUNDARY\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--BOUNDARY--\r\n');
  });
  test("serialize", "an empty FormData is the close delimiter alone", async () => {
    same((await serialized(new FormData())).text, "--BOUNDARY--\r\n");
  });
  test("serialize", "files carry filename and Content-Type (octet-stream when untyped)", async () => {
    const fd = new FormData();
    fd.append("f", new File(["hello"], "h.txt", { type: "text/plain" }));
    fd.append("g", new Blob([new Uint8Array([254, 255])]));
    const { text } = await serialized(fd);
    same(text,
      '--BOUNDARY\r\nContent-Disposition: form-data; name="f"; filename="h.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n' +
      '--BOUNDARY\r\nContent-Disposition: form-data; name="g"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n\uFFFD\uFFFD\r\n' +
      "--BOUNDARY--\r\n");
  });
  test("serialize", "names escape CR, LF and quotes; newlines in names and values become CRLF", async () => {
    const fd = new FormData();
    fd.append('a"b\rc\nd\r\ne', "x\ry\nz\r\nw");
    fd.append("f", new File(["raw\r"], 'q"\n.txt'));
    const { text } = await serialized(fd);
    same(text,
      '--BOUNDARY\r\nContent-Disposition: form-data; name="a%22b%0D%0Ac%0D%0Ad%0D%0Ae"\r\n\r\nx\r\ny\r\nz\r\nw\r\n' +
      '--BOUNDARY\r\nContent-Disposition: form-data; name="f"; filename="q%22%0A.txt"\r\nContent-Type: application/octet-stream\r\n\r\nraw\r\r\n' +
      "--BOUNDARY--\r\n");
  });
  test("serialize", "names and values are UTF-8", async () => {
    const fd = new FormData();
    fd.append("é", "☃");
    const bytes = await new Response(fd).bytes();
    const text = decoder.decode(bytes);
    same(text.includes('name="é"\r\n\r\n☃\r\n'), true, text);
  });
  test("serialize", "Request and its headers; an explicit Content-Type wins", async () => {
    const fd = new FormData();
    fd.append("a", "1");
    const request = new Request("https://example.com/", { method: "POST", body: fd });
    same(/^multipart\/form-data; boundary=/.test(request.headers.get("content-type")), true);
    const custom = new Request("https://example.com/", { method: "POST", body: fd, headers: { "content-type": "text/x" } });
    same(custom.headers.get("content-type"), "text/x");
    same((await request.formData()).get("a"), "1", "round trip through a Request");
  });
  test("serialize", "each body gets a fresh boundary", () => {
    const fd = new FormData();
    const a = new Response(fd).headers.get("content-type");
    const b = new Response(fd).headers.get("content-type");
    same(a === b, false);
  });
  test("serialize", "the body is a snapshot of the entries", async () => {
    const fd = new FormData();
    fd.append("a", "1");
    const response = new Response(fd);
    fd.append("b", "2");
    sameJSON(entriesOf(await response.formData()), [["a", "1"]]);
  });

  // ---- Body.formData() parsing multipart/form-data ------------------------------------------
  test("parse-multipart", "fields and files, with their types", async () => {
    const body = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue one\r\n" +
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"pic.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n" +
      "--XyZ\r\ncontent-disposition: FORM-DATA; name=\"t\"; filename=\"x.txt\"\r\n\r\nhi\r\n--XyZ--\r\n";
    const fd = await multipart("XyZ", body).formData();
    same(fd.get("a"), "value one");
    const file = fd.get("f");
    same(file instanceof File, true, "file part is a File");
    same(file.name, "pic.png");
    same(file.type, "image/png");
    same(file.size, 5, "bytes as sent (UTF-8 of U+0089 is two bytes)");
    same(fd.get("t").type, "text/plain", "a file part without Content-Type");
    same(await fd.get("t").text(), "hi");
  });
  test("parse-multipart", "boundary quoted, among other parameters, any case", async () => {
    const body = "--a b:c\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--a b:c--";
    const response = new Response(body, { headers: { "content-type": 'Multipart/Form-Data; charset=utf-8; BOUNDARY="a b:c"' } });
    sameJSON(entriesOf(await response.formData()), [["k", "v"]]);
  });
  test("parse-multipart", "preamble CRLFs, transport padding, epilogue", async () => {
    const body = "\r\n\r\n--b  \r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--b--\r\nepilogue --b garbage";
    sameJSON(entriesOf(await multipart("b", body).formData()), [["k", "v"]]);
  });
  test("parse-multipart", "escaped names decode; unknown headers are ignored", async () => {
    const body = "--b\r\nX-Other: 1\r\nContent-Disposition: form-data; name=\"a%22b%0D%0Ac\"; filename=\"f%22.txt\"\r\nContent-Type: text/x\r\n\r\n\r\n--b--";
    const fd = await multipart("b", body).formData();
    same(fd.has('a"b\r\nc'), true, "name");
    same(fd.get('a"b\r\nc').name, 'f".txt', "filename");
    same(fd.get('a"b\r\nc').size, 0, "empty file");
  });
  test("parse-multipart", "UTF-8 names, values and filenames", async () => {
    const body = encoder.encode("--b\r\nContent-Disposition: form-data; name=\"ñ\"; filename=\"☃.txt\"\r\n\r\nü\r\n--b\r\nContent-Disposition: form-data; name=\"ß\"\r\n\r\n€\r\n--b--");
    const fd = await multipart("b", body).formData();
    same(fd.get("ñ").name, "☃.txt");
    same(fd.get("ß"), "€");
  });
  test("parse-multipart", "binary file contents round-trip byte for byte", async () => {
    const bytes = new Uint8Array(70000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
    bytes.set(encoder.encode("\r\n--"), 1000); // an almost-delimiter inside the file
    const fd = new FormData();
    fd.append("bin", new File([bytes], "b.bin"));
    fd.append("after", "x");
    const parsed = await new Response(fd).formData();
    const got = await parsed.get("bin").bytes();
    same(got.length, bytes.length, "length");
    let equal = true;
    for (let i = 0; i < bytes.length; i++) if (got[i] !== bytes[i]) equal = false;
    same(equal, true, "contents");
    same(parsed.get("after"), "x");
  });
  test("parse-multipart", "a streamed body parses too", async () => {
    const text = "--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nstreamed\r\n--b--";
    const stream = new Blob([text]).stream();
    const response = new Response(stream, { headers: { "content-type": "multipart/form-data; boundary=b" } });
    same((await response.formData()).get("k"), "streamed");
  });
  const malformed = [
    ["no delimiter at all", "hello"],
    ["missing close delimiter", "--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv"],
    ["delimiter without CRLF", "--bX\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--b--"],
    ["no Content-Disposition", "--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--"],
    ["not form-data", "--b\r\nContent-Disposition: attachment; name=\"k\"\r\n\r\nv\r\n--b--"],
    ["no name", "--b\r\nContent-Disposition: form-data; filename=\"k\"\r\n\r\nv\r\n--b--"],
    ["unterminated quote", "--b\r\nContent-Disposition: form-data; name=\"k\r\n\r\nv\r\n--b--"],
    ["header without colon", "--b\r\nContent-Disposition form-data\r\n\r\nv\r\n--b--"],
    ["headers never end", "--b\r\nContent-Disposition: form-data; name=\"k\"\r\n"],
    ["bare LF line ends", "--b\nContent-Disposition: form-data; name=\"k\"\n\nv\n--b--"],
    ["empty body", ""],
  ];
  for (const [name, body] of malformed) {
    test("parse-multipart", `malformed: ${name}`, async () => {
      await rejects(TypeError, multipart("b", body).formData());
    });
  }
  test("parse-multipart", "Content-Type problems reject with TypeError", async () => {
    await rejects(TypeError, new Response("x").formData(), "text/plain");
    const none = new Response(new Uint8Array(1));
    await rejects(TypeError, none.formData(), "no Content-Type");
    await rejects(TypeError, new Response("--\r\n", { headers: { "content-type": "multipart/form-data" } }).formData(), "no boundary");
    await rejects(TypeError, new Response("x", { headers: { "content-type": `multipart/form-data; boundary=${"a".repeat(71)}` } }).formData(), "boundary too long");
    await rejects(TypeError, new Response("x", { headers: { "content-type": "multipart/form-data; boundary=" } }).formData(), "empty boundary");
  });
  test("parse-multipart", "the body is used even when parsing fails", async () => {
    const response = multipart("b", "junk");
    await rejects(TypeError, response.formData());
    same(response.bodyUsed, true);
    await rejects(TypeError, response.formData(), "second read");
  });
  test("parse-multipart", "adversarial bodies are bounded", async () => {
    // Many parts: linear.
    let many = "";
    for (let i = 0; i < 20000; i++) many += `--b\r\nContent-Disposition: form-data; name="n${i}"\r\n\r\n${i}\r\n`;
    const fd = await multipart("b", many + "--b--").formData();
    same(fd.getAll("n19999")[0], "19999");
    // A huge header section: refused.
    await rejects(TypeError, multipart("b", `--b\r\nX-Big: ${"a".repeat(100000)}\r\n\r\nv\r\n--b--`).formData(), "huge header");
    // Megabytes of almost-delimiters and no final boundary: refused after one pass.
    const nearMiss = "\r\n--bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb!".repeat(40000);
    await rejects(TypeError, multipart("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
      `--${"b".repeat(70)}\r\nContent-Disposition: form-data; name="k"\r\n\r\n${nearMiss}`).formData(), "near misses");
    await rejects(TypeError, multipart("b", "--b\r\n" + "\r".repeat(1 << 20)).formData(), "lone CRs");
  });

  // ---- application/x-www-form-urlencoded ---------------------------------------------------
  test("urlencoded", "Body.formData() parses urlencoded bodies", async () => {
    const response = new Response("a=1&b=x+y%20z&a=%E2%98%83&&c&=d", {
      headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" },
    });
    sameJSON(entriesOf(await response.formData()), [["a", "1"], ["b", "x y z"], ["a", "☃"], ["c", ""], ["", "d"]]);
  });
  test("urlencoded", "invalid UTF-8 becomes U+FFFD; a leading ? is a name", async () => {
    const response = new Response(new Uint8Array([0x3f, 0x61, 0x3d, 0xff, 0x25, 0x46, 0x46]), {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    sameJSON(entriesOf(await response.formData()), [["?a", "\uFFFD\uFFFD"]]);
  });
  test("urlencoded", "URLSearchParams bodies are urlencoded with the charset", async () => {
    const params = new URLSearchParams([["a b", "1&2"], ["☃", "é"]]);
    const response = new Response(params);
    same(response.headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
    same(await response.text(), "a+b=1%262&%E2%98%83=%C3%A9");
    const request = new Request("https://example.com/", { method: "POST", body: params });
    same(request.headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
    sameJSON(entriesOf(await request.formData()), [["a b", "1&2"], ["☃", "é"]]);
  });

  // ---- a worker's replaced built-ins change nothing -------------------------------------------
  test("tenant-pollution", "FormData and multipart with Array/String/Map/Object prototypes polluted", async () => {
    let result;
    // (Blob's constructor iterates its parts with @@iterator, as Web IDL says: made beforehand.)
    const blob = new Blob(["zz"]);
    const params = new URLSearchParams("x=1");
    let restore = () => {};
    try {
      const targets = [[URLSearchParams.prototype, "toString"]];
      const arrayKeys = ["push", "splice", "slice", "map", "join", "indexOf", "includes", "sort", "forEach"];
      for (let i = 0; i < arrayKeys.length; i++) targets[targets.length] = [Array.prototype, arrayKeys[i]];
      const stringKeys = ["slice", "indexOf", "charCodeAt", "toLowerCase", "split", "replace", "trim", "startsWith", "includes"];
      for (let i = 0; i < stringKeys.length; i++) targets[targets.length] = [String.prototype, stringKeys[i]];
      targets[targets.length] = [Map.prototype, "get"];
      targets[targets.length] = [Map.prototype, "set"];
      targets[targets.length] = [Object.getPrototypeOf(Uint8Array.prototype), "indexOf"];
      targets[targets.length] = [Object.getPrototypeOf(Uint8Array.prototype), "subarray"];
      targets[targets.length] = [Array.prototype, Symbol.iterator];
      restore = pollute(targets);
      // Accessors on Object.prototype around the FormData members (Headers, which Response
      // makes, still writes its list by index, so they are removed before the round trip).
      Object.defineProperty(Object.prototype, "0", { set: boom, configurable: true });
      Object.defineProperty(Object.prototype, "name", { get: boom, set: boom, configurable: true });
      Object.defineProperty(Object.prototype, "value", { get: boom, set: boom, configurable: true });
      const fd = new FormData();
      fd.append("a", "1");
      fd.append("f", blob, "z.txt");
      fd.set("a", "2");
      fd.append("b", "3");
      fd.delete("b");
      const all = fd.getAll("a");
      const has = fd.has("f");
      const entries = fd.entries();
      const first = entries.next().value;
      delete Object.prototype["0"];
      delete Object.prototype.name;
      delete Object.prototype.value;
      const back = await new Response(fd).formData();
      const urlBody = await new Response(params).text();
      const parsedURL = await new Response("p=1&q=2", { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData();
      result = { all: all.length, first: all[0] === "2", has, entry: first[1], a: back.get("a"), f: back.get("f").size,
        urlBody, q: parsedURL.get("q") };
    } finally {
      delete Object.prototype["0"];
      delete Object.prototype.name;
      delete Object.prototype.value;
      restore();
    }
    sameJSON(result, { all: 1, first: true, has: true, entry: "2", a: "2", f: 2, urlBody: "x=1", q: "2" });
  });

  return run();
}
