// Bounded built-ins: some of V8's built-ins run in one native call that never checks for
// interrupts, so the CPU limit's termination waits until they return (4 s for
// encodeURIComponent over 16 MB, 2 s for a global RegExp replace or replaceAll over 8 MB,
// measured by `switchyard-isolate-bench builtins`). For large inputs these wrappers do the same
// work in slices, or in a JavaScript loop of short native calls, so termination lands between
// them: the URI functions, String.prototype.replace / replaceAll (string patterns, and global
// RegExps with a string replacement), indexOf / includes, split with a RegExp, and join,
// toLocaleString and fill of long arrays; a long array's sort calls its comparator through a
// JavaScript function (whose entry checks for interrupts). Small inputs go straight to the original built-in: same results, same
// errors, next to no cost. Each replacement follows the spec steps it names and was compared
// with V8's own results on large inputs (Tests/JavaScript/bounded_builtins_check.js).
//
// Each wrapper keeps the built-in's name, length and property attributes, and like a built-in
// method it is not a constructor. What stays unbounded is listed in the README.

const { uncurryThis, ReflectApply, ObjectDefineProperty } = internals.primordials;
const StringPrototypeSlice = uncurryThis(String.prototype.slice);
const StringPrototypeIndexOf = uncurryThis(String.prototype.indexOf);
const StringPrototypeLastIndexOf = uncurryThis(String.prototype.lastIndexOf);
const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
const StringPrototypeIncludes = uncurryThis(String.prototype.includes);
const StringPrototypeReplace = uncurryThis(String.prototype.replace);
const NumberParseInt = Number.parseInt;
const ArrayIsArray = Array.isArray;
const MathMin = Math.min;
const MathMax = Math.max;
const MathTrunc = Math.trunc;

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

const RegExpPrototype = RegExp.prototype;
const RegExpPrototypeExec = uncurryThis(RegExpPrototype.exec);
const RegExpPrototypeReplace = RegExpPrototype[Symbol.replace];
const RegExpPrototypeSource = uncurryThis(Reflect.getOwnPropertyDescriptor(RegExpPrototype, "source").get);
const StringPrototypeCodePointAt = uncurryThis(String.prototype.codePointAt);

/// True for a RegExp object whose replace and exec are the built-ins: `source`'s getter throws
/// for anything else (RegExp.prototype itself aside).
function isPlainRegExp(value) {
  if (typeof value !== "object" || value === null || value === RegExpPrototype) return false;
  try {
    RegExpPrototypeSource(value);
  } catch {
    return false;
  }
  return value[Symbol.replace] === RegExpPrototypeReplace && value.exec === RegExpPrototype.exec;
}

/// GetSubstitution (ECMA-262, 22.1.3.19.1): `replacement` with its `$` patterns filled in.
function substitution(matched, text, position, result, replacement) {
  const captures = result.length - 1;
  const groups = result.groups;
  let out = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i];
    if (c !== "$" || i + 1 === replacement.length) {
      out += c;
      continue;
    }
    const next = replacement[i + 1];
    if (next === "$") { out += "$"; i++; continue; }
    if (next === "&") { out += matched; i++; continue; }
    if (next === "`") { out += StringPrototypeSlice(text, 0, position); i++; continue; }
    if (next === "'") { out += StringPrototypeSlice(text, position + matched.length); i++; continue; }
    if (next >= "0" && next <= "9") {
      const two = i + 2 < replacement.length && replacement[i + 2] >= "0" && replacement[i + 2] <= "9"
        ? NumberParseInt(next + replacement[i + 2], 10) : -1;
      const one = NumberParseInt(next, 10);
      const index = two >= 1 && two <= captures ? two : one >= 1 && one <= captures ? one : -1;
      if (index === -1) { out += "$"; continue; }
      const capture = result[index];
      if (capture !== undefined) out += capture;
      i += index === two ? 2 : 1;
      continue;
    }
    if (next === "<" && groups !== undefined) {
      const close = StringPrototypeIndexOf(replacement, ">", i + 2);
      if (close !== -1) {
        const capture = groups[StringPrototypeSlice(replacement, i + 2, close)];
        if (capture !== undefined) out += `${capture}`;
        i = close;
        continue;
      }
    }
    out += "$";
  }
  return out;
}

/// RegExp.prototype[Symbol.replace] for a global RegExp and a string replacement, over a long
/// string: the same steps (ECMA-262, 22.2.5.11) with each match found by one exec call.
function replaceRegExp(text, regexp, replacement) {
  const unicode = !!regexp.unicode;
  const simple = !StringPrototypeIncludes(replacement, "$");
  regexp.lastIndex = 0;
  let out = "";
  let from = 0;
  for (;;) {
    const result = RegExpPrototypeExec(regexp, text);
    if (result === null) break;
    const matched = `${result[0]}`;
    const position = result.index;
    if (matched === "") {
      const index = regexp.lastIndex;
      const wide = unicode && index < text.length && StringPrototypeCodePointAt(text, index) > 0xffff;
      regexp.lastIndex = index + (wide ? 2 : 1);
    }
    if (position < from) continue;
    out += StringPrototypeSlice(text, from, position) +
      (simple ? replacement : substitution(matched, text, position, result, replacement));
    from = position + matched.length;
  }
  return out + StringPrototypeSlice(text, from);
}

