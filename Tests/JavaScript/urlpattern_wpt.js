// urlpattern_wpt.js — conformance harness for the runtime's URLPattern.
//
// Defines runURLPatternConformance(data, knownFailures), which takes the parsed WPT file
// urlpatterntestdata.json and returns { passed, failed, failures, unexpected, total }: `failures`
// lists every failing case as "<case name>: <why>", `unexpected` those whose name is not in
// `knownFailures` (an array of case names), so a test can expect exactly the known ones.
// The checks follow WPT's urlpattern/resources/urlpattern-test.js (the constructor, the
// component getters, test(), exec() with its inputs and groups). It uses only ECMAScript
// built-ins and the URLPattern / URL globals, so it runs inside the isolate and under node:vm.
//
// Also defines runURLPatternHostileChecks(), which replaces the built-ins URLPattern could rely
// on (RegExp.prototype.exec, Symbol.iterator of arrays and strings, array and string methods,
// setters on Object.prototype and Array.prototype) and checks that results stay the same.

function urlPatternCaseName(entry) {
  "use strict";
  return "Pattern: " + JSON.stringify(entry.pattern) + " Inputs: " + JSON.stringify(entry.inputs);
}

function runURLPatternConformance(data, knownFailures) {
  "use strict";
  var COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
  var EARLIER_COMPONENTS = {
    protocol: [],
    hostname: ["protocol"],
    port: ["protocol", "hostname"],
    username: [],
    password: [],
    pathname: ["protocol", "hostname", "port"],
    search: ["protocol", "hostname", "port", "pathname"],
    hash: ["protocol", "hostname", "port", "pathname", "search"],
  };
  var passed = 0;
  var failures = [];
  var unexpected = [];
  var known = knownFailures || [];

  function Failure(message) { this.message = message; }
  function show(value) { return value === undefined ? "undefined" : JSON.stringify(value); }
  function assertEquals(actual, expected, what) {
    if (actual !== expected) throw new Failure(what + ": expected " + show(expected) + " but got " + show(actual));
  }
  function assertThrowsTypeError(fn, what) {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof TypeError)) throw new Failure(what + ": expected a TypeError but got " + e);
      return;
    }
    throw new Failure(what + ": expected a TypeError but nothing was thrown");
  }
  function assertComponentResult(actual, expected, what) {
    if (actual === null || typeof actual !== "object") throw new Failure(what + ": not an object: " + show(actual));
    assertEquals(actual.input, expected.input, what + ".input");
    var actualKeys = Object.keys(actual.groups).sort();
    var expectedKeys = Object.keys(expected.groups).sort();
    assertEquals(JSON.stringify(actualKeys), JSON.stringify(expectedKeys), what + " group names");
    for (var i = 0; i < expectedKeys.length; i++) {
      var key = expectedKeys[i];
      assertEquals(actual.groups[key], expected.groups[key], what + ".groups[" + key + "]");
    }
  }

  function runCase(entry) {
    if (entry.expected_obj === "error") {
      assertThrowsTypeError(function () { new (Function.prototype.bind.apply(URLPattern, [null].concat(entry.pattern)))(); },
        "constructor");
      return;
    }
    var pattern = new (Function.prototype.bind.apply(URLPattern, [null].concat(entry.pattern)))();
    var expectedObj = entry.expected_obj || {};
    for (var c = 0; c < COMPONENTS.length; c++) {
      var component = COMPONENTS[c];
      var expected = expectedObj[component];
      if (expected == undefined) {
        var baseURL = null;
        if (entry.pattern.length > 0 && entry.pattern[0].baseURL) baseURL = new URL(entry.pattern[0].baseURL);
        else if (entry.pattern.length > 1 && typeof entry.pattern[1] === "string") baseURL = new URL(entry.pattern[1]);
        var first = entry.pattern[0];
        if (entry.exactly_empty_components && entry.exactly_empty_components.indexOf(component) !== -1) {
          expected = "";
        } else if (typeof first === "object" && first[component]) {
          expected = first[component];
        } else if (typeof first === "object" && EARLIER_COMPONENTS[component].some(function (e) { return first[e] !== undefined; })) {
          expected = "*";
        } else if (baseURL && component !== "username" && component !== "password") {
          var baseValue = baseURL[component];
          if (component === "protocol") baseValue = baseValue.substring(0, baseValue.length - 1);
          else if (component === "search" || component === "hash") baseValue = baseValue.substring(1, baseValue.length);
          expected = baseValue;
        } else {
          expected = "*";
        }
      }
      assertEquals(pattern[component], expected, "compiled pattern property '" + component + "'");
    }
    if (entry.expected_match === "error") {
      assertThrowsTypeError(function () { pattern.test.apply(pattern, entry.inputs); }, "test() result");
      assertThrowsTypeError(function () { pattern.exec.apply(pattern, entry.inputs); }, "exec() result");
      return;
    }
    assertEquals(pattern.test.apply(pattern, entry.inputs), !!entry.expected_match, "test() result");
    var result = pattern.exec.apply(pattern, entry.inputs);
    if (!entry.expected_match || typeof entry.expected_match !== "object") {
      assertEquals(result, entry.expected_match, "exec() failed match result");
      return;
    }
    var expectedMatch = entry.expected_match;
    var expectedInputs = expectedMatch.inputs || entry.inputs;
    assertEquals(result.inputs.length, expectedInputs.length, "exec() result.inputs.length");
    for (var i = 0; i < result.inputs.length; i++) {
      var input = result.inputs[i];
      var expectedInput = expectedInputs[i];
      if (typeof input === "string") {
        assertEquals(input, expectedInput, "exec() result.inputs[" + i + "]");
        continue;
      }
      for (var k = 0; k < COMPONENTS.length; k++) {
        assertEquals(input[COMPONENTS[k]], expectedInput[COMPONENTS[k]], "exec() result.inputs[" + i + "][" + COMPONENTS[k] + "]");
      }
    }
    for (var j = 0; j < COMPONENTS.length; j++) {
      var name = COMPONENTS[j];
      var expectedComponent = expectedMatch[name];
      if (!expectedComponent) {
        expectedComponent = { input: "", groups: {} };
        if (!entry.exactly_empty_components || entry.exactly_empty_components.indexOf(name) === -1) {
          expectedComponent.groups["0"] = "";
        }
      }
      var groups = {};
      for (var key in expectedComponent.groups) {
        groups[key] = expectedComponent.groups[key] === null ? undefined : expectedComponent.groups[key];
      }
      assertComponentResult(result[name], { input: expectedComponent.input, groups: groups }, "exec() result for " + name);
    }
  }

  for (var n = 0; n < data.length; n++) {
    var entry = data[n];
    var label = urlPatternCaseName(entry);
    try {
      runCase(entry);
      passed++;
    } catch (e) {
      var why = e instanceof Failure ? e.message : "threw " + e;
      failures.push(label + ": " + why);
      if (known.indexOf(label) === -1) unexpected.push(label + ": " + why);
    }
  }
  return { total: data.length, passed: passed, failed: failures.length, failures: failures, unexpected: unexpected };
}

