//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=1 polls=1
//@source "fuzz.js"
try { __ops.utf8Encode({ toString() { return "\ud800"; } }); __n(0); } catch (e) { __n(0, e); }
try { __ops.utf8EncodeInto("x", new Uint16Array(2)); __n(1); } catch (e) { __n(1, e); }
try { __ops.utf8Decode(__detachedBuffer(), 1, 0); __n(2); } catch (e) { __n(2, e); }
try { __ops.domainToASCII({ toString() { return "B\u00fccher.de"; } }, true); __n(3); } catch (e) { __n(3, e); }
try { __ops.randomFill(new Float64Array(2)); __ops.randomUUID(1, 2); __ops.now(); __n(4); } catch (e) { __n(4, e); }
try { __ops.structuredClone(); __n(5); } catch (e) { __n(5, e); }
try { __ops.host({ valueOf() { return 9; } }, new Uint8Array(4), "s", 1, null, undefined, true, __wmem.buffer); __n(6); } catch (e) { __n(6, e); }
try { __ops.host(11); __ops.host(13); __ops.host(20); __n(7); } catch (e) { __n(7, e); }
try { __ops.respond(0, 200, "OK", "body", "a", "b"); __ops.respond(-1); __n(8); } catch (e) { __n(8, e); }
__r;
