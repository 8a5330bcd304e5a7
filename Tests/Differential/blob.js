/*---
{
  "requests": [
    {"path": "/construct"},
    {"path": "/slice"},
    {"path": "/read"},
    {"path": "/file"},
    {"path": "/interface"},
    {"path": "/bodies"},
    {"path": "/respond"},
    {"path": "/respond-untyped"},
    {"method": "POST", "path": "/request-blob", "headers": [["content-type", "text/plain;charset=UTF-8"]], "body": "posted bytes"}
  ]
}
---*/
import { attempt, attemptAsync } from "./support/attempt.js";
// Blob and File (W3C File API): construction from every kind of part, type normalisation,
// endings, slice() with negative and odd indexes, the readers, File's name and lastModified, and
// Blobs as Request / Response bodies and from body.blob().

const bytesOf = (buffer) => Array.from(new Uint8Array(buffer));

async function streamText(blob) {
  const reader = blob.stream().getReader();
  const chunks = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) { all.set(c, offset); offset += c.byteLength; }
  return { isUint8Array: chunks.every((c) => c instanceof Uint8Array), total, text: new TextDecoder().decode(all) };
}

const describe = async (blob) => ({ size: blob.size, type: blob.type, text: await blob.text() });

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/construct") {
      const buffer = new TextEncoder().encode("0123456789").buffer;
      const inner = new Blob(["inner"]);
      const out = {
        empty: await describe(new Blob()),
        undefinedParts: await describe(new Blob(undefined)),
        strings: await describe(new Blob(["a", "b", "", "é"])),
        buffer: await describe(new Blob([buffer])),
        view: await describe(new Blob([new Uint8Array(buffer, 2, 3)])),
        dataView: await describe(new Blob([new DataView(buffer, 5, 2)])),
        int16: (await new Blob([new Int16Array([1, 256])]).bytes()).join(","),
        nested: await describe(new Blob([inner, "-", new Blob([inner, inner])])),
        others: await describe(new Blob([1, null, undefined, { toString: () => "obj" }, true])),
        surrogate: bytesOf(await new Blob(["\ud800x"]).arrayBuffer()),
        fromSet: await describe(new Blob(new Set(["s", "e", "t"]))),
        fromString: attempt(() => new Blob("abc")),
        fromNumber: attempt(() => new Blob(5)),
        fromObject: attempt(() => new Blob({})),
        nullOptions: await describe(new Blob(["x"], null)),
        badOptions: attempt(() => new Blob(["x"], 5)),
        types: ["Text/HTML", "text/plain;charset=UTF-8", "a\u00e9b", "x\ny", "  spaced  ", "", "ÿ"].map(
          (type) => new Blob([], { type }).type),
        endings: [
          bytesOf(await new Blob(["a\r\nb\rc\nd\r"], { endings: "transparent" }).arrayBuffer()),
          bytesOf(await new Blob(["a\r\nb\rc\nd\r", "\r\r\n"], { endings: "native" }).arrayBuffer()),
          bytesOf(await new Blob([new TextEncoder().encode("x\r\ny")], { endings: "native" }).arrayBuffer()),
        ],
        badEndings: attempt(() => new Blob([], { endings: "windows" })),
      };
      // The Blob keeps its own copy: changing the source afterwards changes nothing.
      const source = new Uint8Array([1, 2, 3]);
      const copied = new Blob([source]);
      source[0] = 9;
      out.copied = (await copied.bytes()).join(",");
      return Response.json(out);
    }
    if (pathname === "/slice") {
      const blob = new Blob(["hello", " ", new Blob(["wor", "ld"]), "!"], { type: "text/plain" });
      const cases = [
        [], [0], [2], [-3], [-100], [100], [1, 4], [4, 1], [-6, -1], [3, -3], [0, 100], [NaN, NaN], [1.5, 3.5],
        [2.5, 4.5], [-0.5], [Infinity], [-Infinity, Infinity], ["2", "5"], [undefined, 3], [null, 4],
      ];
      const out = [];
      for (const args of cases) {
        const part = blob.slice(...args);
        out.push({ args: args.map(String), size: part.size, type: part.type, text: await part.text() });
      }
      const typed = ["TEXT/Plain", "bad\u0001", undefined, null, ""].map((type) => blob.slice(0, 1, type).type);
      const twice = blob.slice(2, 10).slice(1, -1);
      return Response.json({ out, typed, twice: await describe(twice), original: await describe(blob) });
    }
    if (pathname === "/read") {
      const blob = new Blob(["\ufeffBOM and text ", new Uint8Array([0xe2, 0x82, 0xac]), " ", new Uint8Array([0xff])]);
      const buffer = await blob.arrayBuffer();
      new Uint8Array(buffer)[1] = 0;
      const bytes = await blob.bytes();
      bytes[0] = 0;
      const big = new Blob([new Uint8Array(70000).fill(97), "tail", new Blob(["x".repeat(100000)])]);
      return Response.json({
        text: await blob.text(),
        arrayBufferIsBuffer: buffer instanceof ArrayBuffer,
        bytesIsUint8Array: bytes instanceof Uint8Array,
        unchanged: bytesOf(await blob.arrayBuffer()),
        stream: await streamText(new Blob(["stream ", "me"])),
        emptyStream: await streamText(new Blob()),
        bigStream: (await streamText(big)).total,
        bigText: (await big.text()).length,
        sliceStream: (await streamText(big.slice(69998, 70006))).text,
      });
    }
    if (pathname === "/file") {
      const file = new File(["con", "tent"], "name.txt", { type: "Text/Plain", lastModified: 1234567 });
      return Response.json({
        name: file.name, size: file.size, type: file.type, lastModified: file.lastModified, text: await file.text(),
        isBlob: file instanceof Blob, isFile: file instanceof File,
        tag: Object.prototype.toString.call(file),
        lastModifieds: [1.9, -1.9, NaN, "42", null, Infinity].map((lastModified) => new File([], "f", { lastModified }).lastModified),
        defaultLastModified: typeof new File([], "f").lastModified,
        names: [new File([], "\ud800a").name, new File([], 12).name, new File([], null).name],
        oneArgument: attempt(() => new File(["x"])),
        noArguments: attempt(() => new File()),
        endings: bytesOf(await new File(["a\r\nb"], "f", { endings: "native" }).arrayBuffer()),
        slice: await describe(file.slice(1, 4)),
        sliceIsFile: file.slice(0) instanceof File,
        fromFile: await describe(new Blob([file, file])),
      });
    }
    if (pathname === "/interface") {
      const blob = new Blob();
      return Response.json({
        tag: Object.prototype.toString.call(blob),
        names: [Blob.name, File.name],
        lengths: [Blob.length, File.length, Blob.prototype.slice.length],
        members: ["size", "type", "slice", "stream", "text", "arrayBuffer", "bytes"].map((name) => name in Blob.prototype),
        fileMembers: ["name", "lastModified"].map((name) => name in File.prototype),
        fileProto: Object.getPrototypeOf(File.prototype) === Blob.prototype,
        call: attempt(() => Blob()),
        sizeOfOther: attempt(() => Object.getOwnPropertyDescriptor(Blob.prototype, "size").get.call({})),
        textOfOther: await attemptAsync(() => Blob.prototype.text.call({})),
      });
    }
    if (pathname === "/bodies") {
      const typed = new Blob(["typed ", "body"], { type: "Application/X-Test" });
      const response = new Response(typed);
      const untyped = new Response(new Blob(["untyped"]));
      const headerWins = new Response(typed, { headers: { "content-type": "text/other" } });
      const req = new Request("http://example.com/", { method: "POST", body: typed });
      const fromText = await new Response("text body").blob();
      const fromBytes = await new Response(new Uint8Array([1, 2, 3])).blob();
      const fromJSON = await Response.json({ a: 1 }).blob();
      const fromStream = await new Response(new Blob(["streamed"]).stream(), { headers: { "content-type": "x/y" } }).blob();
      const used = new Response("once");
      await used.text();
      const big = new Blob([new Uint8Array(100000).fill(98), "end"]);
      const bigBack = await new Response(big).blob();
      return Response.json({
        responseType: response.headers.get("content-type"),
        responseText: await response.text(),
        untypedType: untyped.headers.get("content-type"),
        untypedText: await untyped.text(),
        headerWins: [headerWins.headers.get("content-type"), await headerWins.text()],
        requestType: req.headers.get("content-type"),
        requestText: await req.text(),
        fromText: await describe(fromText),
        fromBytes: { ...(await describe(fromBytes)), text: undefined, bytes: (await fromBytes.bytes()).join(",") },
        fromJSON: await describe(fromJSON),
        fromStream: await describe(fromStream),
        usedBlob: await attemptAsync(() => used.blob()),
        bodyOfBlob: await streamText(await new Response(new Blob(["via body"])).blob()),
        readTwice: [await typed.text(), await typed.text()],
        big: [bigBack.size, (await bigBack.text()).slice(-4)],
        cloned: await (async () => {
          const original = new Response(new Blob(["clone me"], { type: "a/b" }));
          const copy = original.clone();
          return [await original.text(), await (await copy.blob()).text(), copy.headers.get("content-type")];
        })(),
      });
    }
    if (pathname === "/respond") {
      return new Response(new Blob(["hello ", new Uint8Array([119, 111]), new Blob(["rld"])], { type: "Text/X-Test" }));
    }
    if (pathname === "/respond-untyped") {
      return new Response(new Blob(["no type"]).slice(3));
    }
    if (pathname === "/request-blob") {
      const blob = await request.blob();
      return Response.json({ type: blob.type, size: blob.size, text: await blob.text() });
    }
    return new Response("not found", { status: 404 });
  },
};