for (const [name, all] of [["replace", false], ["replaceAll", true]]) {
  replaceBuiltin(String.prototype, name, (original, text, args) => {
    const search = args[0];
    const replacement = args[1];
    if (typeof text === "string" && text.length > sliceLength && typeof replacement === "string") {
      if (typeof search === "string" && search.length > 0 && !StringPrototypeIncludes(replacement, "$")) {
        return replaceStrings(text, search, replacement, all);
      }
      if (isPlainRegExp(search) && search.global) return replaceRegExp(text, search, replacement);
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
  return -1;
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

/// RegExp.prototype[Symbol.split] for a plain RegExp over a long string: the steps of ECMA-262,
/// 22.2.5.14, with the next match found by one exec call of a global copy of the RegExp rather
/// than by a sticky try at every position.
const RegExpCtor = RegExp;
/// Appends as an own property: `push` would run setters a worker put on Array.prototype.
const appendOwn = (array, value) => ObjectDefineProperty(array, array.length, {
  value, writable: true, enumerable: true, configurable: true,
});
function splitRegExp(text, regexp, limit) {
  const lim = limit === undefined ? 2 ** 32 - 1 : limit >>> 0;
  const parts = [];
  if (lim === 0) return parts;
  let flags = `${regexp.flags}`;
  const unicode = StringPrototypeIncludes(flags, "u");
  if (!StringPrototypeIncludes(flags, "g")) flags += "g";
  const splitter = new RegExpCtor(regexp.source, StringPrototypeReplace(flags, "y", ""));
  const size = text.length;
  const advance = (index) =>
    index + (unicode && index < size && StringPrototypeCodePointAt(text, index) > 0xffff ? 2 : 1);
  let p = 0;
  let q = 0;
  while (q < size) {
    splitter.lastIndex = q;
    const match = RegExpPrototypeExec(splitter, text);
    if (match === null || match.index >= size) break;
    const e = splitter.lastIndex < size ? splitter.lastIndex : size;
    if (e === p) {
      q = advance(match.index > q ? match.index : q);
      continue;
    }
    appendOwn(parts, StringPrototypeSlice(text, p, match.index));
    if (parts.length === lim) return parts;
    p = e;
    for (let i = 1; i < match.length; i++) {
      appendOwn(parts, match[i]);
      if (parts.length === lim) return parts;
    }
    q = p;
  }
  appendOwn(parts, StringPrototypeSlice(text, p, size));
  return parts;
}

replaceBuiltin(String.prototype, "split", (original, text, args) => {
  const separator = args[0];
  if (typeof text === "string" && text.length > sliceLength && isPlainRegExp(separator) &&
    separator[Symbol.split] === RegExpPrototype[Symbol.split]) {
    return splitRegExp(text, separator, args[1]);
  }
  return ReflectApply(original, text, args);
});

/// Array.prototype.join / toLocaleString over a long array: the built-in applied to slices of
/// it, joined. An array already being joined by this wrapper gives "", as V8's own cycle check
/// answers for an array it is joining (a nested array reaching the outer one again).
const ArrayPrototypeSlice = uncurryThis(Array.prototype.slice);
const joining = new Set();
const SetPrototypeHas = uncurryThis(Set.prototype.has);
const SetPrototypeAdd = uncurryThis(Set.prototype.add);
const SetPrototypeDelete = uncurryThis(Set.prototype.delete);
const arraySlice = sliceLength / 8;
for (const [name, separatorOf] of [
  ["join", (args) => (args[0] === undefined ? "," : `${args[0]}`)], ["toLocaleString", () => ","],
]) {
  replaceBuiltin(Array.prototype, name, (original, array, args) => {
    if (!ArrayIsArray(array) || array.length <= arraySlice) return ReflectApply(original, array, args);
    if (SetPrototypeHas(joining, array)) return "";
    const separator = separatorOf(args);
    SetPrototypeAdd(joining, array);
    try {
      let out = "";
      for (let start = 0; start < array.length; start += arraySlice) {
        if (start > 0) out += separator;
        out += ReflectApply(original, ArrayPrototypeSlice(array, start, start + arraySlice), args);
      }
      return out;
    } finally {
      SetPrototypeDelete(joining, array);
    }
  });
}

/// Array.prototype.fill over a long range of an array: the built-in on consecutive ranges.
const relativeIndex = (value, length, fallback) => {
  if (value === undefined) return fallback;
  const integer = MathTrunc(+value) || 0;
  return integer < 0 ? MathMax(length + integer, 0) : MathMin(integer, length);
};
replaceBuiltin(Array.prototype, "fill", (original, array, args) => {
  if (!ArrayIsArray(array) || array.length <= sliceLength || typeof args[1] === "object" || typeof args[2] === "object") {
    return ReflectApply(original, array, args);
  }
  const length = array.length;
  const start = relativeIndex(args[1], length, 0);
  const end = relativeIndex(args[2], length, length);
  for (let from = start; from < end; from += sliceLength) {
    ReflectApply(original, array, [args[0], from, MathMin(from + sliceLength, end)]);
  }
  return array;
});

/// Array.prototype.sort of a long array with a comparator: the comparator is called through a
/// JavaScript function, whose entry checks for interrupts. A comparator that is itself a built-in
/// (Intl.Collator's `compare`) would otherwise keep the whole sort native.
replaceBuiltin(Array.prototype, "sort", (original, array, args) => {
  const compare = args[0];
  if (typeof compare !== "function" || !ArrayIsArray(array) || array.length <= sliceLength / 16) {
    return ReflectApply(original, array, args);
  }
  return ReflectApply(original, array, [(a, b) => compare(a, b)]);
});
