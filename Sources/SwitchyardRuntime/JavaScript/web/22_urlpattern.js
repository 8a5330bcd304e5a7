// 22_urlpattern.js — WHATWG URL Pattern Standard (https://urlpattern.spec.whatwg.org/): the
// URLPattern class.
//
// Evaluated by the host as `(function (internals, ops) { "use strict"; <this file> })`.
// Uses internals.urlRecords (web/20_url.js) for the canonicalize steps, so a pattern and the URLs
// it matches go through the same parser; exports the URLPattern global.
//
// Design notes
// - Everything is compiled at construction: each component's RegExp, its group names and its
//   pattern string. `exec` / `test` parse the input once and run at most eight RegExps; a
//   component that is the bare wildcard `*` (most of them in router patterns such as
//   `{ pathname: "/users/:id" }`) is answered without running its RegExp.
// - Tenant code controls every prototype, and it runs before any request: the built-ins used
//   here are captured at load time, internal records and lists have no prototype (so a getter
//   or setter a tenant puts on Object.prototype or Array.prototype is never reached), nothing
//   iterates with Symbol.iterator, and result objects are built with defineProperty.
// - V8 10.2 has no RegExp `v` flag, which the standard uses. Components compile with `u`
//   instead, and a regexp group's character classes are translated from `v` syntax to `u`
//   syntax first (see translateClasses): nested classes, `--` (subtraction) and `&&`
//   (intersection) become lookaheads around a one-code-point class, the escapes `v` allows and
//   `u` does not (`\&`, `\-`, ...) become `\u{..}` escapes, and what `v` rejects in a class
//   (an unescaped `(`, `)`, `{`, `}`, `/`, `|`, a lone `-`, doubled punctuators) is a TypeError.
//   Not translated: `\q{...}` string literals and properties of strings (`\p{RGI_Emoji}`),
//   which `u` rejects, so such a pattern throws a TypeError.
// - Regexp groups run the tenant's own regular expressions: a catastrophic one is bounded by
//   the CPU limit like any other tenant code (V8 checks for termination while it backtracks).

const { ObjectDefineProperty, ObjectSetPrototypeOf, ObjectFreeze, JSONStringify, TypeError, StringPrototypeSlice,
  StringPrototypeCharCodeAt, StringPrototypeLastIndexOf, NumberPrototypeToString, StringFromCharCode, SafeRegExp,
  RegExpPrototypeExec } = internals.primordials;
const toUSVString = internals.toUSVString;
const urlRecords = internals.urlRecords;
const parseURL = urlRecords.parse;
const parseURLWithState = urlRecords.parseWithState;
const urlStates = urlRecords.states;
const serializePath = urlRecords.serializePath;
const isSpecialScheme = urlRecords.isSpecialScheme;
const defaultPortOf = urlRecords.defaultPortOf;
const encodeUserinfo = urlRecords.encodeUserinfo;

const SPECIAL_SCHEMES = ObjectFreeze(["ftp", "file", "http", "https", "ws", "wss"]);
const COMPONENTS = ObjectFreeze(["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"]);

/// A list whose prototype is null: appending (`list[list.length] = v`) never reaches a setter a
/// tenant defined on Array.prototype.
function newList() {
  return ObjectSetPrototypeOf([], null);
}

function append(list, value) {
  list[list.length] = value;
}

function defineData(object, key, value) {
  ObjectDefineProperty(object, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
}

function patternError(message) {
  return new TypeError(`Invalid URLPattern: ${message}`);
}

// ---------------------------------------------------------------------------------------
// Code points

/// The code points of a scalar value string, each as a string.
function toCodePoints(s) {
  const out = newList();
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len) {
      const d = StringPrototypeCharCodeAt(s, i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) {
        append(out, StringPrototypeSlice(s, i, i + 2));
        i++;
        continue;
      }
    }
    append(out, StringPrototypeSlice(s, i, i + 1));
  }
  return out;
}

function joinCodePoints(codePoints, start, end) {
  let out = "";
  for (let i = start; i < end; i++) out += codePoints[i];
  return out;
}

const NAME_START = /^[$_\p{ID_Start}]$/u;
const NAME_PART = /^[$\u200C\u200D\p{ID_Continue}]$/u;

function isValidNameCodePoint(codePoint, first) {
  return RegExpPrototypeExec(first ? NAME_START : NAME_PART, codePoint) !== null;
}

function isASCII(codePoint) {
  return codePoint.length === 1 && StringPrototypeCharCodeAt(codePoint, 0) < 0x80;
}

function isASCIIDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

// ---------------------------------------------------------------------------------------
// Tokenizer (spec §2.1)

const OPEN = 0;
const CLOSE = 1;
const REGEXP = 2;
const NAME = 3;
const CHAR = 4;
const ESCAPED_CHAR = 5;
const OTHER_MODIFIER = 6;
const ASTERISK = 7;
const END = 8;
const INVALID_CHAR = 9;

