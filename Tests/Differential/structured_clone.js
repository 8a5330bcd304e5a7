/*---
{
  "requests": [
    {"path": "/"},
    {"path": "/transfer"},
    {"path": "/transfer-errors"}
  ]
}
---*/
import { attempt } from "./support/attempt.js";
// structuredClone: what survives a clone (types, cycles, shared references, typed arrays, Maps
// and Sets, Dates, RegExps, errors) and what throws (functions, symbols, transfer misuse).

export default {
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/transfer") {
      const buffer = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer;
      const view = new Uint8Array(buffer, 2, 3);
      const clone = structuredClone({ buffer, view, again: buffer }, { transfer: [buffer] });
      const detached = new ArrayBuffer(2);
      structuredClone(detached, { transfer: [detached] });
      return Response.json({
        moved: [...new Uint8Array(clone.buffer)], detached: [buffer.byteLength, view.length],
        sameBuffer: [clone.again === clone.buffer, clone.view.buffer === clone.buffer, clone.view.byteOffset, [...clone.view]],
        primitive: attempt(() => structuredClone(1, { transfer: [1] })),
        notTransferable: [attempt(() => structuredClone(1, { transfer: [{}] })), attempt(() => structuredClone(1, { transfer: [new Uint8Array(1)] }))],
        alreadyDetached: attempt(() => structuredClone(1, { transfer: [detached] })),
        notSequence: attempt(() => structuredClone(1, { transfer: 5 })),
        empty: [structuredClone(1, { transfer: [] }), structuredClone(2, null), structuredClone(3, {})],
      });
    }
    if (pathname === "/transfer-errors") {
      const buffer = new ArrayBuffer(4);
      const failed = new ArrayBuffer(4);
      return Response.json({
        duplicate: [attempt(() => structuredClone(1, { transfer: [buffer, buffer] })), buffer.byteLength],
        failedCloneKeeps: [attempt(() => structuredClone({ failed, f() {} }, { transfer: [failed] })), failed.byteLength],
      });
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
