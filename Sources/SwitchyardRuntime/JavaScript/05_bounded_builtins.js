// Bounded built-ins: some of V8's built-ins run in one native call that never checks for
// interrupts, so the CPU limit's termination waits until they return (4 s for
// encodeURIComponent over 16 MB, 2 s for replaceAll over 8 MB, measured by
// `switchyard-isolate-bench builtins`). For large inputs these wrappers do the same work in
// slices, or in a JavaScript loop, so termination lands between two short native calls. Small
// inputs go straight to the original built-in: same results, same errors, next to no cost.
//
// Each wrapper keeps the built-in's name, length and property attributes, and like a built-in
// method it is not a constructor. What stays unbounded is listed in the README (Limits).

const { ReflectApply, ObjectDefineProperty } = internals.primordials;
const uncurryThis = (fn) => Function.prototype.call.bind(fn);
const StringPrototypeSlice = uncurryThis(String.prototype.slice);
const StringPrototypeIndexOf = uncurryThis(String.prototype.indexOf);
const StringPrototypeLastIndexOf = uncurryThis(String.prototype.lastIndexOf);
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const StringPrototypeIncludes = uncurryThis(String.prototype.includes);
const NumberParseInt = Number.parseInt;

/// Code units handed to one native call: about a millisecond of work for the slowest of them.
const sliceLength = 1 << 17;

/// Replaces `target[name]` by a method that calls `bounded(original, thisValue, args)`.
function replaceBuiltin(target, name, bounded) {
  const descriptor = Reflect.getOwnPropertyDescriptor(target, name);
  const original = descriptor.value;
  // A method definition: callable, not constructible, like the built-in.
  const wrapper = { [name](...args) { return bounded(original, this, args); } }[name];
  ObjectDefineProperty(wrapper, "length", { value: original.length, configurable: true });
  ObjectDefineProperty(target, name, { ...descriptor, value: wrapper });
}

/// ToString as the URI functions do it (a symbol throws a TypeError).
const toStringValue = (value) => (typeof value === "string" ? value : `${value}`);

/// Applies `original` to consecutive slices of `text` and joins the results; `boundary(text,
/// start, end)` moves a slice's end off anything that must not be split.
function inSlices(original, text, boundary) {
  let out = "";
  for (let start = 0; start < text.length;) {
    let end = start + sliceLength;
    if (end < text.length) end = boundary(text, start, end);
    out += original(StringPrototypeSlice(text, start, end));
    start = end;
  }
  return out;
}

/// Keeps a surrogate pair together.
function surrogateBoundary(text, start, end) {
  const unit = StringPrototypeCharCodeAt(text, end - 1);
  return unit >= 0xd800 && unit <= 0xdbff ? end + 1 : end;
}

/// Keeps "%XX" and "%uXXXX" escapes whole and, for UTF-8 (`utf8`), the escapes of one code
/// point together: a slice never ends before an escape of a continuation byte (0x80-0xBF).
function escapeBoundary(utf8) {
  return (text, start, end) => {
    const percent = StringPrototypeLastIndexOf(text, "%", end - 1);
    if (percent > end - 6 && percent > start) end = percent;
    if (!utf8) return end;
    while (end - 3 > start && StringPrototypeCharCodeAt(text, end) === 0x25) {
      const byte = NumberParseInt(StringPrototypeSlice(text, end + 1, end + 3), 16);
      if (!(byte >= 0x80 && byte <= 0xbf)) break;
      end -= 3;
    }
    return end;
  };
}

const uriFunctions = [
  ["encodeURI", surrogateBoundary], ["encodeURIComponent", surrogateBoundary], ["escape", surrogateBoundary],
  ["decodeURI", escapeBoundary(true)], ["decodeURIComponent", escapeBoundary(true)],
  ["unescape", escapeBoundary(false)],
];
for (const [name, boundary] of uriFunctions) {
  replaceBuiltin(globalThis, name, (original, thisValue, args) => {
    const text = toStringValue(args[0]);
    return text.length <= sliceLength ? original(text) : inSlices(original, text, boundary);
  });
}

/// String.prototype.replace / replaceAll with a string pattern and a replacement without `$`
/// patterns, over a long string: the matches are found by indexOf in a loop.
function replaceStrings(text, search, replacement, all) {
  let out = "";
  let from = 0;
  let index = StringPrototypeIndexOf(text, search, 0);
  while (index !== -1) {
    out += StringPrototypeSlice(text, from, index) + replacement;
    from = index + search.length;
    if (!all) break;
    index = StringPrototypeIndexOf(text, search, from);
  }
  return out + StringPrototypeSlice(text, from);
}

for (const [name, all] of [["replace", false], ["replaceAll", true]]) {
  replaceBuiltin(String.prototype, name, (original, text, args) => {
    const search = args[0];
    const replacement = args[1];
    if (typeof text === "string" && text.length > sliceLength && typeof search === "string" && search.length > 0 &&
      typeof replacement === "string" && !StringPrototypeIncludes(replacement, "$")) {
      return replaceStrings(text, search, replacement, all);
    }
    return ReflectApply(original, text, args);
  });
}

/// String.prototype.indexOf / includes over a long string: the search runs window by window
/// (windows overlap by the pattern's length, so no match is missed).
function indexOfInWindows(text, search, position) {
  const overlap = search.length - 1;
  for (let start = position; start < text.length; start += sliceLength) {
    const window = StringPrototypeSlice(text, start, start + sliceLength + overlap);
    const index = StringPrototypeIndexOf(window, search);
    if (index !== -1) return start + index;
  }
  return search.length === 0 ? text.length : -1;
}

for (const [name, found] of [["indexOf", (index) => index], ["includes", (index) => index !== -1]]) {
  replaceBuiltin(String.prototype, name, (original, text, args) => {
    const search = args[0];
    if (typeof text === "string" && text.length > sliceLength && typeof search === "string" && search.length > 0 &&
      args[1] === undefined) {
      return found(indexOfInWindows(text, search, 0));
    }
    return ReflectApply(original, text, args);
  });
}