function tokenize(input, strict) {
  const cps = toCodePoints(input);
  const length = cps.length;
  const tokens = newList();
  let index = 0;
  let nextIndex = 0;
  let codePoint = "";

  const addToken = (type, nextPosition, valuePosition, valueLength) => {
    append(tokens, { type, index, value: joinCodePoints(cps, valuePosition, valuePosition + valueLength) });
    index = nextPosition;
  };
  const addTokenWithDefaultLength = (type, nextPosition, valuePosition) =>
    addToken(type, nextPosition, valuePosition, nextPosition - valuePosition);
  const addDefaultToken = (type) => addTokenWithDefaultLength(type, nextIndex, index);
  const tokenizingError = (nextPosition, valuePosition) => {
    if (strict) throw patternError(`unexpected character at ${valuePosition} in ${JSONStringify(input)}`);
    addTokenWithDefaultLength(INVALID_CHAR, nextPosition, valuePosition);
  };
  const getNextCodePoint = () => {
    codePoint = cps[nextIndex];
    nextIndex++;
  };
  const seek = (position) => {
    nextIndex = position;
    getNextCodePoint();
  };

  // Scans a regexp group from `start` (after its "("): the position after its ")", or -1 when
  // it is not one (non-ASCII, a leading "?", a capturing group inside, unbalanced or empty).
  const scanRegExp = (start) => {
    let depth = 1;
    let position = start;
    while (position < length) {
      seek(position);
      if (!isASCII(codePoint) || (position === start && codePoint === "?")) return -1;
      if (codePoint === "\\") {
        if (position === length - 1) return -1;
        getNextCodePoint();
        if (!isASCII(codePoint)) return -1;
        position = nextIndex;
        continue;
      }
      if (codePoint === ")") {
        depth--;
        if (depth === 0) {
          position = nextIndex;
          break;
        }
      } else if (codePoint === "(") {
        depth++;
        if (position === length - 1) return -1;
        const temporaryPosition = nextIndex;
        getNextCodePoint();
        if (codePoint !== "?") return -1;
        nextIndex = temporaryPosition;
      }
      position = nextIndex;
    }
    if (depth !== 0 || position - start - 1 === 0) return -1;
    return position;
  };

  while (index < length) {
    seek(index);
    switch (codePoint) {
      case "*":
        addDefaultToken(ASTERISK);
        continue;
      case "+":
      case "?":
        addDefaultToken(OTHER_MODIFIER);
        continue;
      case "\\": {
        if (index === length - 1) {
          tokenizingError(nextIndex, index);
          continue;
        }
        const escapedIndex = nextIndex;
        getNextCodePoint();
        addTokenWithDefaultLength(ESCAPED_CHAR, nextIndex, escapedIndex);
        continue;
      }
      case "{":
        addDefaultToken(OPEN);
        continue;
      case "}":
        addDefaultToken(CLOSE);
        continue;
      case ":": {
        let namePosition = nextIndex;
        const nameStart = namePosition;
        while (namePosition < length) {
          seek(namePosition);
          if (!isValidNameCodePoint(codePoint, namePosition === nameStart)) break;
          namePosition = nextIndex;
        }
        if (namePosition <= nameStart) {
          tokenizingError(nameStart, index);
          continue;
        }
        addTokenWithDefaultLength(NAME, namePosition, nameStart);
        continue;
      }
      case "(": {
        const regexpStart = nextIndex;
        const regexpEnd = scanRegExp(regexpStart);
        if (regexpEnd === -1) {
          tokenizingError(regexpStart, index);
          continue;
        }
        addToken(REGEXP, regexpEnd, regexpStart, regexpEnd - regexpStart - 1);
        continue;
      }
      default:
        addDefaultToken(CHAR);
    }
  }
  addTokenWithDefaultLength(END, index, index);
  return tokens;
}

// ---------------------------------------------------------------------------------------
// Pattern parser (spec §2.2)

const FIXED_TEXT = 0;
const PART_REGEXP = 1;
const SEGMENT_WILDCARD = 2;
const FULL_WILDCARD = 3;

const MODIFIER_NONE = "";
const FULL_WILDCARD_REGEXP = ".*";

function modifierOf(token) {
  return token === null ? MODIFIER_NONE : token.value; // "?", "*" or "+"
}

const REGEXP_SPECIALS = ".+*?^${}()[]|/\\";
const PATTERN_SPECIALS = "+*?:{}()\\";

/// s with a backslash before each of its code units in `specials`.
function backslashEscape(s, specials) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    out += includesChar(specials, c) ? "\\" + c : c;
  }
  return out;
}

function escapeRegExpString(s) {
  return backslashEscape(s, REGEXP_SPECIALS);
}

function escapePatternString(s) {
  return backslashEscape(s, PATTERN_SPECIALS);
}

function segmentWildcardRegExp(options) {
  return "[^" + escapeRegExpString(options.delimiter) + "]+?";
}

function parsePatternString(input, options, encode) {
  const tokens = tokenize(input, true);
  const parts = newList();
  const segmentWildcard = segmentWildcardRegExp(options);
  let pendingFixedValue = "";
  let index = 0;
  let nextNumericName = 0;

  const tryConsume = (type) => {
    const token = tokens[index];
    if (token.type !== type) return null;
    index++;
    return token;
  };
  const tryConsumeModifier = () => {
    const token = tryConsume(OTHER_MODIFIER);
    return token !== null ? token : tryConsume(ASTERISK);
  };
  const tryConsumeRegExpOrWildcard = (nameToken) => {
    const token = tryConsume(REGEXP);
    if (nameToken === null && token === null) return tryConsume(ASTERISK);
    return token;
  };
  const consumeRequired = (type) => {
    const token = tryConsume(type);
    if (token === null) {
      throw patternError(`unexpected ${JSONStringify(tokens[index].value)} at ${tokens[index].index} in ${JSONStringify(input)}`);
    }
    return token;
  };
  const consumeText = () => {
    let result = "";
    for (;;) {
      let token = tryConsume(CHAR);
      if (token === null) token = tryConsume(ESCAPED_CHAR);
      if (token === null) return result;
      result += token.value;
    }
  };
  const maybeAddPendingFixedValue = () => {
    if (pendingFixedValue === "") return;
    const value = encode(pendingFixedValue);
    pendingFixedValue = "";
    append(parts, { type: FIXED_TEXT, value, modifier: MODIFIER_NONE, name: "", prefix: "", suffix: "" });
  };
  const isDuplicateName = (name) => {
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].name === name) return true;
    }
    return false;
  };
  const addPart = (prefix, nameToken, regexpOrWildcardToken, suffix, modifierToken) => {
    const modifier = modifierOf(modifierToken);
    if (nameToken === null && regexpOrWildcardToken === null && modifier === MODIFIER_NONE) {
      pendingFixedValue += prefix;
      return;
    }
    maybeAddPendingFixedValue();
    if (nameToken === null && regexpOrWildcardToken === null) {
      if (prefix === "") return;
      append(parts, { type: FIXED_TEXT, value: encode(prefix), modifier, name: "", prefix: "", suffix: "" });
      return;
    }
    let regexpValue;
    if (regexpOrWildcardToken === null) regexpValue = segmentWildcard;
    else if (regexpOrWildcardToken.type === ASTERISK) regexpValue = FULL_WILDCARD_REGEXP;
    else regexpValue = regexpOrWildcardToken.value;
    let type = PART_REGEXP;
    if (regexpValue === segmentWildcard) {
      type = SEGMENT_WILDCARD;
      regexpValue = "";
    } else if (regexpValue === FULL_WILDCARD_REGEXP) {
      type = FULL_WILDCARD;
      regexpValue = "";
    }
    let name = "";
    if (nameToken !== null) {
      name = nameToken.value;
    } else if (regexpOrWildcardToken !== null) {
      name = NumberPrototypeToString(nextNumericName, 10);
      nextNumericName++;
    }
    if (isDuplicateName(name)) throw patternError(`duplicate group name ${JSONStringify(name)} in ${JSONStringify(input)}`);
    append(parts, {
      type, value: regexpValue, modifier, name, prefix: encode(prefix), suffix: encode(suffix),
    });
  };

  while (index < tokens.length) {
    const charToken = tryConsume(CHAR);
    let nameToken = tryConsume(NAME);
    let regexpOrWildcardToken = tryConsumeRegExpOrWildcard(nameToken);
    if (nameToken !== null || regexpOrWildcardToken !== null) {
      let prefix = charToken !== null ? charToken.value : "";
      if (prefix !== "" && prefix !== options.prefix) {
        pendingFixedValue += prefix;
        prefix = "";
      }
      maybeAddPendingFixedValue();
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpOrWildcardToken, "", modifierToken);
      continue;
    }
    let fixedToken = charToken;
    if (fixedToken === null) fixedToken = tryConsume(ESCAPED_CHAR);
    if (fixedToken !== null) {
      pendingFixedValue += fixedToken.value;
      continue;
    }
    const openToken = tryConsume(OPEN);
    if (openToken !== null) {
      const prefix = consumeText();
      nameToken = tryConsume(NAME);
      regexpOrWildcardToken = tryConsumeRegExpOrWildcard(nameToken);
      const suffix = consumeText();
      consumeRequired(CLOSE);
      const modifierToken = tryConsumeModifier();
      addPart(prefix, nameToken, regexpOrWildcardToken, suffix, modifierToken);
      continue;
    }
    maybeAddPendingFixedValue();
    consumeRequired(END);
  }
  return parts;
}

