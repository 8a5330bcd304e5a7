#!/usr/bin/env node
// Differential check of Sources/SwitchyardRuntime/JavaScript/core/05_bounded_builtins.js: loads it into
// this process the way the host runs runtime files, then compares each bounded built-in with the
// original V8 built-in on large inputs (the sizes at which the wrappers take their own path):
// multi-byte text, surrogate pairs at slice boundaries, malformed escapes, every `$` pattern,
// sticky / unicode / lookaround RegExps, split limits, fill ranges. Run by
// BuiltinLimitsTests.boundedBuiltinsMatchV8; prints "N checks, M mismatches".
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const natives = {
  encodeURI, encodeURIComponent, escape, decodeURI, decodeURIComponent, unescape,
  replace: String.prototype.replace, replaceAll: String.prototype.replaceAll, indexOf: String.prototype.indexOf,
  includes: String.prototype.includes, split: String.prototype.split, fill: Array.prototype.fill,
};
const source = fs.readFileSync(path.join(__dirname, "../../Sources/SwitchyardRuntime/JavaScript/core/05_bounded_builtins.js"), "utf8");
new Function("internals", '"use strict";' + source)({
  primordials: { uncurryThis: (fn) => Function.prototype.call.bind(fn), ReflectApply: Reflect.apply, ObjectDefineProperty: Object.defineProperty },
});

let checks = 0, mismatches = 0;
const run = (f) => { try { return "ok:" + JSON.stringify(f()); } catch (e) { return "err:" + e.constructor.name; } };
function compare(label, ours, theirs) {
  checks++;
  const a = run(ours), b = run(theirs);
  if (a !== b) { mismatches++; console.log("MISMATCH", label, a.slice(0, 100), "|", b.slice(0, 100)); }
}

// URI functions.
const texts = ["a".repeat(300000), "é€😀 ".repeat(100000), "\ud83d" + "x".repeat(200000),
  "x".repeat(131071) + "😀" + "y".repeat(200000), "x".repeat(131072) + "😀" + "y".repeat(200000)];
for (const s of texts) {
  for (const f of ["encodeURI", "encodeURIComponent", "escape"]) compare(f, () => globalThis[f](s), () => natives[f](s));
  let encoded;
  try { encoded = natives.encodeURIComponent(s); } catch { continue; }
  for (const f of ["decodeURI", "decodeURIComponent", "unescape"]) {
    compare(f, () => globalThis[f](encoded), () => natives[f](encoded));
    for (const cut of [1, 2, 5, 131072, 131073, 131074]) {
      const bad = encoded.slice(0, encoded.length - cut);
      compare(f + " truncated", () => globalThis[f](bad), () => natives[f](bad));
    }
  }
  const escaped = natives.escape(s);
  compare("unescape %u", () => unescape(escaped), () => natives.unescape(escaped));
}
for (let shift = 0; shift < 12; shift++) {
  const e = "a".repeat(131072 - shift) + natives.encodeURIComponent("€😀é".repeat(50000));
  compare("decode shifted " + shift, () => decodeURIComponent(e), () => natives.decodeURIComponent(e));
}

// replace / replaceAll with strings and RegExps.
const long = ["ab😀c ".repeat(40000), "x".repeat(140000), "foo123bar45 ".repeat(15000)];
const patterns = [/x/g, /b/g, /(\d)(\d)?/g, /(?<d>\d+)/g, /$/g, /^/gm, /(?:)/g, /(?:)/gu, /\b/g, /(a)|(b)/g, /😀/gu,
  /.(?=c)/g, /(?<=a)b/g, /x/gy, /[a-z]+/gi, "a", "é", "😀", "xy", "x"];
const replacements = ["Z", "", "$$", "$&", "[$`]", "[$']", "$1", "$2", "$3", "$01", "$10", "$12", "$<d>", "$<nope>",
  "$<", "$0", "$", "a$", "$$1", "<$1|$2>"];
