// conformance_harness.js — what builtins_tests.js, formdata_tests.js and global_scope_tests.js share: cases grouped
// by area, assertions, and the run that reports { passed, failed, failures, areas }. Evaluated
// before them (WebAPIConformanceTests.run's `helpers`, the node drivers).

function conformanceHarness() {
  "use strict";
  const cases = [];
  const fail = (message) => {
    throw new Error(message);
  };
  const show = (value) => {
    try {
      return typeof value === "string" ? JSON.stringify(value) : String(value);
    } catch {
      return typeof value;
    }
  };
  const same = (actual, expected, what = "value") => {
    if (!Object.is(actual, expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  };
  const sameJSON = (actual, expected, what = "value") => {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
  };
  const errorName = (error) => `${error && error.constructor && error.constructor.name}: ${error && error.message}`;
  // Returns the error `fn` threw, after checking its class.
  const throws = (ErrorType, fn, what = "call") => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof ErrorType)) fail(`${what}: expected ${ErrorType.name}, got ${errorName(error)}`);
      return error;
    }
    fail(`${what}: expected ${ErrorType.name}, nothing was thrown`);
  };
  const rejects = async (ErrorType, promise, what = "promise") => {
    if (!(promise instanceof Promise)) fail(`${what}: not a promise`);
    try {
      await promise;
    } catch (error) {
      if (!(error instanceof ErrorType)) fail(`${what}: expected rejection with ${ErrorType.name}, got ${errorName(error)}`);
      return error;
    }
    fail(`${what}: expected a rejection`);
  };
  // What a worker's replaced built-in does here: throw, saying where it was called from.
  const boom = () => {
    throw new Error("tenant method called " + new Error().stack);
  };
  // Replaces each [object, key] of `targets` by `boom` (no array method or iterator is used
  // while they are replaced); returns the function that puts them back.
  const pollute = (targets) => {
    const saved = [];
    for (let i = 0; i < targets.length; i++) {
      const object = targets[i][0];
      const key = targets[i][1];
      saved[saved.length] = [object, key, Object.getOwnPropertyDescriptor(object, key)];
      Object.defineProperty(object, key, { value: boom, writable: true, configurable: true });
    }
    return () => {
      for (let i = saved.length - 1; i >= 0; i--) {
        const descriptor = saved[i][2];
        if (descriptor) Object.defineProperty(saved[i][0], saved[i][1], descriptor);
        else delete saved[i][0][saved[i][1]];
      }
    };
  };
  const test = (area, name, fn) => cases.push({ area, name, fn });
  const run = async () => {
    const report = { passed: 0, failed: 0, failures: [], areas: {} };
    for (const { area, name, fn } of cases) {
      // Own properties only: an area named like an Object.prototype member ("constructor") counts too.
      if (!Object.prototype.hasOwnProperty.call(report.areas, area)) report.areas[area] = 0;
      try {
        await fn();
        report.passed++;
        report.areas[area]++;
      } catch (error) {
        report.failed++;
        report.failures.push(`${area}: ${name}: ${error && error.message}`);
      }
    }
    return report;
  };
  return { test, fail, show, same, sameJSON, throws, rejects, boom, pollute, run };
}