// ---------------------------------------------------------------------------------------
// Regular expressions and pattern strings (spec §2.4, §2.5)

function generateRegExp(parts, options) {
  let result = "^";
  const names = newList();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const modifier = part.modifier;
    if (part.type === FIXED_TEXT) {
      if (modifier === MODIFIER_NONE) result += escapeRegExpString(part.value);
      else result += "(?:" + escapeRegExpString(part.value) + ")" + modifier;
      continue;
    }
    append(names, part.name);
    let value;
    if (part.type === SEGMENT_WILDCARD) value = segmentWildcardRegExp(options);
    else if (part.type === FULL_WILDCARD) value = FULL_WILDCARD_REGEXP;
    else value = translateClasses(part.value);
    const single = modifier === MODIFIER_NONE || modifier === "?";
    if (part.prefix === "" && part.suffix === "") {
      if (single) result += "(" + value + ")" + modifier;
      else result += "((?:" + value + ")" + modifier + ")";
      continue;
    }
    const prefix = escapeRegExpString(part.prefix);
    const suffix = escapeRegExpString(part.suffix);
    if (single) {
      result += "(?:" + prefix + "(" + value + ")" + suffix + ")" + modifier;
      continue;
    }
    result += "(?:" + prefix + "((?:" + value + ")(?:" + suffix + prefix + "(?:" + value + "))*)" + suffix + ")";
    if (modifier === "*") result += "?";
  }
  return { source: result + "$", names };
}

function generatePatternString(parts, options) {
  let result = "";
  const count = parts.length;
  for (let i = 0; i < count; i++) {
    const part = parts[i];
    const previous = i > 0 ? parts[i - 1] : null;
    const next = i < count - 1 ? parts[i + 1] : null;
    if (part.type === FIXED_TEXT) {
      if (part.modifier === MODIFIER_NONE) result += escapePatternString(part.value);
      else result += "{" + escapePatternString(part.value) + "}" + part.modifier;
      continue;
    }
    const customName = !isASCIIDigit(StringPrototypeCharCodeAt(part.name, 0));
    let needsGrouping = part.suffix !== "" || (part.prefix !== "" && part.prefix !== options.prefix);
    if (!needsGrouping && customName && part.type === SEGMENT_WILDCARD && part.modifier === MODIFIER_NONE &&
        next !== null && next.prefix === "" && next.suffix === "") {
      if (next.type === FIXED_TEXT) {
        needsGrouping = next.value !== "" && isValidNameCodePoint(firstCodePoint(next.value), false);
      } else {
        needsGrouping = isASCIIDigit(StringPrototypeCharCodeAt(next.name, 0));
      }
    }
    if (!needsGrouping && part.prefix === "" && previous !== null && previous.type === FIXED_TEXT &&
        previous.value !== "" && lastCodePoint(previous.value) === options.prefix) {
      needsGrouping = true;
    }
    if (needsGrouping) result += "{";
    result += escapePatternString(part.prefix);
    if (customName) result += ":" + part.name;
    if (part.type === PART_REGEXP) {
      result += "(" + part.value + ")";
    } else if (part.type === SEGMENT_WILDCARD && !customName) {
      result += "(" + segmentWildcardRegExp(options) + ")";
    } else if (part.type === FULL_WILDCARD) {
      if (!customName && (previous === null || previous.type === FIXED_TEXT || previous.modifier !== MODIFIER_NONE ||
          needsGrouping || part.prefix !== "")) {
        result += "*";
      } else {
        result += "(" + FULL_WILDCARD_REGEXP + ")";
      }
    }
    if (part.type === SEGMENT_WILDCARD && customName && part.suffix !== "" &&
        isValidNameCodePoint(firstCodePoint(part.suffix), false)) {
      result += "\\";
    }
    result += escapePatternString(part.suffix);
    if (needsGrouping) result += "}";
    result += part.modifier;
  }
  return result;
}

function firstCodePoint(s) {
  const c = StringPrototypeCharCodeAt(s, 0);
  return c >= 0xD800 && c <= 0xDBFF && s.length > 1 ? StringPrototypeSlice(s, 0, 2) : StringPrototypeSlice(s, 0, 1);
}

function lastCodePoint(s) {
  const n = s.length;
  const c = StringPrototypeCharCodeAt(s, n - 1);
  return c >= 0xDC00 && c <= 0xDFFF && n > 1 ? StringPrototypeSlice(s, n - 2, n) : StringPrototypeSlice(s, n - 1, n);
}

// ---------------------------------------------------------------------------------------
// `v`-flag character classes in `u` syntax (V8 10.2 has no `v` flag; see the notes at the top)