function runURLPatternHostileChecks() {
  "use strict";
  // What the checks themselves use, captured before anything is replaced.
  var stringify = JSON.stringify;
  var defineProperty = Object.defineProperty;
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  // The answers before any built-in is touched.
  // Dictionaries without a prototype: a getter on Object.prototype for a member name is read by
  // Web IDL's dictionary conversion of an ordinary object, as it should be.
  var pattern = new URLPattern({ __proto__: null, pathname: "/users/:id/:rest*" });
  var viaString = new URLPattern("https://:sub.example.com/files/(\\d+)\\?q=:q#*");
  var url = "https://api.example.com/users/42/a/b";
  function snapshot() {
    var r = pattern.exec(url);
    var s = viaString.exec("https://x.example.com/files/7?q=z#frag");
    var fresh = new URLPattern({ __proto__: null, pathname: "/p/:name", search: "*" })
      .exec({ __proto__: null, pathname: "/p/caf%C3%A9", search: "a=1" });
    return stringify([r.inputs, r.pathname, r.hostname, pattern.test(url), pattern.pathname,
      s.protocol, s.hostname.groups, s.pathname.groups, s.search.groups, s.hash.groups, viaString.hostname,
      fresh.pathname, fresh.search, fresh.inputs, new URLPattern("/a/:b", "https://h.test").pathname,
      pattern.exec("https://api.example.com/teams/1")]);
  }
  var before = snapshot();
  var checks = [];
  var failures = [];
  function hostile(what, install) {
    var restore = install();
    var after;
    try {
      after = snapshot();
    } catch (e) {
      after = "threw " + e;
    }
    restore();
    checks.push(what);
    if (after !== before) failures.push(what + ": " + after);
  }
  function replace(object, key, value) {
    var descriptor = getOwnPropertyDescriptor(object, key);
    defineProperty(object, key, { value: value, writable: true, configurable: true });
    return function () {
      if (descriptor) defineProperty(object, key, descriptor);
      else delete object[key];
    };
  }
  function trap(object, key) {
    var descriptor = getOwnPropertyDescriptor(object, key);
    defineProperty(object, key, {
      get: function () { throw new Error("getter " + String(key)); },
      set: function () { throw new Error("setter " + String(key)); },
      configurable: true,
    });
    return function () {
      if (descriptor) defineProperty(object, key, descriptor);
      else delete object[key];
    };
  }
  var bad = function () { return null; };
  hostile("RegExp.prototype.exec", function () { return replace(RegExp.prototype, "exec", function () { return ["x", "evil"]; }); });
  hostile("RegExp.prototype.test", function () { return replace(RegExp.prototype, "test", function () { return false; }); });
  hostile("RegExp.prototype[Symbol.match]", function () { return replace(RegExp.prototype, Symbol.match, bad); });
  hostile("RegExp.prototype[Symbol.replace]", function () { return replace(RegExp.prototype, Symbol.replace, bad); });
  hostile("Array.prototype[Symbol.iterator]", function () {
    return replace(Array.prototype, Symbol.iterator, function () { throw new Error("iterator"); });
  });
  hostile("String.prototype[Symbol.iterator]", function () {
    return replace(String.prototype, Symbol.iterator, function () { throw new Error("iterator"); });
  });
  var arrayMethods = ["push", "pop", "slice", "join", "map", "indexOf", "includes", "concat", "splice", "some", "forEach"];
  for (var i = 0; i < arrayMethods.length; i++) {
    (function (name) { hostile("Array.prototype." + name, function () { return replace(Array.prototype, name, bad); }); })(arrayMethods[i]);
  }
  var stringMethods = ["slice", "substring", "charCodeAt", "codePointAt", "charAt", "indexOf", "lastIndexOf", "includes",
    "toLowerCase", "toUpperCase", "split", "replace", "startsWith", "endsWith", "normalize", "at"];
  for (var j = 0; j < stringMethods.length; j++) {
    (function (name) { hostile("String.prototype." + name, function () { return replace(String.prototype, name, bad); }); })(stringMethods[j]);
  }
  hostile("Number.prototype.toString", function () { return replace(Number.prototype, "toString", function () { return "evil"; }); });
  hostile("JSON.stringify", function () { return replace(JSON, "stringify", bad); });
  hostile("Object.defineProperty", function () { return replace(Object, "defineProperty", bad); });
  hostile("globalThis.RegExp", function () { return replace(globalThis, "RegExp", function () { throw new Error("RegExp"); }); });
  var keys = ["0", "1", "2", "3", "length", "input", "groups", "protocol", "pathname", "hostname", "search", "hash", "port",
    "username", "password", "baseURL", "type", "value", "name", "index", "prefix", "suffix", "modifier", "__proto__"];
  for (var k = 0; k < keys.length; k++) {
    (function (key) {
      if (key !== "__proto__") hostile("Object.prototype[" + key + "] accessor", function () { return trap(Object.prototype, key); });
      if (key !== "length" && key !== "__proto__") {
        hostile("Array.prototype[" + key + "] accessor", function () { return trap(Array.prototype, key); });
      }
      if (/^[0-9]+$/.test(key)) hostile("String.prototype[" + key + "] accessor", function () { return trap(String.prototype, key); });
    })(keys[k]);
  }
  return { checks: checks.length, failures: failures };
}
