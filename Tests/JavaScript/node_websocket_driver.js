#!/usr/bin/env node
// Dev tool: runs web/36_websocket.js (WebSocket, WebSocketPair) in a bare node:vm context with a
// stand-in host that records the host operations, and checks a pair talking to itself and a
// pair whose client end is handed to the host. Not used by the Swift test suite (WebSocketTests
// runs the real isolate).
//
//   node Tests/JavaScript/node_websocket_driver.js
"use strict";

const vm = require("node:vm");
const fs = require("node:fs");
const path = require("node:path");
const assert = require("node:assert");

const jsRoot = path.resolve(__dirname, "..", "..", "Sources/SwitchyardRuntime/JavaScript");
const context = vm.createContext({});
const internals = vm.runInContext("({})", context);
const ops = vm.runInContext("({})", context);
const calls = [];
let nextHandle = 7;
ops.host = (op, ...args) => {
  calls.push([op, ...args]);
  if (op === 16) return nextHandle++;
  return undefined;
};
ops.utf8Encode = (text) => {
  const bytes = Buffer.from(String(text), "utf8");
  const out = new (vm.runInContext("Uint8Array", context))(bytes.length);
  out.set(bytes);
  return out;
};
const load = (file) => {
  const full = path.join(jsRoot, file);
  const wrapped = `(function (internals, ops) { "use strict"; ${fs.readFileSync(full, "utf8")}\n})`;
  vm.runInContext(wrapped, context, { filename: full })(internals, ops);
};
load("core/00_core.js");
internals.hostOp = Object.freeze({ __proto__: null, webSocketOpen: 16, webSocketSend: 17, webSocketClose: 18, webSocketAccept: 19 });
internals.reportError = (error) => { throw error; };
load("web/10_encoding.js");
load("web/15_events.js");
load("web/36_websocket.js");

const run = (code) => vm.runInContext(code, context);
context.internals = internals;

// A pair talking to itself.
const log = run(`
  const log = [];
  const [client, server] = Object.values(new WebSocketPair());
  server.accept();
  client.accept();
  client.addEventListener("message", (event) => log.push("client:" + event.data));
  server.onmessage = (event) => { log.push("server:" + (typeof event.data === "string" ? event.data : new Uint8Array(event.data).join(","))); };
  server.addEventListener("close", (event) => log.push("server-close:" + event.code + ":" + event.reason + ":" + event.wasClean));
  client.send("hi");
  client.send(new Uint8Array([1, 2, 3]));
  server.send("yo");
  client.close(1000, "bye");
  try { client.send("late"); } catch (e) { log.push(e.message); }
  log.push("states:" + client.readyState + "," + server.readyState);
  log;
`);
assert.deepStrictEqual([...log], [
  "server:hi", "server:1,2,3", "client:yo", "server-close:1000:bye:true",
  "Can't call WebSocket send() after close().", "states:3,3",
]);

// The client end handed to the host: the server's sends become host operations.
const events = run(`
  const events = [];
  const pair = new WebSocketPair();
  const s = pair[1];
  s.accept();
  s.send("early");
  s.addEventListener("message", (e) => events.push("got:" + e.data));
  s.addEventListener("close", (e) => events.push("close:" + e.code));
  globalThis.handle = internals.webSocketToHost(pair[0]);
  s.send("late");
  internals.webSocketEvent(handle, 0, "from-client");
  internals.webSocketEvent(handle, 2, 4000, "done");
  events;
`);
assert.deepStrictEqual([...events], ["got:from-client", "close:4000"]);
const ops16 = calls.filter((c) => c[0] >= 16).map((c) => c.join("|"));
assert.deepStrictEqual(ops16, ["16", "17|7|early", "17|7|late", "18|7|4000|done"]);

// Errors as Workers word them.
const errors = run(`
  const errors = [];
  const p = new WebSocketPair();
  try { p[1].send("x"); } catch (e) { errors.push(e.message); }
  p[1].accept();
  try { p[1].close(1001); } catch (e) { errors.push(e.name); }
  try { p[1].send(new Uint8Array(1024 * 1024 + 1)); } catch (e) { errors.push(e.name); }
  errors.push(String(WebSocket.OPEN) + String(p[1].OPEN) + Object.prototype.toString.call(p));
  errors;
`);
assert.deepStrictEqual([...errors], [
  "You must call accept() on this WebSocket before sending messages.", "InvalidAccessError", "RangeError",
  "11[object WebSocketPair]",
]);
console.log("websocket driver: all checks passed");