for (const t of long) for (const p of patterns) for (const r of replacements) {
  if (/\$[`']/.test(r) && !(p === "x" || String(p) === "/x/g")) continue;  // quadratic output
  for (const name of ["replace", "replaceAll"]) {
    compare(`${name} ${p} ${r}`, () => t[name](p, r), () => natives[name].call(t, p, r));
    if (typeof p !== "string") p.lastIndex = 0;
  }
}

// indexOf / includes across window boundaries.
const as = "a".repeat(131072 * 3);
for (const at of [0, 5, 131071, 131072, 131073, 393214]) {
  const t = as.slice(0, at) + "xyz" + as.slice(at);
  for (const q of ["x", "xy", "xyz", "yz", "z", "aax", "q", "a"]) {
    compare("indexOf", () => t.indexOf(q), () => natives.indexOf.call(t, q));
    compare("includes", () => t.includes(q), () => natives.includes.call(t, q));
  }
}

// split with RegExps.
const splitTexts = ["ab😀c, ".repeat(30000), "x".repeat(140000), "foo123bar45 ".repeat(15000), "a".repeat(131073)];
const separators = [/,/, /,/g, /(,)/, /(\d)(\d)?/, /$/, /^/m, /(?:)/, /(?:)/u, /\b/, /(a)|(b)/, /😀/u, /.(?=c)/, /x/y,
  /[a-z]+/i, /\s*/, /(?<n>\d)/];
for (const t of splitTexts) for (const re of separators) for (const limit of [undefined, 0, 1, 5, 100000, -1]) {
  compare(`split ${re} ${limit}`, () => t.split(re, limit), () => natives.split.call(t, re, limit));
}

// fill ranges.
for (const [start, end] of [[undefined, undefined], [5, undefined], [-10, undefined], [3, -3], [200000, 1], [NaN, 1e9],
  ["2", "150000"], [-1e9, 131075]]) {
  compare(`fill ${start} ${end}`, () => new Array(200000).fill(7, start, end), () => natives.fill.call(new Array(200000), 7, start, end));
}
// join / toLocaleString: nested arrays call back into Array.prototype, so the reference runs in a
// realm of its own (node:vm) without the wrappers, and each case is built afresh in both realms.
const vm = require("node:vm");
const wrapped = vm.createContext({});
vm.runInContext(`(function (internals) { "use strict"; ${source} })`, wrapped)({
  primordials: { uncurryThis: (fn) => Function.prototype.call.bind(fn), ReflectApply: Reflect.apply, ObjectDefineProperty: Object.defineProperty },
});
const reference = vm.createContext({});
const joinCases = `
  const array = Array.from({ length: 70000 }, (_, i) => (i % 7 === 0 ? null : i % 11 === 0 ? undefined : i * 1000.5));
  array[5] = [1, 2.5, array];
  array[6] = array;
  array[9] = { toLocaleString() { return "X"; }, toString() { return "Y"; } };
  array[20000] = [[array, [1, array]], "z"];
  delete array[13];
  const results = [];
  for (const args of [[], ["de-DE"], ["en", { style: "percent" }]]) results.push(array.toLocaleString(...args));
  for (const separator of [undefined, "", "-", 1, null]) results.push(array.join(separator));
  results.push(String(array), [array, array].join(";").length);
  const words = Array.from({ length: 30000 }, (_, i) => "item " + ((i * 7919) % 100003));
  const collator = new Intl.Collator("de");
  results.push(words.slice().sort(collator.compare).join(), words.slice().sort((a, b) => b.length - a.length).join());
  let calls = 0;
  words.slice().sort(function (a, b) { calls += this === undefined ? 1 : 1000; return a < b ? -1 : a > b ? 1 : 0; });
  results.push(calls > 0 && calls < 1000 * 30000);
  JSON.stringify(results);
`;
compare("join / toLocaleString", () => vm.runInContext(joinCases, wrapped), () => vm.runInContext(joinCases, reference));

console.log(`${checks} checks, ${mismatches} mismatches`);
process.exitCode = mismatches === 0 ? 0 : 1;
