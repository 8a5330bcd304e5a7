// The sweep of the runtime's own operations (PollutionSweepTests.swift), run as a runtime file:
// `function (internals, ops)`, after pollution_traps.js. Under every trap, each native operation
// in `ops` and each function the runtime exports to the host through `internals` (what the host
// calls per request, per timer, per deploy) is called with every hostile argument list. The
// operations are enumerated here, so one added later is swept too. Leaves the number of calls
// in globalThis.opsSweepCalls.

const targets = [];
for (const table of [ops, internals]) {
  for (const name of Object.getOwnPropertyNames(table)) {
    if (typeof table[name] === "function") targets[targets.length] = table[name];
  }
}
let calls = 0;
for (let p = 0; p < prototypes.length; p++) {
  for (let k = 0; k < keys.length; k++) {
    for (let m = 0; m < modes.length; m++) {
      withTrap(prototypes[p][1], keys[k], m, () => {
        for (let t = 0; t < targets.length; t++) {
          for (let a = 0; a < argumentLists.length; a++) {
            calls++;
            try { Reflect.apply(targets[t], undefined, argumentLists[a]); } catch {}
          }
        }
      });
    }
  }
}
globalThis.opsSweepCalls = `${calls} calls of ${targets.length} operations`;
