// url_wpt.js — conformance harness for the runtime's URL / URLSearchParams.
//
// Defines a single function, runURLConformance(urltestdata, setters, toascii
// [, percentEncoding]), which takes the parsed WPT JSON files (urltestdata.json,
// setters_tests.json, toascii.json and optionally percent-encoding.json) and returns
// { passed, failed, failures } where `failures` holds the first 50 failure descriptions.
// It uses only ECMAScript built-ins and the URL / URLSearchParams globals, so it can be
// evaluated inside the embedded V8 isolate as well as under Node's vm module.
//
// The checks mirror the WPT files url-constructor.any.js, url-origin.any.js,
// url-statics-canparse.any.js, url-statics-parse.any.js, failure.html (URL parts),
// url-setters.any.js, toascii.window.js (URL parts) and percent-encoding.window.js
// (UTF-8 rows), plus a handful of URLSearchParams behaviours.

function runURLConformance(urltestdata, setters, toascii, percentEncoding) {
  "use strict";

  var passed = 0;
  var failed = 0;
  var failures = [];
  var MAX_FAILURES = 50;

  function show(value) {
    if (typeof value === "string") return JSON.stringify(value);
    if (value === undefined) return "undefined";
    try {
      return JSON.stringify(value);
    } catch (e) {
      return String(value);
    }
  }

  function AssertionFailure(message) {
    this.message = message;
  }

  function assertEquals(actual, expected, what) {
    if (actual !== expected) {
      throw new AssertionFailure((what ? what + ": " : "") + "expected " + show(expected) + " but got " + show(actual));
    }
  }

  function assertTrue(value, what) {
    if (value !== true) throw new AssertionFailure((what ? what + ": " : "") + "expected true but got " + show(value));
  }

  function assertThrowsTypeError(fn, what) {
    var threw = false;
    try {
      fn();
    } catch (e) {
      threw = true;
      if (!(e instanceof TypeError)) {
        throw new AssertionFailure((what ? what + ": " : "") + "expected a TypeError but got " +
          (e && e.constructor && e.constructor.name) + ": " + (e && e.message));
      }
    }
    if (!threw) throw new AssertionFailure((what ? what + ": " : "") + "expected a TypeError but nothing was thrown");
  }

  function test(name, fn) {
    try {
      fn();
      passed++;
    } catch (e) {
      failed++;
      if (failures.length < MAX_FAILURES) {
        var reason = e instanceof AssertionFailure
          ? e.message
          : "unexpected exception " + (e && e.name) + ": " + (e && e.message);
        failures.push(name + " — " + reason);
      }
    }
  }

  // ---------------------------------------------------------------------------------
  // urltestdata.json

  var COMPONENTS = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];

  function runURLTestData(cases) {
    for (var i = 0; i < cases.length; i++) {
      var expected = cases[i];
      if (typeof expected === "string") continue; // comment
      (function (expected) {
        var base = expected.base !== null && expected.base !== undefined ? expected.base : undefined;
        var label = "<" + expected.input + "> " + (base !== undefined ? "against <" + base + ">" : "without base");

        test("Parsing: " + label, function () {
          if (expected.failure) {
            assertThrowsTypeError(function () { return new URL(expected.input, base); });
            return;
          }
          var url = new URL(expected.input, base);
          for (var j = 0; j < COMPONENTS.length; j++) {
            var key = COMPONENTS[j];
            assertEquals(url[key], expected[key], key);
          }
          if ("searchParams" in expected) {
            assertTrue("searchParams" in url, "searchParams present");
            assertEquals(url.searchParams.toString(), expected.searchParams, "searchParams");
          }
        });

        test("URL.canParse: " + label, function () {
          assertEquals(URL.canParse(expected.input, base), !expected.failure, "URL.canParse");
        });

        test("URL.parse: " + label, function () {
          var url = URL.parse(expected.input, base);
          if (expected.failure) {
            assertEquals(url, null, "URL.parse");
          } else {
            assertTrue(url instanceof URL, "URL.parse returns a URL");
            assertEquals(url.href, expected.href, "href");
          }
        });

        if ("origin" in expected) {
          test("Origin parsing: " + label, function () {
            var url = new URL(expected.input, base);
            assertEquals(url.origin, expected.origin, "origin");
          });
        }

        if (!expected.failure) {
          // Parse-serialize idempotence (a goal of the URL Standard).
          test("Reparse of href: " + label, function () {
            var href = new URL(expected.input, base).href;
            assertEquals(new URL(href).href, href, "reparsed href");
          });
        }

        if (expected.failure && base === undefined) {
          test("URL's constructor's base argument: <" + expected.input + "> should throw", function () {
            assertThrowsTypeError(function () { return new URL("about:blank", expected.input); });
          });
          test("URL's href setter: <" + expected.input + "> should throw", function () {
            var url = new URL("about:blank");
            assertThrowsTypeError(function () { url.href = expected.input; });
            assertEquals(url.href, "about:blank", "href after failed set");
          });
        }
      })(expected);
    }
  }

  // ---------------------------------------------------------------------------------
  // setters_tests.json

  function runSetters(testsByAttribute) {
    var attributes = Object.keys(testsByAttribute);
    for (var a = 0; a < attributes.length; a++) {
      var attribute = attributes[a];
      if (attribute === "comment") continue;
      var cases = testsByAttribute[attribute];
      for (var i = 0; i < cases.length; i++) {
        (function (attribute, testCase) {
          var name = "URL: Setting <" + testCase.href + ">." + attribute + " = " + show(testCase.new_value);
          if ("comment" in testCase) name += " " + testCase.comment;
          test(name, function () {
            var url = new URL(testCase.href);
            url[attribute] = testCase.new_value;
            var keys = Object.keys(testCase.expected);
            for (var k = 0; k < keys.length; k++) {
              assertEquals(url[keys[k]], testCase.expected[keys[k]], keys[k]);
            }
          });
        })(attribute, cases[i]);
      }
    }
  }

  // ---------------------------------------------------------------------------------
  // toascii.json

  function runToASCII(cases) {
    for (var i = 0; i < cases.length; i++) {
      var hostTest = cases[i];
      if (typeof hostTest === "string") continue; // comment
      (function (hostTest) {
        test(hostTest.input + " (using URL)", function () {
          if (hostTest.output !== null) {
            var url = new URL("https://" + hostTest.input + "/x");
            assertEquals(url.host, hostTest.output, "host");
            assertEquals(url.hostname, hostTest.output, "hostname");
            assertEquals(url.pathname, "/x", "pathname");
            assertEquals(url.href, "https://" + hostTest.output + "/x", "href");
          } else {
            assertThrowsTypeError(function () { return new URL("https://" + hostTest.input + "/x"); });
          }
        });
        ["host", "hostname"].forEach(function (attribute) {
          test(hostTest.input + " (using URL." + attribute + ")", function () {
            var url = new URL("https://x/x");
            url[attribute] = hostTest.input;
            assertEquals(url[attribute], hostTest.output !== null ? hostTest.output : "x", attribute);
          });
        });
      })(hostTest);
    }
  }

  // ---------------------------------------------------------------------------------
  // percent-encoding.json (UTF-8 rows only). The UTF-8 rows are inlined so that they run
  // even when the caller passes only the three required data sets.

  var INLINE_PERCENT_ENCODING = [
    { input: "\u2020", output: { "utf-8": "%E2%80%A0" } },
    { input: "\u000EA", output: { "utf-8": "%0EA" } },
    { input: "\u203E\u005C", output: { "utf-8": "%E2%80%BE\\" } },
    { input: "\uE5E5", output: { "utf-8": "%EE%97%A5" } },
    { input: "\u2212", output: { "utf-8": "%E2%88%92" } },
    { input: "\u00A2", output: { "utf-8": "%C2%A2" } },
    { input: "\u00E1|", output: { "utf-8": "%C3%A1|" } },
  ];

  function runPercentEncoding(cases) {
    for (var i = 0; i < cases.length; i++) {
      var testUnit = cases[i];
      if (typeof testUnit === "string" || !testUnit.output || !("utf-8" in testUnit.output)) continue;
      (function (testUnit) {
        test("Input " + show(testUnit.input) + " with encoding utf-8", function () {
          var expected = testUnit.output["utf-8"];
          var url = new URL("https://doesnotmatter.invalid/?" + testUnit.input + "#" + testUnit.input);
          assertEquals(url.hash, "#" + expected, "fragment");
          assertEquals(url.search, "?" + expected, "query");
        });
      })(testUnit);
    }
  }

  // ---------------------------------------------------------------------------------
  // URLSearchParams and API-shape checks

  function entriesOf(params) {
    var out = [];
    params.forEach(function (value, name) { out.push(name + "=" + value); });
    return out.join("|");
  }

  function runSearchParamsChecks() {
    test("URLSearchParams: '+' decodes to a space, %2B to '+'", function () {
      var p = new URLSearchParams("a=b+c&d+e=f%2Bg&h=%20");
      assertEquals(p.get("a"), "b c", "a");
      assertEquals(p.get("d e"), "f+g", "d e");
      assertEquals(p.get("h"), " ", "h");
    });
    test("URLSearchParams: space is serialized as '+', reserved characters are percent-encoded", function () {
      var p = new URLSearchParams();
      p.append("q", "a b");
      p.append("a b", "c+d=e&f");
      p.append("x", "*-._~!'()\u00E9\uD83D\uDE00");
      assertEquals(p.toString(), "q=a+b&a+b=c%2Bd%3De%26f&x=*-._%7E%21%27%28%29%C3%A9%F0%9F%98%80");
    });
    test("URLSearchParams: percent-decoding replaces invalid UTF-8 and keeps malformed escapes", function () {
      var p = new URLSearchParams("a=%FF&b=%zz&c=%E2%82&d=%e2%82%ac&e=%");
      assertEquals(p.get("a"), "\uFFFD", "a");
      assertEquals(p.get("b"), "%zz", "b");
      assertEquals(p.get("c"), "\uFFFD", "c");
      assertEquals(p.get("d"), "\u20AC", "d");
      assertEquals(p.get("e"), "%", "e");
    });
    test("URLSearchParams: lone surrogates become U+FFFD", function () {
      var p = new URLSearchParams();
      p.append("a\uD800", "b\uDC00c");
      assertEquals(p.get("a\uFFFD"), "b\uFFFDc", "get");
      assertEquals(p.toString(), "a%EF%BF%BD=b%EF%BF%BDc", "toString");
    });
    test("URLSearchParams: sort() is stable and compares code units", function () {
      var p = new URLSearchParams("z=1&a=2&z=0&a=1&b=3&a=0");
      p.sort();
      assertEquals(p.toString(), "a=2&a=1&a=0&b=3&z=1&z=0");
      var q = new URLSearchParams([["\uFFFD", "x"], ["\uD83C\uDF08", "y"], ["\uFFFD", "z"]]);
      q.sort();
      assertEquals(entriesOf(q), "\uD83C\uDF08=y|\uFFFD=x|\uFFFD=z", "code unit order");
    });
    test("URLSearchParams: size", function () {
      var p = new URLSearchParams("a=1&a=2&b=3&&");
      assertEquals(p.size, 3, "initial");
      p.delete("a");
      assertEquals(p.size, 1, "after delete");
      p.append("c", "");
      assertEquals(p.size, 2, "after append");
    });
    test("URLSearchParams: delete() and has() with a value", function () {
      var p = new URLSearchParams("a=1&a=2&b=3&a=1");
      assertTrue(p.has("a", "2"), "has a=2");
      assertEquals(p.has("a", "4"), false, "has a=4");
      assertTrue(p.has("a"), "has a");
      assertTrue(p.has("a", undefined), "has a, undefined");
      p.delete("a", "1");
      assertEquals(p.toString(), "a=2&b=3", "after delete a=1");
      p.delete("a", undefined);
      assertEquals(p.toString(), "b=3", "after delete a");
    });
    test("URLSearchParams: get(), getAll(), set()", function () {
      var p = new URLSearchParams("a=1&b=2&a=3");
      assertEquals(p.get("a"), "1", "get");
      assertEquals(p.get("zz"), null, "get missing");
      assertEquals(p.getAll("a").join(","), "1,3", "getAll");
      p.set("a", "x");
      assertEquals(p.toString(), "a=x&b=2", "set existing");
      p.set("c", "y");
      assertEquals(p.toString(), "a=x&b=2&c=y", "set new");
    });
    test("URLSearchParams: constructor forms", function () {
      assertEquals(new URLSearchParams("?a=1").toString(), "a=1", "leading ? stripped");
      assertEquals(new URLSearchParams("??a=1").toString(), "%3Fa=1", "only one ? stripped");
      assertEquals(new URLSearchParams([["a", "1"], ["b", "2"]]).toString(), "a=1&b=2", "sequence");
      assertEquals(new URLSearchParams({ a: "1", b: 2 }).toString(), "a=1&b=2", "record");
      var src = new URLSearchParams("x=1&y=2");
      var copy = new URLSearchParams(src);
      src.append("z", "3");
      assertEquals(copy.toString(), "x=1&y=2", "copy is independent");
      assertEquals(new URLSearchParams().toString(), "", "no argument");
      assertEquals(new URLSearchParams(undefined).toString(), "", "undefined");
      assertEquals(new URLSearchParams(null).toString(), "null=", "null");
      assertThrowsTypeError(function () { return new URLSearchParams([["a"]]); }, "pair of one");
      assertThrowsTypeError(function () { return new URLSearchParams([["a", "b", "c"]]); }, "pair of three");
      assertThrowsTypeError(function () { return new URLSearchParams([1]); }, "non-iterable pair");
    });
    test("URLSearchParams: iteration", function () {
      var p = new URLSearchParams("a=1&b=2&a=3");
      var keys = [];
      var values = [];
      var entries = [];
      for (var it = p.keys(), r = it.next(); !r.done; r = it.next()) keys.push(r.value);
      for (var it2 = p.values(), r2 = it2.next(); !r2.done; r2 = it2.next()) values.push(r2.value);
      var it3 = p[Symbol.iterator]();
      for (var r3 = it3.next(); !r3.done; r3 = it3.next()) entries.push(r3.value.join("="));
      assertEquals(keys.join(","), "a,b,a", "keys");
      assertEquals(values.join(","), "1,2,3", "values");
      assertEquals(entries.join(","), "a=1,b=2,a=3", "entries");
      assertEquals(p[Symbol.iterator], p.entries, "@@iterator is entries");
      assertEquals(Object.prototype.toString.call(p.keys()), "[object URLSearchParams Iterator]", "iterator tag");
      var seen = [];
      var q = new URLSearchParams("x=1&y=2");
      q.forEach(function (value, name, obj) {
        seen.push(name + value);
        if (name === "x") obj.append("z", "3"); // live list
      });
      assertEquals(seen.join(","), "x1,y2,z3", "forEach sees appended entries");
    });
    test("URL.searchParams: live link with the URL's query", function () {
      var url = new URL("https://example.com/p?a=1#frag");
      var params = url.searchParams;
      assertEquals(url.searchParams, params, "[SameObject]");
      params.append("b", "x y");
      assertEquals(url.search, "?a=1&b=x+y", "search after append");
      assertEquals(url.href, "https://example.com/p?a=1&b=x+y#frag", "href after append");
      url.search = "?c=3";
      assertEquals(params.get("a"), null, "old entries gone");
      assertEquals(params.get("c"), "3", "search setter updates list");
      url.href = "https://example.com/?d=4";
      assertEquals(params.get("d"), "4", "href setter updates list");
      params.delete("d");
      assertEquals(url.search, "", "search after emptying");
      assertEquals(url.href, "https://example.com/", "query becomes null when the list is empty");
      url.search = "";
      assertEquals(params.size, 0, "search = '' empties the list");
      var url2 = new URL("https://example.com/?a=b%20~");
      url2.searchParams.sort();
      assertEquals(url2.href, "https://example.com/?a=b+%7E", "sort reserializes");
      var url3 = new URL("https://example.com/?");
      assertEquals(url3.searchParams.size, 0, "empty query");
      assertEquals(url3.href, "https://example.com/?", "empty query kept until modified");
    });
    test("URL: API shape", function () {
      var url = new URL("https://user:pw@example.com:8080/a/b?c=d#e");
      assertEquals(String(url), url.href, "stringifier");
      assertEquals(url.toJSON(), url.href, "toJSON");
      assertEquals(JSON.stringify({ u: url }), "{\"u\":\"https://user:pw@example.com:8080/a/b?c=d#e\"}", "JSON.stringify");
      assertEquals(Object.prototype.toString.call(url), "[object URL]", "toStringTag");
      var desc = Object.getOwnPropertyDescriptor(URL.prototype, "href");
      assertEquals(typeof desc.get, "function", "href is an accessor");
      assertEquals(typeof desc.set, "function", "href has a setter");
      assertEquals(Object.getOwnPropertyNames(url).length, 0, "no own properties");
      assertThrowsTypeError(function () { return desc.get.call({}); }, "brand check");
      assertThrowsTypeError(function () { return new URL(); }, "missing argument");
      assertThrowsTypeError(function () { return URL(); }, "called without new");
      var message = "";
      try { new URL("not a url"); } catch (e) { message = e.message; }
      assertTrue(message.indexOf("not a url") !== -1, "error message names the input");
      assertEquals(new URL("b", new URL("https://example.com/a/")).href, "https://example.com/a/b", "URL object as base");
      assertEquals(URL.canParse("b", "https://example.com/"), true, "canParse with base");
      assertEquals(URL.canParse("b"), false, "canParse without base");
      assertEquals(URL.parse("nope"), null, "URL.parse failure");
    });
  }

  if (urltestdata) runURLTestData(urltestdata);
  if (setters) runSetters(setters);
  if (toascii) runToASCII(toascii);
  runPercentEncoding(percentEncoding || INLINE_PERCENT_ENCODING);
  runSearchParamsChecks();

  return { passed: passed, failed: failed, failures: failures };
}
