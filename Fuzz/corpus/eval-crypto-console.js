//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@source "fuzz.js"
try { crypto.getRandomValues(new Uint8Array(16)); __n(0); } catch (e) { __n(0, e); }
try { crypto.getRandomValues(__detached()); __n(1); } catch (e) { __n(1, e); }
try { crypto.getRandomValues(new Int32Array(__wmem.buffer, 4, 2)); __n(2); } catch (e) { __n(2, e); }
try { crypto.randomUUID(); performance.now(); __n(3); } catch (e) { __n(3, e); }
try { console.log("%s %d %j %o", { toString() { return "s"; } }, 1n, __cyclic(), new Error("e")); __n(4); } catch (e) { __n(4, e); }
try { console.time("t"); console.timeEnd("t"); console.trace("x"); __n(5); } catch (e) { __n(5, e); }
try { setTimeout(() => { console.log("timer"); }, 0); setInterval(() => { throw new Error("i"); }, 0); __n(6); } catch (e) { __n(6, e); }
try { queueMicrotask(() => { __enc.encode("m"); }); __n(7); } catch (e) { __n(7, e); }
__r;
