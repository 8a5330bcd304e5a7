/*---
{
  "requests": [
    {"path": "/"},
    {"path": "/transfer"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// structuredClone: what survives a clone (types, cycles, shared references, typed arrays, Maps
// and Sets, Dates, RegExps, errors) and what throws (functions, symbols, transfer misuse).

export default {
  fetch(request) {
    if (new URL(request.url).pathname === "/transfer") {
      const buffer = new ArrayBuffer(8);
      const moved = attempt(() => structuredClone(buffer, { transfer: [buffer] }).byteLength);
      return Response.json({ moved, detached: buffer.byteLength, badTransfer: attempt(() => structuredClone(1, { transfer: [1] })) });
    }
    const shared = { s: 1 };
    const source = {
      n: 1.5, s: "str", b: true, nul: null, big: 10n, date: new Date(0), re: /a+b/gi,
      map: new Map([[1, "one"], ["k", { v: 2 }]]), set: new Set([1, "2"]), arr: [1, , 3],
      u8: new Uint8Array([1, 2, 3]), f64: new Float64Array([0.5]), pair: [shared, shared],
      err: new RangeError("bad range"), nested: { deep: { deeper: [1, { x: "y" }] } },
    };
    source.self = source;
    const c = structuredClone(source);
    const results = {
      distinct: c !== source, cycle: c.self === c, sharedKept: c.pair[0] === c.pair[1],
      big: typeof c.big, date: c.date instanceof Date && c.date.getTime(), re: [c.re.source, c.re.flags],
      map: [...c.map], set: [...c.set], holes: 1 in c.arr, u8: [c.u8 instanceof Uint8Array, ...c.u8], f64: c.f64[0],
      err: [c.err instanceof RangeError, c.err.message], nested: c.nested,
      func: attempt(() => structuredClone(() => 1)),
      symbol: attempt(() => structuredClone(Symbol("s"))),
      symbolKeyDropped: Object.getOwnPropertySymbols(structuredClone({ [Symbol("k")]: 1 })).length,
      primitive: [structuredClone(1), structuredClone("s"), structuredClone(undefined) === undefined, structuredClone(null)],
      getterRuns: structuredClone({ get g() { return 42; } }),
      classLost: structuredClone(new (class Point { constructor() { this.x = 1; } })()).constructor === Object,
      noArgs: attempt(() => structuredClone()),
    };
    return Response.json(results);
  },
};
