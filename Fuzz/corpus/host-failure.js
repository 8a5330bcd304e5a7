//@fuzz mode=eval heap=128 terminate=0 fail=1 memcheck=2 watchdog=1000 ops=0 polls=1
//@source "fuzz.js"
try { console.log("fails"); __n(0); } catch (e) { __n(0, e); }
try { setTimeout(() => {}, 0); __n(1); } catch (e) { __n(1, e); }
__r;
