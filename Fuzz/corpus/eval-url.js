//@fuzz mode=eval heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=2
//@source "fuzz.js"
try { new URL("http://B\u00fccher.example/"); __n(0); } catch (e) { __n(0, e); }
try { new URL("http://\uff21\uff22.com/").href; __n(1); } catch (e) { __n(1, e); }
try { new URL("http://xn--zz.com/"); __n(2); } catch (e) { __n(2, e); }
try { new URL("http://\u200d.\u0661/"); __n(3); } catch (e) { __n(3, e); }
try { const u = new URL("http://x/"); u.hostname = "\u00df.de"; u.host = "\ud800.com"; __n(4); } catch (e) { __n(4, e); }
try { new URL("/p?q#f", "https://\u00e9.example"); __n(5); } catch (e) { __n(5, e); }
try { new URL("http://" + "\u00e9".repeat(70000) + ".com/"); __n(6); } catch (e) { __n(6, e); }
__r;