// Characters that may not appear unescaped in a `v` class, and the punctuators that may not be
// doubled (ClassSetSyntaxCharacter, ClassSetReservedDoublePunctuator).
const V_CLASS_SYNTAX = "()[]{}/-\\|";
const V_DOUBLE_PUNCTUATORS = "&!#$%*+,.:;<=>?@^`~";
// Escapes `v` allows in a class as identity escapes and `u` does not (ClassSetReservedPunctuator).
const V_RESERVED_PUNCTUATORS = "&-!#%,:;<=>@`~";
// Characters written with a backslash when a class is written back in `u` syntax.
const U_CLASS_ESCAPE = "\\]-[^";

/// s[i], or "" past the end (an index past the end would be looked up on String.prototype).
function charAt(s, i) {
  return i < s.length ? s[i] : "";
}

function includesChar(set, c) {
  for (let i = 0; i < set.length; i++) {
    if (set[i] === c) return true;
  }
  return false;
}

/// Rewrites the character classes of a regexp group from `v` syntax to `u` syntax.
function translateClasses(source) {
  let out = "";
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === "\\") {
      out += StringPrototypeSlice(source, i, i + 2);
      i += 2;
    } else if (c === "[") {
      const parsed = parseClass(source, i);
      out += parsed.text;
      i = parsed.end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/// Reads one escape in a class at source[i] (a backslash); returns its `u` text and end.
function readClassEscape(source, i) {
  const n = source.length;
  if (i + 1 >= n) throw patternError("regular expression ends in a backslash");
  const e = source[i + 1];
  let end = i + 2;
  if ((e === "p" || e === "P" || (e === "u" && charAt(source, i + 2) === "{")) && end < n) {
    const close = indexOfChar(source, "}", end);
    if (close === -1) throw patternError("unterminated escape in a regular expression");
    end = close + 1;
  } else if (e === "u") {
    end = i + 6;
  } else if (e === "x") {
    end = i + 4;
  } else if (e === "c") {
    end = i + 3;
  } else if (includesChar(V_RESERVED_PUNCTUATORS, e)) {
    return { text: "\\u{" + NumberPrototypeToString(StringPrototypeCharCodeAt(e, 0), 16) + "}", end, single: true };
  }
  const text = StringPrototypeSlice(source, i, end);
  const single = !(e === "d" || e === "D" || e === "w" || e === "W" || e === "s" || e === "S" || e === "p" || e === "P");
  return { text, end, single };
}

function indexOfChar(s, c, from) {
  for (let i = from; i < s.length; i++) {
    if (s[i] === c) return i;
  }
  return -1;
}

/// Parses a `v` class starting at source[start] ("["); returns { text, end } where text is a
/// `u` expression that matches one code point exactly when the class does.
function parseClass(source, start) {
  const n = source.length;
  let i = start + 1;
  let negated = false;
  if (charAt(source, i) === "^") {
    negated = true;
    i++;
  }
  // Operands of the current operator; a union collects its simple items in `simple` and its
  // nested classes in `nested`.
  const operands = newList();
  let operator = "";        // "", "--" or "&&"
  let simple = "";
  let simpleCount = 0;
  const nested = newList();
  let pendingSingle = null; // the last single character, for a range
  const flushUnion = () => {
    let text;
    if (nested.length === 0) {
      text = "[" + simple + "]";
    } else {
      text = "(?:";
      let first = true;
      if (simpleCount > 0) {
        text += "[" + simple + "]";
        first = false;
      }
      for (let k = 0; k < nested.length; k++) {
        text += (first ? "" : "|") + nested[k];
        first = false;
      }
      text += ")";
    }
    append(operands, text);
    simple = "";
    simpleCount = 0;
    nested.length = 0;
    pendingSingle = null;
  };
  let hasItems = false;
  for (;;) {
    if (i >= n) throw patternError("unterminated character class in a regular expression");
    const c = source[i];
    if (c === "]") {
      i++;
      break;
    }
    const next = i + 1 < n ? source[i + 1] : "";
    if ((c === "-" && next === "-") || (c === "&" && next === "&")) {
      const op = c + next;
      if (operator !== "" && operator !== op) throw patternError("mixed class set operators in a regular expression");
      if (!hasItems) throw patternError("class set operator without an operand in a regular expression");
      operator = op;
      flushUnion();
      hasItems = false;
      i += 2;
      continue;
    }
    if (c !== "\\" && c !== "[" && includesChar(V_DOUBLE_PUNCTUATORS, c) && next === c) {
      throw patternError(`"${c}${c}" in a character class of a regular expression`);
    }
    if (c === "[") {
      const inner = parseClass(source, i);
      append(nested, inner.text);
      i = inner.end;
      pendingSingle = null;
      hasItems = true;
      continue;
    }
    if (c === "-") {
      // A range between the previous single character and the next one.
      if (pendingSingle === null || charAt(source, i + 1) === "" || source[i + 1] === "]") {
        throw patternError("unescaped \"-\" in a character class of a regular expression");
      }
      let high;
      let end;
      if (source[i + 1] === "\\") {
        const escape = readClassEscape(source, i + 1);
        if (!escape.single) throw patternError("invalid range in a character class of a regular expression");
        high = escape.text;
        end = escape.end;
      } else {
        high = uClassChar(source[i + 1]);
        end = i + 2;
      }
      simple += "-" + high;
      pendingSingle = null;
      i = end;
      continue;
    }
    if (c === "\\") {
      const escape = readClassEscape(source, i);
      simple += escape.text;
      simpleCount++;
      pendingSingle = escape.single ? escape.text : null;
      i = escape.end;
      hasItems = true;
      continue;
    }
    if (includesChar(V_CLASS_SYNTAX, c)) {
      throw patternError(`unescaped "${c}" in a character class of a regular expression`);
    }
    simple += uClassChar(c);
    simpleCount++;
    pendingSingle = c;
    hasItems = true;
    i++;
  }
  if (operator !== "" && !hasItems) throw patternError("class set operator without an operand in a regular expression");
  flushUnion();
  let text;
  if (operator === "") {
    text = operands[0];
  } else if (operator === "--") {
    text = "(?:";
    for (let k = 1; k < operands.length; k++) text += "(?!" + operands[k] + ")";
    text += operands[0] + ")";
  } else {
    text = "(?:";
    for (let k = 1; k < operands.length; k++) text += "(?=" + operands[k] + ")";
    text += operands[0] + ")";
  }
  if (negated) {
    // [^...] of a plain class stays a class; otherwise any code point the class does not match.
    if (operator === "" && nested.length === 0 && StringPrototypeSlice(text, 0, 1) === "[") {
      text = "[^" + StringPrototypeSlice(text, 1);
    } else {
      text = "(?:(?!" + text + ")[^])";
    }
  }
  return { text, end: i };
}

function uClassChar(c) {
  return backslashEscape(c, U_CLASS_ESCAPE);
}

// ---------------------------------------------------------------------------------------
// Canonicalization (spec §3.3), over the runtime's URL parser

function newDummyURL() {
  return parseURL("https://dummy.invalid/", null);
}

function canonicalizeProtocol(value) {
  if (value === "") return value;
  const url = parseURL(value + "://dummy.invalid/", null);
  if (url === null) throw patternError(`invalid protocol ${JSONStringify(value)}`);
  return url.scheme;
}

function canonicalizeUserinfo(value) {
  if (value === "") return value;
  return encodeUserinfo(value);
}

function canonicalizeHostname(value) {
  if (value === "") return value;
  const url = newDummyURL();
  if (parseURLWithState(value, url, urlStates.HOSTNAME) === null) {
    throw patternError(`invalid hostname ${JSONStringify(value)}`);
  }
  return url.host === null ? "" : url.host;
}

function canonicalizeIPv6Hostname(value) {
  let result = "";
  for (let i = 0; i < value.length; i++) {
    const c = StringPrototypeCharCodeAt(value, i);
    const hex = isASCIIDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!hex && c !== 0x5B && c !== 0x5D && c !== 0x3A) throw patternError(`invalid IPv6 hostname ${JSONStringify(value)}`);
    result += (c >= 0x41 && c <= 0x46) ? StringFromCharCode(c + 0x20) : value[i];
  }
  return result;
}

