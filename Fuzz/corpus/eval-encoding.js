//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@source "fuzz.js"
try { __enc.encode("a\ud800b\udfff"); __n(0); } catch (e) { __n(0, e); }
try { __enc.encodeInto("\ud83d\ude00\u00e9x", new Uint8Array(3)); __n(1); } catch (e) { __n(1, e); }
try { __enc.encodeInto("hello", __detached()); __n(2); } catch (e) { __n(2, e); }
try { __enc.encodeInto("hello", __wview(4, 8)); __n(3); } catch (e) { __n(3, e); }
try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xed, 0xa0, 0x80])); __n(4); } catch (e) { __n(4, e); }
try { new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), { stream: true }); __n(5); } catch (e) { __n(5, e); }
try { new TextDecoder("utf-16le").decode(new Uint16Array([0xd800, 0x41])); __n(6); } catch (e) { __n(6, e); }
try { new TextDecoder().decode(__detachedBuffer()); __n(7); } catch (e) { __n(7, e); }
try { new TextDecoder().decode(new DataView(__wmem.buffer, 1, 3)); __n(8); } catch (e) { __n(8, e); }
try { __enc.encode({ toString() { throw new Error("t"); } }); __n(9); } catch (e) { __n(9, e); }
__r;
