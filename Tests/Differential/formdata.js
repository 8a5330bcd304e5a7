/*---
{
  "requests": [
    {"path": "/build"},
    {"path": "/roundtrip"},
    {"path": "/escapes"},
    {"path": "/urlsearchparams"},
    {"path": "/urlsearchparams-request"},
    {"method": "POST", "path": "/parse", "headers": [["content-type", "multipart/form-data; boundary=----client7MA4YWxk"]],
     "body": "------client7MA4YWxk\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello, world\r\n------client7MA4YWxk\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nline one\r\nline two\r\n------client7MA4YWxk\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nSecond\r\n------client7MA4YWxk--\r\n"},
    {"method": "POST", "path": "/parse", "headers": [["content-type", "multipart/form-data; boundary=\"quoted boundary\""]],
     "body": "\r\n--quoted boundary\r\nContent-Disposition: form-data; name=\"utf8 é\"\r\n\r\n☃ snow\r\n--quoted boundary\r\ncontent-disposition: form-data; name=\"empty\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--quoted boundary--"},
    {"method": "POST", "path": "/parse", "headers": [["content-type", "multipart/form-data; boundary=b"]],
     "body": "not multipart at all"},
    {"method": "POST", "path": "/parse", "headers": [["content-type", "multipart/form-data"]],
     "body": "--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--b--"},
    {"method": "POST", "path": "/parse", "headers": [["content-type", "text/plain"]], "body": "a=1"},
    {"method": "POST", "path": "/parse", "headers": [["content-type", "application/x-www-form-urlencoded"]],
     "body": "a=1&b=two+words&c=%E2%98%83&a=again&&flag"},
    {"method": "POST", "path": "/parse", "headers": [["content-type", "application/x-www-form-urlencoded;charset=UTF-8"]],
     "bodyBase64": "YT0l/z1i"}
  ]
}
---*/
import { attempt, attemptAsync } from "./support/attempt.js";
// FormData (XHR Standard): building entry lists, Blob values as Files named "blob", USVString
// conversion; serializing to a Response (the boundary is random, so it is replaced before the
// body is reported, and the optional CRLF after the close delimiter, which browsers send and
// deno does not, is left out) and parsing it back; Body.formData() over the multipart and
// urlencoded bodies the client sends; URLSearchParams bodies and their Content-Type.

async function describe(formData) {
  const out = [];
  for (const [name, value] of formData) {
    if (typeof value === "string") out.push([name, value]);
    else out.push([name, { file: value.name, type: value.type, size: value.size, text: await value.text(), isFile: value instanceof File }]);
  }
  return out;
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/build") {
      const fd = new FormData();
      fd.append("a", "1");
      fd.append("b", new Blob(["blob bytes"], { type: "text/x-custom" }));
      fd.append("c", new File(["file bytes"], "orig.txt", { type: "text/plain" }), "renamed.txt");
      fd.append("a", 2);
      fd.append("\ud800lone", "value\udc00");
      const before = await describe(fd);
      fd.set("a", "replaced");
      fd.delete("b");
      const out = {
        before,
        after: await describe(fd),
        getA: fd.get("a"),
        getAll: fd.getAll("a"),
        missing: fd.get("zzz"),
        has: [fd.has("a"), fd.has("b"), fd.has("\ufffdlone")],
        keys: [...fd.keys()],
        blobName: new FormData().get("x"),
        tag: Object.prototype.toString.call(fd),
        iteratorTag: Object.prototype.toString.call(fd.entries()),
        tooFew: attempt(() => fd.append("x")),
        formArgument: attempt(() => new FormData({})),
        forEach: (() => { const seen = []; fd.forEach((v, k) => seen.push(k)); return seen; })(),
      };
      const asFile = new FormData();
      asFile.append("f", new Blob(["x"]));
      // (A string value with a filename is a TypeError by Web IDL's overload resolution; deno
      // appends it: see known-differences.json.)
      out.stringWithFilename = attempt(() => new FormData().append("x", "y", "z"));
      out.blobBecomesFile = [asFile.get("f") instanceof File, asFile.get("f").name];
      return Response.json(out);
    }
    if (pathname === "/roundtrip") {
      const fd = new FormData();
      fd.append("text", "line1\nline2\rline3\r\nend");
      fd.append("file", new File(["file\r\ncontents"], "name.txt", { type: "text/plain" }));
      fd.append("untyped", new Blob([new Uint8Array([1, 2, 3])]));
      fd.append("unicode ☃", "é");
      const response = new Response(fd);
      const type = response.headers.get("content-type");
      const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(type)[1];
      const clone = response.clone();
      let text = (await response.text()).split(boundary).join("BOUNDARY");
      if (text.endsWith("\r\n")) text = text.slice(0, -2);
      const request = new Request("http://x.test/", { method: "POST", body: fd });
      return Response.json({
        typeMatches: /^multipart\/form-data; boundary=[-0-9A-Za-z]+$/.test(type),
        text,
        parsed: await describe(await clone.formData()),
        requestType: /^multipart\/form-data; boundary=/.test(request.headers.get("content-type")),
        fromRequest: await describe(await request.formData()),
      });
    }
    if (pathname === "/escapes") {
      // Names and filenames with quotes and newlines: escaped as %22, %0D%0A in both; parsed
      // back, Switchyard decodes the escapes (see known-differences.json).
      const fd = new FormData();
      fd.append('quote"and\nnewline', "v");
      fd.append("file", new File(["x"], 'na"me\r.txt'));
      const response = new Response(fd);
      const boundary = /boundary=(.+)$/.exec(response.headers.get("content-type"))[1];
      const clone = response.clone();
      let text = (await response.text()).split(boundary).join("BOUNDARY");
      if (text.endsWith("\r\n")) text = text.slice(0, -2);
      return Response.json({ text, parsed: await describe(await clone.formData()) });
    }
    if (pathname === "/urlsearchparams") {
      return new Response(new URLSearchParams([["a b", "1&2"], ["☃", "é"], ["k", "v=w"]]));
    }
    if (pathname === "/urlsearchparams-request") {
      const request = new Request("http://x.test/", { method: "POST", body: new URLSearchParams("x=1&y=2") });
      return Response.json({
        type: request.headers.get("content-type"),
        parsed: await describe(await request.formData()),
      });
    }
    if (pathname === "/parse") {
      const result = await attemptAsync(async () => describe(await request.formData()));
      return Response.json(result);
    }
    return new Response("not found", { status: 404 });
  },
};