function canonicalizePort(value, protocol) {
  if (value === "") return value;
  const url = newDummyURL();
  // The scheme decides which port is the default one (elided); without a protocol there is none.
  url.scheme = protocol !== undefined ? protocol : "fake";
  if (parseURLWithState(value, url, urlStates.PORT) === null) throw patternError(`invalid port ${JSONStringify(value)}`);
  return url.port === null ? "" : NumberPrototypeToString(url.port, 10);
}

function canonicalizePortWithoutProtocol(value) {
  return canonicalizePort(value, undefined);
}

function canonicalizePathname(value) {
  if (value === "") return value;
  const leadingSlash = StringPrototypeCharCodeAt(value, 0) === 0x2F;
  const url = newDummyURL();
  url.path = urlRecords.newPath();
  if (parseURLWithState(leadingSlash ? value : "/-" + value, url, urlStates.PATH_START) === null) {
    throw patternError(`invalid pathname ${JSONStringify(value)}`);
  }
  const result = serializePath(url);
  return leadingSlash ? result : StringPrototypeSlice(result, 2);
}

function canonicalizeOpaquePathname(value) {
  if (value === "") return value;
  const url = newDummyURL();
  url.path = "";
  if (parseURLWithState(value, url, urlStates.OPAQUE_PATH) === null) {
    throw patternError(`invalid pathname ${JSONStringify(value)}`);
  }
  return serializePath(url);
}

function canonicalizeSearch(value) {
  if (value === "") return value;
  const url = newDummyURL();
  url.query = "";
  if (parseURLWithState(value, url, urlStates.QUERY) === null) throw patternError(`invalid search ${JSONStringify(value)}`);
  return url.query;
}

function canonicalizeHash(value) {
  if (value === "") return value;
  const url = newDummyURL();
  url.fragment = "";
  if (parseURLWithState(value, url, urlStates.FRAGMENT) === null) throw patternError(`invalid hash ${JSONStringify(value)}`);
  return url.fragment;
}

// ---------------------------------------------------------------------------------------
// Components (spec §1.2 "compile a component")

const DEFAULT_OPTIONS = ObjectFreeze({ delimiter: "", prefix: "", ignoreCase: false });
const HOSTNAME_OPTIONS = ObjectFreeze({ delimiter: ".", prefix: "", ignoreCase: false });
const PATHNAME_OPTIONS = ObjectFreeze({ delimiter: "/", prefix: "/", ignoreCase: false });

function withIgnoreCase(options, ignoreCase) {
  return { delimiter: options.delimiter, prefix: options.prefix, ignoreCase };
}

function compileComponent(input, encode, options) {
  const parts = parsePatternString(input, options, encode);
  const generated = generateRegExp(parts, options);
  let regexp;
  try {
    regexp = new SafeRegExp(generated.source, options.ignoreCase ? "ui" : "u");
  } catch (error) {
    throw patternError(`${JSONStringify(input)} is not a valid regular expression`);
  }
  let hasRegExpGroups = false;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].type === PART_REGEXP) hasRegExpGroups = true;
  }
  // The bare wildcard matches every canonical component (none holds a line terminator, which
  // "." would not match; checked at match time anyway).
  const wildcard = parts.length === 1 && parts[0].type === FULL_WILDCARD && parts[0].modifier === MODIFIER_NONE &&
    parts[0].prefix === "" && parts[0].suffix === "";
  // The groups record of a match starts as a copy of this one (own data properties, so
  // assigning a group never reaches a setter on Object.prototype; a spread copies without one).
  const groupsTemplate = {};
  for (let i = 0; i < generated.names.length; i++) defineData(groupsTemplate, generated.names[i], undefined);
  return {
    patternString: generatePatternString(parts, options),
    regexp,
    names: generated.names,
    groupsTemplate,
    hasRegExpGroups,
    wildcard,
  };
}

function componentMatchesSpecialScheme(component) {
  for (let i = 0; i < SPECIAL_SCHEMES.length; i++) {
    if (matchComponent(component, SPECIAL_SCHEMES[i]) !== null) return true;
  }
  return false;
}

