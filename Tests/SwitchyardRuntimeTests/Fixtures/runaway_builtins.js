// Runaways that spend their time inside V8's built-ins rather than in JavaScript loops: each
// keeps calling one built-in on a large input until the CPU limit stops it. Used by
// LimitsTests (the limit must hold) and by `switchyard-isolate-bench builtins` (how much CPU
// each one gets before it is stopped). GET /?case=NAME runs one; GET /cases lists them.
//
// spin.wasm (beside this file) exports `spin`, an endless loop: (func (loop (br 0))).
// Inputs are as large as a 128 MB isolate allows, since a tenant picks the worst case.

import spin from "./spin.wasm";

const MB = 1024 * 1024;
let sink;

const cases = {
  "string replaceAll": () => { const s = "a".repeat(8 * MB); for (;;) sink = s.replaceAll("a", "cd"); },
  "regexp replace": () => { const s = "x".repeat(8 * MB); for (;;) sink = s.replace(/x/g, "yy"); },
  "regexp replace with patterns": () => { const s = "ab".repeat(4 * MB); for (;;) sink = s.replace(/(a)(b)/g, "$2$1"); },
  "regexp split": () => { const s = "a,".repeat(4 * MB); for (;;) sink = s.split(/,/); },
  "regexp match": () => { const s = "ab ".repeat(3 * MB); for (;;) sink = s.match(/\w+/g); },
  "string split": () => { const s = "a,".repeat(4 * MB); for (;;) sink = s.split(","); },
  "JSON.parse": () => {
    const text = JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ id: i, name: "item " + i, tags: ["a", "b"] })));
    for (;;) sink = JSON.parse(text);
  },
  "JSON.stringify": () => {
    const value = Array.from({ length: 200000 }, (_, i) => ({ id: i, name: "item " + i }));
    for (;;) sink = JSON.stringify(value);
  },
  "sort": () => {
    const base = Array.from({ length: 1000000 }, (_, i) => String((i * 7919) % 1000003));
    for (;;) sink = base.slice().sort();
  },
  "sort with a comparator": () => {
    const base = Array.from({ length: 1000000 }, (_, i) => (i * 7919) % 1000003);
    for (;;) sink = base.slice().sort((a, b) => a - b);
  },
  "typed array sort": () => {
    const base = Float64Array.from({ length: 4 * MB }, (_, i) => (i * 7919) % 1000003);
    for (;;) sink = base.slice().sort();
  },
  "BigInt multiply": () => { let x = 3n ** 200000n; for (;;) sink = x * x + 1n; },
  "BigInt power": () => { for (let e = 1000000n; ; e *= 2n) sink = 7n ** e; },
  "BigInt toString": () => { const x = 7n ** 1000000n; for (;;) sink = x.toString(); },
  "structuredClone": () => {
    const value = Array.from({ length: 100000 }, (_, i) => ({ id: i, name: "item " + i, when: new Date(i) }));
    for (;;) sink = structuredClone(value);
  },
  "TextEncoder": () => { const s = "é".repeat(16 * MB); const encoder = new TextEncoder(); for (;;) sink = encoder.encode(s); },
  "TextDecoder": () => {
    const bytes = new TextEncoder().encode("é".repeat(8 * MB));
    const decoder = new TextDecoder();
    for (;;) sink = decoder.decode(bytes);
  },
  "Array.prototype.join": () => { const items = new Array(2 * MB).fill("abc"); for (;;) sink = items.join(","); },
  "Array.prototype.fill": () => { const items = new Array(8 * MB); for (;;) sink = items.fill(1); },
  "Array.prototype.indexOf": () => { const items = new Array(8 * MB).fill(1); for (;;) sink = items.indexOf(2); },
  "string indexOf": () => { const s = "a".repeat(32 * MB); for (;;) sink = s.indexOf("ab"); },
  "string repeat and flatten": () => { for (;;) sink = "ab".repeat(16 * MB).charCodeAt(3); },
  "Intl.NumberFormat": () => { const items = new Array(MB).fill(1234.5); for (;;) sink = items.toLocaleString("en-US"); },
  "Intl.Collator sort": () => {
    const base = Array.from({ length: 200000 }, (_, i) => "item " + ((i * 7919) % 1000003));
    const collator = new Intl.Collator("en");
    for (;;) sink = base.slice().sort(collator.compare);
  },
  "URL parsing": () => { const href = "https://example.com/" + "a/".repeat(MB) + "?q=1"; for (;;) sink = new URL(href); },
  "atob": () => { const text = btoa("x".repeat(24 * MB)); for (;;) sink = atob(text); },
  "Wasm loop": () => { new WebAssembly.Instance(spin).exports.spin(); },
  "encodeURIComponent": () => { const s = "é ".repeat(8 * MB); for (;;) sink = encodeURIComponent(s); },
};

export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/cases") return new Response(JSON.stringify(Object.keys(cases)));
    const run = cases[url.searchParams.get("case")];
    if (run === undefined) return new Response("unknown case", { status: 404 });
    run();
    return new Response("finished");
  },
};
