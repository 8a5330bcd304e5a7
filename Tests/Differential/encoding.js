/*---
{
  "requests": [
    {"path": "/text-encoder"},
    {"path": "/text-decoder"},
    {"path": "/base64"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// TextEncoder / TextDecoder (UTF-8, BOM handling, fatal mode, streaming decode, other labels) and
// atob / btoa.

export default {
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/text-encoder") {
      const e = new TextEncoder();
      const into = new Uint8Array(5);
      return Response.json({
        encoding: e.encoding,
        ascii: [...e.encode("abc")],
        multi: [...e.encode("\u00e9\u2603\u{1F600}")],
        lone: [...e.encode("a\uD800b\uDC00")],
        empty: e.encode().length,
        into: { result: e.encodeInto("h\u00e9llo", into), bytes: [...into] },
        number: [...e.encode(123)],
      });
    }
    if (pathname === "/text-decoder") {
      const bytes = (...b) => new Uint8Array(b);
      const d = new TextDecoder();
      const streaming = new TextDecoder();
      const pieces = [streaming.decode(bytes(0xe2, 0x98), { stream: true }), streaming.decode(bytes(0x83, 0x41), { stream: true }), streaming.decode()];
      return Response.json({
        encoding: d.encoding, fatal: d.fatal, ignoreBOM: d.ignoreBOM,
        plain: d.decode(bytes(104, 0xc3, 0xa9)),
        bom: d.decode(bytes(0xef, 0xbb, 0xbf, 65)),
        keepBom: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes(0xef, 0xbb, 0xbf, 65)).length,
        replacement: d.decode(bytes(0xff, 65, 0xc3)),
        fatalError: attempt(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes(0xff))),
        pieces,
        labels: ["utf8", "UTF-8", " unicode-1-1-utf-8 "].map((l) => attempt(() => new TextDecoder(l).encoding)),
        unknown: attempt(() => new TextDecoder("no-such-encoding").encoding),
        fromBuffer: d.decode(bytes(111, 107).buffer),
        fromView: d.decode(new DataView(bytes(120, 111, 107).buffer, 1)),
        empty: d.decode(),
      });
    }
    if (pathname === "/base64") {
      return Response.json({
        btoa: btoa("hello \u00ff"),
        atob: atob("aGVsbG8gw78="),
        spaces: attempt(() => atob(" aGVs bG8= ")),
        noPadding: attempt(() => atob("aGVsbG8")),
        bad: attempt(() => atob("a*b")),
        badLength: attempt(() => atob("abcde")),
        wide: attempt(() => btoa("\u2603")),
        empty: [btoa(""), atob("")],
        roundTrip: atob(btoa(String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i)))).length,
        number: attempt(() => btoa(12)),
      });
    }
    return new Response("not found", { status: 404 });
  },
};