function hasLineTerminator(s) {
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x0A || c === 0x0D || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

const WILDCARD_MATCH = ObjectFreeze({ __proto__: null });

/// The RegExp match of `input` (an array-like of captures), WILDCARD_MATCH, or null.
function matchComponent(component, input) {
  if (component.wildcard && !hasLineTerminator(input)) return WILDCARD_MATCH;
  return RegExpPrototypeExec(component.regexp, input);
}

function componentResult(component, input, match) {
  const groups = { ...component.groupsTemplate };
  const names = component.names;
  if (match === WILDCARD_MATCH) {
    groups[names[0]] = input;
  } else {
    for (let i = 0; i < names.length; i++) groups[names[i]] = match[i + 1];
  }
  return { input, groups };
}

// ---------------------------------------------------------------------------------------
// The constructor string parser (spec §2.3)

const STATE_INIT = "init";
const STATE_PROTOCOL = "protocol";
const STATE_AUTHORITY = "authority";
const STATE_USERNAME = "username";
const STATE_PASSWORD = "password";
const STATE_HOSTNAME = "hostname";
const STATE_PORT = "port";
const STATE_PATHNAME = "pathname";
const STATE_SEARCH = "search";
const STATE_HASH = "hash";
const STATE_DONE = "done";

function parseConstructorString(input) {
  const cps = toCodePoints(input);
  const tokens = tokenize(input, false);
  const result = { __proto__: null };
  let componentStart = 0;
  let tokenIndex = 0;
  let tokenIncrement = 1;
  let groupDepth = 0;
  let ipv6BracketDepth = 0;
  let protocolMatchesSpecialScheme = false;
  let state = STATE_INIT;

  const safeToken = (i) => (i < tokens.length ? tokens[i] : tokens[tokens.length - 1]);
  const isNonSpecialPatternChar = (i, value) => {
    const token = safeToken(i);
    if (token.value !== value) return false;
    return token.type === CHAR || token.type === ESCAPED_CHAR || token.type === INVALID_CHAR;
  };
  const isSearchPrefix = () => {
    if (isNonSpecialPatternChar(tokenIndex, "?")) return true;
    if (tokens[tokenIndex].value !== "?") return false;
    const previousIndex = tokenIndex - 1;
    if (previousIndex < 0) return true;
    const previousType = safeToken(previousIndex).type;
    return !(previousType === NAME || previousType === REGEXP || previousType === CLOSE || previousType === ASTERISK);
  };
  const isHashPrefix = () => isNonSpecialPatternChar(tokenIndex, "#");
  const isPathnameStart = () => isNonSpecialPatternChar(tokenIndex, "/");
  const makeComponentString = () => {
    const token = tokens[tokenIndex];
    const startIndex = safeToken(componentStart).index;
    return joinCodePoints(cps, startIndex, token.index);
  };
  const rewind = () => {
    tokenIndex = componentStart;
    tokenIncrement = 0;
  };
  const rewindAndSetState = (newState) => {
    rewind();
    state = newState;
  };
  const changeState = (newState, skip) => {
    if (state !== STATE_INIT && state !== STATE_AUTHORITY && state !== STATE_DONE) {
      result[state] = makeComponentString();
    }
    if (state !== STATE_INIT && newState !== STATE_DONE) {
      const beforeHost = state === STATE_PROTOCOL || state === STATE_AUTHORITY || state === STATE_USERNAME ||
        state === STATE_PASSWORD;
      if (beforeHost && (newState === STATE_PORT || newState === STATE_PATHNAME || newState === STATE_SEARCH ||
          newState === STATE_HASH) && !("hostname" in result)) {
        result.hostname = "";
      }
      const beforePath = beforeHost || state === STATE_HOSTNAME || state === STATE_PORT;
      if (beforePath && (newState === STATE_SEARCH || newState === STATE_HASH) && !("pathname" in result)) {
        result.pathname = protocolMatchesSpecialScheme ? "/" : "";
      }
      if ((beforePath || state === STATE_PATHNAME) && newState === STATE_HASH && !("search" in result)) {
        result.search = "";
      }
    }
    state = newState;
    tokenIndex += skip;
    componentStart = tokenIndex;
    tokenIncrement = 0;
  };
  const computeProtocolMatchesSpecialScheme = () => {
    const component = compileComponent(makeComponentString(), canonicalizeProtocol, DEFAULT_OPTIONS);
    if (componentMatchesSpecialScheme(component)) protocolMatchesSpecialScheme = true;
  };

  while (tokenIndex < tokens.length) {
    tokenIncrement = 1;
    const token = tokens[tokenIndex];
    if (token.type === END) {
      if (state === STATE_INIT) {
        rewind();
        if (isHashPrefix()) changeState(STATE_HASH, 1);
        else if (isSearchPrefix()) changeState(STATE_SEARCH, 1);
        else changeState(STATE_PATHNAME, 0);
        tokenIndex += tokenIncrement;
        continue;
      }
      if (state === STATE_AUTHORITY) {
        rewindAndSetState(STATE_HOSTNAME);
        tokenIndex += tokenIncrement;
        continue;
      }
      changeState(STATE_DONE, 0);
      break;
    }
    if (token.type === OPEN) {
      groupDepth++;
      tokenIndex += tokenIncrement;
      continue;
    }
    if (groupDepth > 0) {
      if (token.type === CLOSE) {
        groupDepth--;
      } else {
        tokenIndex += tokenIncrement;
        continue;
      }
    }
    switch (state) {
      case STATE_INIT:
        if (isNonSpecialPatternChar(tokenIndex, ":")) rewindAndSetState(STATE_PROTOCOL);
        break;
      case STATE_PROTOCOL:
        if (isNonSpecialPatternChar(tokenIndex, ":")) {
          computeProtocolMatchesSpecialScheme();
          let nextState = STATE_PATHNAME;
          let skip = 1;
          if (isNonSpecialPatternChar(tokenIndex + 1, "/") && isNonSpecialPatternChar(tokenIndex + 2, "/")) {
            nextState = STATE_AUTHORITY;
            skip = 3;
          } else if (protocolMatchesSpecialScheme) {
            nextState = STATE_AUTHORITY;
          }
          changeState(nextState, skip);
        }
        break;
      case STATE_AUTHORITY:
        if (isNonSpecialPatternChar(tokenIndex, "@")) rewindAndSetState(STATE_USERNAME);
        else if (isPathnameStart() || isSearchPrefix() || isHashPrefix()) rewindAndSetState(STATE_HOSTNAME);
        break;
      case STATE_USERNAME:
        if (isNonSpecialPatternChar(tokenIndex, ":")) changeState(STATE_PASSWORD, 1);
        else if (isNonSpecialPatternChar(tokenIndex, "@")) changeState(STATE_HOSTNAME, 1);
        break;
      case STATE_PASSWORD:
        if (isNonSpecialPatternChar(tokenIndex, "@")) changeState(STATE_HOSTNAME, 1);
        break;
      case STATE_HOSTNAME:
        if (isNonSpecialPatternChar(tokenIndex, "[")) ipv6BracketDepth++;
        else if (isNonSpecialPatternChar(tokenIndex, "]")) ipv6BracketDepth--;
        else if (isNonSpecialPatternChar(tokenIndex, ":") && ipv6BracketDepth === 0) changeState(STATE_PORT, 1);
        else if (isPathnameStart()) changeState(STATE_PATHNAME, 0);
        else if (isSearchPrefix()) changeState(STATE_SEARCH, 1);
        else if (isHashPrefix()) changeState(STATE_HASH, 1);
        break;
      case STATE_PORT:
        if (isPathnameStart()) changeState(STATE_PATHNAME, 0);
        else if (isSearchPrefix()) changeState(STATE_SEARCH, 1);
        else if (isHashPrefix()) changeState(STATE_HASH, 1);
        break;
      case STATE_PATHNAME:
        if (isSearchPrefix()) changeState(STATE_SEARCH, 1);
        else if (isHashPrefix()) changeState(STATE_HASH, 1);
        break;
      case STATE_SEARCH:
        if (isHashPrefix()) changeState(STATE_HASH, 1);
        break;
      default:
        break;
    }
    tokenIndex += tokenIncrement;
  }
  if ("hostname" in result && !("port" in result)) result.port = "";
  return result;
}

// ---------------------------------------------------------------------------------------
// URLPatternInit processing (spec §3.2 "process a URLPatternInit")

const PATTERN = 0;
const URL_TYPE = 1;

function processBaseURLString(input, type) {
  return type === PATTERN ? escapePatternString(input) : input;
}

function isAbsolutePathname(input, type) {
  if (input === "") return false;
  const c0 = input[0];
  if (c0 === "/") return true;
  if (type === URL_TYPE || input.length < 2) return false;
  return (c0 === "\\" || c0 === "{") && input[1] === "/";
}

function stripPrefix(value, c) {
  return value !== "" && value[0] === c ? StringPrototypeSlice(value, 1) : value;
}

/// init: a record without a prototype, of the URLPatternInit members present; start: the
/// initial value of every component (undefined in "pattern", "" in "url" processing).
function processInit(init, type, start) {
  const result = { __proto__: null };
  if (start !== undefined) {
    for (let i = 0; i < COMPONENTS.length; i++) result[COMPONENTS[i]] = start;
  }
  const has = (name) => init[name] !== undefined;
  let baseURL = null;
  if (has("baseURL")) {
    baseURL = parseURL(init.baseURL, null);
    if (baseURL === null) throw patternError(`invalid base URL ${JSONStringify(init.baseURL)}`);
    if (!has("protocol")) result.protocol = processBaseURLString(baseURL.scheme, type);
    if (type !== PATTERN && !has("protocol") && !has("hostname") && !has("port") && !has("username")) {
      result.username = processBaseURLString(baseURL.username, type);
    }
    if (type !== PATTERN && !has("protocol") && !has("hostname") && !has("port") && !has("username") && !has("password")) {
      result.password = processBaseURLString(baseURL.password, type);
    }
    if (!has("protocol") && !has("hostname")) {
      result.hostname = processBaseURLString(baseURL.host === null ? "" : baseURL.host, type);
    }
    if (!has("protocol") && !has("hostname") && !has("port")) {
      result.port = baseURL.port === null ? "" : NumberPrototypeToString(baseURL.port, 10);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname")) {
      result.pathname = processBaseURLString(serializePath(baseURL), type);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search")) {
      result.search = processBaseURLString(baseURL.query === null ? "" : baseURL.query, type);
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search") && !has("hash")) {
      result.hash = processBaseURLString(baseURL.fragment === null ? "" : baseURL.fragment, type);
    }
  }
  const pattern = type === PATTERN;
  if (has("protocol")) {
    const stripped = init.protocol !== "" && init.protocol[init.protocol.length - 1] === ":"
      ? StringPrototypeSlice(init.protocol, 0, init.protocol.length - 1) : init.protocol;
    result.protocol = pattern ? stripped : canonicalizeProtocol(stripped);
  }
  if (has("username")) result.username = pattern ? init.username : canonicalizeUserinfo(init.username);
  if (has("password")) result.password = pattern ? init.password : canonicalizeUserinfo(init.password);
  if (has("hostname")) result.hostname = pattern ? init.hostname : canonicalizeHostname(init.hostname);
  if (has("port")) result.port = pattern ? init.port : canonicalizePort(init.port, result.protocol);
  if (has("pathname")) {
    let pathname = init.pathname;
    if (baseURL !== null && typeof baseURL.path !== "string" && !isAbsolutePathname(pathname, type)) {
      const basePath = processBaseURLString(serializePath(baseURL), type);
      const slash = StringPrototypeLastIndexOf(basePath, "/");
      if (slash !== -1) pathname = StringPrototypeSlice(basePath, 0, slash + 1) + pathname;
    }
    if (!pattern) {
      const protocol = result.protocol;
      pathname = protocol === undefined || protocol === "" || isSpecialScheme(protocol)
        ? canonicalizePathname(pathname) : canonicalizeOpaquePathname(pathname);
    }
    result.pathname = pathname;
  }
  if (has("search")) {
    const stripped = stripPrefix(init.search, "?");
    result.search = pattern ? stripped : canonicalizeSearch(stripped);
  }
  if (has("hash")) {
    const stripped = stripPrefix(init.hash, "#");
    result.hash = pattern ? stripped : canonicalizeHash(stripped);
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Web IDL conversions

// URLPatternInit's members in Web IDL's (lexicographic) order.
const INIT_MEMBERS = ObjectFreeze(["baseURL", "hash", "hostname", "password", "pathname", "port", "protocol", "search", "username"]);

/// Converts a dictionary: `record` (no prototype) for the algorithms, `object` (an ordinary
/// object with the members present) for a result's `inputs`.
function toURLPatternInit(value) {
  const record = { __proto__: null };
  const object = {};
  if (value === undefined || value === null) return { __proto__: null, record, object };
  for (let i = 0; i < INIT_MEMBERS.length; i++) {
    const name = INIT_MEMBERS[i];
    const member = value[name];
    if (member !== undefined) {
      const converted = toUSVString(member);
      record[name] = converted;
      defineData(object, name, converted);
    }
  }
  return { __proto__: null, record, object };
}

function isDictionaryLike(value) {
  return value === undefined || value === null || typeof value === "object" || typeof value === "function";
}

function toOptions(value) {
  if (value === undefined || value === null) return false;
  if (typeof value !== "object" && typeof value !== "function") {
    throw new TypeError("Failed to construct 'URLPattern': The provided options is not an object.");
  }
  return !!value.ignoreCase;
}

// ---------------------------------------------------------------------------------------
// URLPattern

class URLPattern {
  #components; // the eight compiled components, by name (own properties, all present)

  constructor(input = undefined, baseURL = undefined, options = undefined) {
    // Overloads: (input, USVString baseURL, options) and (input, options).
    let ignoreCase;
    let base = undefined;
    const withBase = arguments.length >= 3 || (arguments.length === 2 && !isDictionaryLike(baseURL));
    const init = isDictionaryLike(input) ? toURLPatternInit(input).record : toUSVString(input);
    if (withBase) {
      base = toUSVString(baseURL);
      ignoreCase = toOptions(options);
    } else {
      ignoreCase = toOptions(baseURL);
    }
    let record;
    if (typeof init === "string") {
      record = parseConstructorString(init);
      if (base === undefined && record.protocol === undefined) {
        throw patternError(`${JSONStringify(init)} is relative and no base URL was given`);
      }
      if (base !== undefined) record.baseURL = base;
    } else {
      if (base !== undefined) throw patternError("a base URL cannot be given with a URLPatternInit");
      record = init;
    }
    const processed = processInit(record, PATTERN, undefined);
    for (let i = 0; i < COMPONENTS.length; i++) {
      if (processed[COMPONENTS[i]] === undefined) processed[COMPONENTS[i]] = "*";
    }
    if (isSpecialScheme(processed.protocol) && processed.port === `${defaultPortOf(processed.protocol)}`) {
      processed.port = "";
    }
    const protocol = compileComponent(processed.protocol, canonicalizeProtocol, DEFAULT_OPTIONS);
    const hostname = processed.hostname;
    const ipv6 = hostname.length >= 2 &&
      (hostname[0] === "[" || ((hostname[0] === "{" || hostname[0] === "\\") && hostname[1] === "["));
    const compileOptions = withIgnoreCase(DEFAULT_OPTIONS, ignoreCase);
    // A literal: assigning new properties to an object would reach setters on Object.prototype.
    const components = {
      protocol,
      username: compileComponent(processed.username, canonicalizeUserinfo, DEFAULT_OPTIONS),
      password: compileComponent(processed.password, canonicalizeUserinfo, DEFAULT_OPTIONS),
      hostname: compileComponent(hostname, ipv6 ? canonicalizeIPv6Hostname : canonicalizeHostname, HOSTNAME_OPTIONS),
      port: compileComponent(processed.port, canonicalizePortWithoutProtocol, DEFAULT_OPTIONS),
      pathname: componentMatchesSpecialScheme(protocol)
        ? compileComponent(processed.pathname, canonicalizePathname, withIgnoreCase(PATHNAME_OPTIONS, ignoreCase))
        : compileComponent(processed.pathname, canonicalizeOpaquePathname, compileOptions),
      search: compileComponent(processed.search, canonicalizeSearch, compileOptions),
      hash: compileComponent(processed.hash, canonicalizeHash, compileOptions),
    };
    this.#components = components;
  }

  test(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL, arguments.length >= 2 && baseURL !== undefined, false) !== null;
  }

  exec(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL, arguments.length >= 2 && baseURL !== undefined, true);
  }

  // Spec "match": null, true (test) or a URLPatternResult (exec).
  #match(input, baseURL, hasBase, wantResult) {
    const components = this.#components;
    let values;
    let inputs;
    if (isDictionaryLike(input)) {
      const init = toURLPatternInit(input);
      if (hasBase) {
        toUSVString(baseURL);
        throw new TypeError("Failed to execute 'exec' on 'URLPattern': a base URL cannot be given with a URLPatternInit.");
      }
      try {
        values = processInit(init.record, URL_TYPE, "");
      } catch (error) {
        return null;
      }
      inputs = [init.object];
    } else {
      const string = toUSVString(input);
      let base = null;
      let baseString;
      if (hasBase) {
        baseString = toUSVString(baseURL);
        base = parseURL(baseString, null);
        if (base === null) return null;
      }
      const url = parseURL(string, base);
      if (url === null) return null;
      values = {
        protocol: url.scheme,
        username: url.username,
        password: url.password,
        hostname: url.host === null ? "" : url.host,
        port: url.port === null ? "" : NumberPrototypeToString(url.port, 10),
        pathname: serializePath(url),
        search: url.query === null ? "" : url.query,
        hash: url.fragment === null ? "" : url.fragment,
      };
      inputs = hasBase ? [string, baseString] : [string];
    }
    const matches = newList();
    for (let i = 0; i < COMPONENTS.length; i++) {
      const name = COMPONENTS[i];
      const match = matchComponent(components[name], values[name]);
      if (match === null) return null;
      append(matches, match);
    }
    if (!wantResult) return true;
    return {
      inputs,
      protocol: componentResult(components.protocol, values.protocol, matches[0]),
      username: componentResult(components.username, values.username, matches[1]),
      password: componentResult(components.password, values.password, matches[2]),
      hostname: componentResult(components.hostname, values.hostname, matches[3]),
      port: componentResult(components.port, values.port, matches[4]),
      pathname: componentResult(components.pathname, values.pathname, matches[5]),
      search: componentResult(components.search, values.search, matches[6]),
      hash: componentResult(components.hash, values.hash, matches[7]),
    };
  }

  get protocol() { return this.#components.protocol.patternString; }
  get username() { return this.#components.username.patternString; }
  get password() { return this.#components.password.patternString; }
  get hostname() { return this.#components.hostname.patternString; }
  get port() { return this.#components.port.patternString; }
  get pathname() { return this.#components.pathname.patternString; }
  get search() { return this.#components.search.patternString; }
  get hash() { return this.#components.hash.patternString; }

  get hasRegExpGroups() {
    const components = this.#components;
    for (let i = 0; i < COMPONENTS.length; i++) {
      if (components[COMPONENTS[i]].hasRegExpGroups) return true;
    }
    return false;
  }
}

internals.webIDL.exportInterface(URLPattern, "URLPattern");
