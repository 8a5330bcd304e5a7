//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@source "fuzz.js"
try { structuredClone(__cyclic()); __n(0); } catch (e) { __n(0, e); }
try { structuredClone(() => 1); __n(1); } catch (e) { __n(1, e); }
try { structuredClone(new WebAssembly.Memory({ initial: 1 })); __n(2); } catch (e) { __n(2, e); }
try { structuredClone(__wmem.buffer); __n(3); } catch (e) { __n(3, e); }
try { structuredClone(__detachedBuffer()); __n(4); } catch (e) { __n(4, e); }
try { structuredClone(__deep(100000)); __n(5); } catch (e) { __n(5, e); }
try { structuredClone({ get a() { throw new Error("g"); } }); __n(6); } catch (e) { __n(6, e); }
try { structuredClone(new Proxy({}, {})); __n(7); } catch (e) { __n(7, e); }
try { structuredClone(new Map([[1, new Set([new Date(0), /re/g, 1n])]])); __n(8); } catch (e) { __n(8, e); }
try { structuredClone(typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(8) : 0); __n(9); } catch (e) { __n(9, e); }
__r;
