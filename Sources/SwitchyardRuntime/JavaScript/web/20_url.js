// 20_url.js — WHATWG URL Standard: the URL and URLSearchParams classes.
//
// Evaluated by the host as `(function (internals, ops) { "use strict"; <this file> })`.
// Exports: internals.URL, internals.URLSearchParams, internals.isURLSearchParams (brand
// check), internals.urlRecords (the parser for URLPattern), and the URL / URLSearchParams globals.
// Native dependency: ops.domainToASCII(domain, beStrict) (UTS #46 ToASCII; throws or
// returns null on failure). It is only called for domains containing non-ASCII code
// points: for an all-ASCII domain with beStrict = false the URL Standard's result is
// the ASCII-lowercased domain whatever ToASCII says (whatwg/url#914, WPT toascii.json).
//
// Design notes
// - A URL record is a plain object with fixed shape:
//     { scheme, username, password, host, port, path, query, fragment }
//   `host` is null or the *serialized* host (domain, dotted IPv4, "[ipv6]", opaque host
//   or "" for the empty host); `port` is null or an integer; `path` is an array of
//   segments, or a string for an opaque path.
// - The parser follows the spec's state machine, but states whose work is "append every
//   code point until a delimiter" scan ahead with a char-code loop and percent-encode the
//   whole run at once (with a no-allocation fast path when nothing needs encoding).
// - A URL object's record is never replaced (the href setter copies into it), so its
//   URLSearchParams can hold the record directly. The URLSearchParams object is created
//   lazily on the first `searchParams` access.

// Built-ins the parser uses, captured at load time: a worker replacing String.prototype.slice
// or Array.prototype.push must not change how URLs (and URLPatterns) parse.
const { uncurryThis, ReflectApply, JSONStringify, MathMin, MathPow, ObjectSetPrototypeOf, StringPrototypeCharCodeAt,
  StringPrototypeSlice, StringPrototypeToLowerCase, StringPrototypeToUpperCase, NumberPrototypeToString,
  ArrayPrototypePush, ArrayPrototypePop, ArrayPrototypeSlice, StringFromCharCode } = internals.primordials;
// After core/05_bounded_builtins.js: the bounded indexOf.
const StringPrototypeIndexOf = uncurryThis(String.prototype.indexOf);

// The parser's own lists (paths, code units, IPv4 parts) have no prototype and grow by index,
// so an index setter a worker put on Array.prototype is never reached.
function newList() {
  return ObjectSetPrototypeOf([], null);
}

function append(list, value) {
  list[list.length] = value;
}

// ---------------------------------------------------------------------------------------
// Character tables and percent-encoding

const EOF = -1;

// Bit flags for the percent-encode sets (each set includes the C0 control set; every
// code point >= 0x7F is in every set and is handled outside the table).
const SET_C0 = 1;
const SET_FRAGMENT = 2;
const SET_QUERY = 4;
const SET_SPECIAL_QUERY = 8;
const SET_PATH = 16;
const SET_USERINFO = 32;
const SET_COMPONENT = 64;
const SET_FORM = 128;

const ENCODE_TABLE = new Uint8Array(128);
(function buildEncodeTable() {
  const add = (chars, bits) => {
    for (let i = 0; i < chars.length; i++) ENCODE_TABLE[StringPrototypeCharCodeAt(chars, i)] |= bits;
  };
  const ALL = 0xFF;
  for (let c = 0; c < 0x20; c++) ENCODE_TABLE[c] = ALL;
  ENCODE_TABLE[0x7F] = ALL;
  // fragment: C0 + space " < > `
  add(" \"<>`", SET_FRAGMENT);
  // query: C0 + space " # < >  (and everything derived from it)
  const queryDerived = SET_QUERY | SET_SPECIAL_QUERY | SET_PATH | SET_USERINFO | SET_COMPONENT | SET_FORM;
  add(" \"#<>", queryDerived);
  add("'", SET_SPECIAL_QUERY);
  const pathDerived = SET_PATH | SET_USERINFO | SET_COMPONENT | SET_FORM;
  add("?^`{}", pathDerived);
  const userinfoDerived = SET_USERINFO | SET_COMPONENT | SET_FORM;
  add("/:;=@[\\]|", userinfoDerived);
  add("$%&+,", SET_COMPONENT | SET_FORM);
  add("!'()~", SET_FORM);
})();

const PERCENT_HEX = [];
for (let i = 0; i < 256; i++) {
  ArrayPrototypePush(PERCENT_HEX, (i < 16 ? "%0" : "%") + StringPrototypeToUpperCase(NumberPrototypeToString(i, 16)));
}

// Percent-encodes one scalar value (>= 0x80) as UTF-8.
function utf8PercentEncodeCodePoint(cp) {
  if (cp < 0x800) {
    return PERCENT_HEX[0xC0 | (cp >> 6)] + PERCENT_HEX[0x80 | (cp & 0x3F)];
  }
  if (cp < 0x10000) {
    return PERCENT_HEX[0xE0 | (cp >> 12)] + PERCENT_HEX[0x80 | ((cp >> 6) & 0x3F)] +
      PERCENT_HEX[0x80 | (cp & 0x3F)];
  }
  return PERCENT_HEX[0xF0 | (cp >> 18)] + PERCENT_HEX[0x80 | ((cp >> 12) & 0x3F)] +
    PERCENT_HEX[0x80 | ((cp >> 6) & 0x3F)] + PERCENT_HEX[0x80 | (cp & 0x3F)];
}

// UTF-8 percent-encodes s[start, end) using the set `bit`. Lone surrogates become U+FFFD
// (the spec's inputs are scalar value strings).
function percentEncodeRange(s, start, end, bit, spaceAsPlus = false) {
  let i = start;
  for (; i < end; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0x7F || (ENCODE_TABLE[c] & bit) !== 0) break;
  }
  if (i === end) return (start === 0 && end === s.length) ? s : StringPrototypeSlice(s, start, end);
  let out = StringPrototypeSlice(s, start, i);
  let run = i;
  for (; i < end; i++) {
    let c = StringPrototypeCharCodeAt(s, i);
    if (c < 0x80) {
      if ((ENCODE_TABLE[c] & bit) === 0) continue;
      out += StringPrototypeSlice(s, run, i) + (spaceAsPlus && c === 0x20 ? "+" : PERCENT_HEX[c]);
      run = i + 1;
      continue;
    }
    out += StringPrototypeSlice(s, run, i);
    if (c >= 0xD800 && c <= 0xDFFF) {
      if (c <= 0xDBFF && i + 1 < end) {
        const d = StringPrototypeCharCodeAt(s, i + 1);
        if (d >= 0xDC00 && d <= 0xDFFF) {
          c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
          i++;
        } else {
          c = 0xFFFD;
        }
      } else {
        c = 0xFFFD;
      }
    }
    out += utf8PercentEncodeCodePoint(c);
    run = i + 1;
  }
  return out + StringPrototypeSlice(s, run, end);
}

function percentEncodeString(s, bit) {
  return percentEncodeRange(s, 0, s.length, bit);
}

// application/x-www-form-urlencoded byte serializer for one string (space → "+").
function formEncode(s) {
  const len = s.length;
  let i = 0;
  for (; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0x7F || (ENCODE_TABLE[c] & SET_FORM) !== 0) break;
  }
  if (i === len) return s;
  return StringPrototypeSlice(s, 0, i) + percentEncodeRange(s, i, len, SET_FORM, true);
}

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

// Converts an array of UTF-16 code units to a string in bounded chunks.
function codeUnitsToString(units, n) {
  if (n <= 4096) return ReflectApply(StringFromCharCode, null, n === units.length ? units : ArrayPrototypeSlice(units, 0, n));
  let out = "";
  for (let i = 0; i < n; i += 4096) {
    out += ReflectApply(StringFromCharCode, null, ArrayPrototypeSlice(units, i, MathMin(i + 4096, n)));
  }
  return out;
}

// WHATWG Encoding "UTF-8 decode without BOM": invalid sequences become U+FFFD (maximal
// subpart replacement); a leading BOM is kept.
function utf8DecodeWithoutBOM(bytes, n) {
  const units = newList();
  let cp = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xBF;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b <= 0x7F) {
        append(units, b);
      } else if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
        cp = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b === 0xE0) lower = 0xA0;
        else if (b === 0xED) upper = 0x9F;
        needed = 2;
        cp = b & 0x0F;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b === 0xF0) lower = 0x90;
        else if (b === 0xF4) upper = 0x8F;
        needed = 3;
        cp = b & 0x07;
      } else {
        append(units, 0xFFFD);
      }
      continue;
    }
    if (b < lower || b > upper) {
      cp = 0;
      needed = 0;
      seen = 0;
      lower = 0x80;
      upper = 0xBF;
      append(units, 0xFFFD);
      i--; // reprocess this byte
      continue;
    }
    lower = 0x80;
    upper = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
    if (++seen === needed) {
      if (cp > 0xFFFF) {
        cp -= 0x10000;
        append(units, 0xD800 + (cp >> 10));
        append(units, 0xDC00 + (cp & 0x3FF));
      } else {
        append(units, cp);
      }
      cp = 0;
      needed = 0;
      seen = 0;
    }
  }
  if (needed !== 0) append(units, 0xFFFD);
  return codeUnitsToString(units, units.length);
}

// UTF-8 decode without BOM of the percent-decoding of the UTF-8 encoding of s[start, end).
// With plusAsSpace, "+" code points become 0x20 bytes first (form-urlencoded parsing).
function percentDecodeRange(s, start, end, plusAsSpace) {
  const bytes = new Uint8Array((end - start) * 3);
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = StringPrototypeCharCodeAt(s, i);
    if (c < 0x80) {
      if (c === 0x25 && i + 2 < end) {
        const h = hexValue(StringPrototypeCharCodeAt(s, i + 1));
        const l = h < 0 ? -1 : hexValue(StringPrototypeCharCodeAt(s, i + 2));
        if (l >= 0) {
          bytes[n++] = (h << 4) | l;
          i += 2;
          continue;
        }
      }
      bytes[n++] = (plusAsSpace && c === 0x2B) ? 0x20 : c;
      continue;
    }
    if (c >= 0xD800 && c <= 0xDFFF) {
      if (c <= 0xDBFF && i + 1 < end) {
        const d = StringPrototypeCharCodeAt(s, i + 1);
        if (d >= 0xDC00 && d <= 0xDFFF) {
          c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
          i++;
        } else {
          c = 0xFFFD;
        }
      } else {
        c = 0xFFFD;
      }
    }
    if (c < 0x800) {
      bytes[n++] = 0xC0 | (c >> 6);
      bytes[n++] = 0x80 | (c & 0x3F);
    } else if (c < 0x10000) {
      bytes[n++] = 0xE0 | (c >> 12);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3F);
      bytes[n++] = 0x80 | (c & 0x3F);
    } else {
      bytes[n++] = 0xF0 | (c >> 18);
      bytes[n++] = 0x80 | ((c >> 12) & 0x3F);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3F);
      bytes[n++] = 0x80 | (c & 0x3F);
    }
  }
  return utf8DecodeWithoutBOM(bytes, n);
}

// Web IDL USVString conversion of an already-converted string: lone surrogates → U+FFFD.
function toScalarValueString(s) {
  const len = s.length;
  let i = 0;
  for (; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 0xD800 && c <= 0xDFFF) break;
  }
  if (i === len) return s;
  let out = StringPrototypeSlice(s, 0, i);
  for (; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 0xD800 || c > 0xDFFF) {
      out += s[i];
    } else if (c <= 0xDBFF && i + 1 < len && (StringPrototypeCharCodeAt(s, i + 1) & 0xFC00) === 0xDC00) {
      out += s[i] + s[i + 1];
      i++;
    } else {
      out += "\uFFFD";
    }
  }
  return out;
}

function toUSVString(value) {
  return toScalarValueString(`${value}`);
}

// ---------------------------------------------------------------------------------------
// Small predicates

function isASCIIAlpha(c) {
  return (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A);
}

function isASCIIDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

// Returns the canonical (interned) scheme string when special, or null.
function specialSchemeOf(s) {
  switch (s) {
    case "http": return "http";
    case "https": return "https";
    case "ws": return "ws";
    case "wss": return "wss";
    case "ftp": return "ftp";
    case "file": return "file";
    default: return null;
  }
}

function isSpecialScheme(s) {
  switch (s) {
    case "http": case "https": case "ws": case "wss": case "ftp": case "file":
      return true;
    default:
      return false;
  }
}

function defaultPortOf(scheme) {
  switch (scheme) {
    case "http": case "ws": return 80;
    case "https": case "wss": return 443;
    case "ftp": return 21;
    default: return null;
  }
}

function isWindowsDriveLetter(s) {
  if (s.length !== 2 || !isASCIIAlpha(StringPrototypeCharCodeAt(s, 0))) return false;
  const c = StringPrototypeCharCodeAt(s, 1);
  return c === 0x3A || c === 0x7C;
}

function isNormalizedWindowsDriveLetter(s) {
  return s.length === 2 && isASCIIAlpha(StringPrototypeCharCodeAt(s, 0)) && StringPrototypeCharCodeAt(s, 1) === 0x3A;
}

// "starts with a Windows drive letter", applied to input[p...].
function startsWithWindowsDriveLetter(input, p) {
  const rest = input.length - p;
  if (rest < 2 || !isASCIIAlpha(StringPrototypeCharCodeAt(input, p))) return false;
  const c1 = StringPrototypeCharCodeAt(input, p + 1);
  if (c1 !== 0x3A && c1 !== 0x7C) return false;
  if (rest === 2) return true;
  const c2 = StringPrototypeCharCodeAt(input, p + 2);
  return c2 === 0x2F || c2 === 0x5C || c2 === 0x3F || c2 === 0x23;
}

// ".", "%2e" (ASCII case-insensitive)
function isSingleDotSegment(s) {
  const len = s.length;
  if (len === 1) return StringPrototypeCharCodeAt(s, 0) === 0x2E;
  if (len === 3) return StringPrototypeCharCodeAt(s, 0) === 0x25 && StringPrototypeCharCodeAt(s, 1) === 0x32 && (StringPrototypeCharCodeAt(s, 2) | 0x20) === 0x65;
  return false;
}

function isPercent2E(s, i) {
  return StringPrototypeCharCodeAt(s, i) === 0x25 && StringPrototypeCharCodeAt(s, i + 1) === 0x32 && (StringPrototypeCharCodeAt(s, i + 2) | 0x20) === 0x65;
}

// "..", ".%2e", "%2e.", "%2e%2e" (ASCII case-insensitive)
function isDoubleDotSegment(s) {
  const len = s.length;
  if (len === 2) return StringPrototypeCharCodeAt(s, 0) === 0x2E && StringPrototypeCharCodeAt(s, 1) === 0x2E;
  if (len === 4) {
    if (StringPrototypeCharCodeAt(s, 0) === 0x2E) return isPercent2E(s, 1);
    return StringPrototypeCharCodeAt(s, 3) === 0x2E && isPercent2E(s, 0);
  }
  if (len === 6) return isPercent2E(s, 0) && isPercent2E(s, 3);
  return false;
}

// A copy of a path list (Array.prototype.slice would read a `constructor` a worker defined).
function copyList(list) {
  const out = newList();
  for (let i = 0; i < list.length; i++) append(out, list[i]);
  return out;
}

function shortenPath(url) {
  const path = url.path;
  if (url.scheme === "file" && path.length === 1 && isNormalizedWindowsDriveLetter(path[0])) return;
  if (path.length > 0) ArrayPrototypePop(path);
}

function includesCredentials(url) {
  return url.username !== "" || url.password !== "";
}

function cannotHaveUsernamePasswordPort(url) {
  return url.host === null || url.host === "" || url.scheme === "file";
}

function hasOpaquePath(url) {
  return typeof url.path === "string";
}

// ---------------------------------------------------------------------------------------
// Hosts

// Forbidden host code points: NUL TAB LF CR SPACE # / : < > ? @ [ \ ] ^ |
const FORBIDDEN_HOST = new Uint8Array(128);
// Forbidden domain code points: the above plus C0 controls, %, DEL.
const FORBIDDEN_DOMAIN = new Uint8Array(128);
(function buildHostTables() {
  const hostChars = "\u0000\t\n\r #/:<>?@[\\]^|";
  for (let i = 0; i < hostChars.length; i++) {
    FORBIDDEN_HOST[StringPrototypeCharCodeAt(hostChars, i)] = 1;
    FORBIDDEN_DOMAIN[StringPrototypeCharCodeAt(hostChars, i)] = 1;
  }
  for (let c = 0; c < 0x20; c++) FORBIDDEN_DOMAIN[c] = 1;
  FORBIDDEN_DOMAIN[0x25] = 1;
  FORBIDDEN_DOMAIN[0x7F] = 1;
})();

// The URL Standard's "domain to ASCII" with beStrict = false. Returns null on failure.
function domainToASCII(domain) {
  const len = domain.length;
  let hasUpper = false;
  let hasForbidden = false;
  let i = 0;
  for (; i < len; i++) {
    const c = StringPrototypeCharCodeAt(domain, i);
    if (c >= 0x80) break;
    if (c >= 0x41 && c <= 0x5A) hasUpper = true;
    else if (FORBIDDEN_DOMAIN[c] === 1) hasForbidden = true;
  }
  if (i === len) {
    // All ASCII (the hot path): the result is the ASCII-lowercased domain, which must not
    // contain a forbidden domain code point.
    if (len === 0 || hasForbidden) return null;
    return hasUpper ? StringPrototypeToLowerCase(domain) : domain;
  }
  // Non-ASCII: forbidden code points are checked on the ToASCII result only (mapping can
  // remove them, e.g. "<" followed by U+0338 composes to U+226E).

  let result;
  try {
    result = ops.domainToASCII(toScalarValueString(domain), false);
  } catch (e) {
    return null;
  }
  if (typeof result !== "string" || result === "") return null;
  for (let j = 0; j < result.length; j++) {
    const c = StringPrototypeCharCodeAt(result, j);
    if (c >= 0x80 || FORBIDDEN_DOMAIN[c] === 1) return null;
  }
  return result;
}

// IPv4 number parser. Returns the value (possibly huge/Infinity) or -1 on failure.
function parseIPv4Number(s, start, end) {
  if (start >= end) return -1;
  let radix = 10;
  if (end - start >= 2 && StringPrototypeCharCodeAt(s, start) === 0x30) {
    const c1 = StringPrototypeCharCodeAt(s, start + 1);
    if (c1 === 0x78 || c1 === 0x58) {
      radix = 16;
      start += 2;
    } else {
      radix = 8;
      start += 1;
    }
  }
  if (start === end) return 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    let d;
    if (radix === 16) {
      d = hexValue(c);
      if (d < 0) return -1;
    } else {
      d = c - 0x30;
      if (d < 0 || d >= radix) return -1;
    }
    value = value * radix + d;
  }
  return value;
}

function endsInANumber(s) {
  let end = s.length;
  if (end > 0 && StringPrototypeCharCodeAt(s, end - 1) === 0x2E) {
    if (end === 1) return false;
    end--;
  }
  let start = end;
  while (start > 0 && StringPrototypeCharCodeAt(s, start - 1) !== 0x2E) start--;
  if (start === end) return false;
  let allDigits = true;
  for (let i = start; i < end; i++) {
    if (!isASCIIDigit(StringPrototypeCharCodeAt(s, i))) {
      allDigits = false;
      break;
    }
  }
  if (allDigits) return true;
  return parseIPv4Number(s, start, end) >= 0;
}

// IPv4 parser; returns the serialized address or null.
function parseIPv4(s) {
  // Split at "." by hand: String.prototype.split would look up a Symbol.split a worker defined.
  const parts = newList();
  for (let start = 0; ;) {
    const dot = StringPrototypeIndexOf(s, ".", start);
    append(parts, StringPrototypeSlice(s, start, dot === -1 ? s.length : dot));
    if (dot === -1) break;
    start = dot + 1;
  }
  if (parts[parts.length - 1] === "" && parts.length > 1) ArrayPrototypePop(parts);
  const count = parts.length;
  if (count > 4) return null;
  const numbers = newList();
  for (let i = 0; i < count; i++) {
    const part = parts[i];
    const n = parseIPv4Number(part, 0, part.length);
    if (n < 0) return null;
    append(numbers, n);
  }
  for (let i = 0; i < count - 1; i++) {
    if (numbers[i] > 255) return null;
  }
  if (numbers[count - 1] >= MathPow(256, 5 - count)) return null;
  let ipv4 = numbers[count - 1];
  for (let i = 0; i < count - 1; i++) {
    ipv4 += numbers[i] * MathPow(256, 3 - i);
  }
  return ((ipv4 / 16777216) >>> 0) + "." + ((ipv4 >>> 16) & 0xFF) + "." +
    ((ipv4 >>> 8) & 0xFF) + "." + (ipv4 & 0xFF);
}

// IPv6 parser on s[start, end); returns an array of 8 pieces or null.
function parseIPv6(s, start, end) {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress = -1;
  let p = start;
  if (p < end && StringPrototypeCharCodeAt(s, p) === 0x3A) {
    if (p + 1 >= end || StringPrototypeCharCodeAt(s, p + 1) !== 0x3A) return null;
    p += 2;
    pieceIndex++;
    compress = pieceIndex;
  }
  while (p < end) {
    if (pieceIndex === 8) return null;
    let c = StringPrototypeCharCodeAt(s, p);
    if (c === 0x3A) {
      if (compress !== -1) return null;
      p++;
      pieceIndex++;
      compress = pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && p < end) {
      const h = hexValue(StringPrototypeCharCodeAt(s, p));
      if (h < 0) break;
      value = value * 16 + h;
      p++;
      length++;
    }
    c = p < end ? StringPrototypeCharCodeAt(s, p) : EOF;
    if (c === 0x2E) {
      if (length === 0) return null;
      p -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (p < end) {
        c = StringPrototypeCharCodeAt(s, p);
        let ipv4Piece = -1;
        if (numbersSeen > 0) {
          if (c === 0x2E && numbersSeen < 4) {
            p++;
            c = p < end ? StringPrototypeCharCodeAt(s, p) : EOF;
          } else {
            return null;
          }
        }
        if (!isASCIIDigit(c)) return null;
        while (isASCIIDigit(c)) {
          const number = c - 0x30;
          if (ipv4Piece === -1) ipv4Piece = number;
          else if (ipv4Piece === 0) return null;
          else ipv4Piece = ipv4Piece * 10 + number;
          if (ipv4Piece > 255) return null;
          p++;
          c = p < end ? StringPrototypeCharCodeAt(s, p) : EOF;
        }
        address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (c === 0x3A) {
      p++;
      if (p >= end) return null;
    } else if (c !== EOF) {
      return null;
    }
    address[pieceIndex] = value;
    pieceIndex++;
  }
  if (compress !== -1) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const j = compress + swaps - 1;
      const tmp = address[pieceIndex];
      address[pieceIndex] = address[j];
      address[j] = tmp;
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) {
    return null;
  }
  return address;
}

function serializeIPv6(address) {
  // Find the first longest run (length > 1) of zero pieces.
  let compress = -1;
  let longest = 1;
  for (let i = 0; i < 8;) {
    if (address[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && address[j] === 0) j++;
    if (j - i > longest) {
      longest = j - i;
      compress = i;
    }
    i = j;
  }
  let out = "";
  let ignore0 = false;
  for (let i = 0; i < 8; i++) {
    if (ignore0) {
      if (address[i] === 0) continue;
      ignore0 = false;
    }
    if (compress === i) {
      out += i === 0 ? "::" : ":";
      ignore0 = true;
      continue;
    }
    out += NumberPrototypeToString(address[i], 16);
    if (i !== 7) out += ":";
  }
  return out;
}

function parseOpaqueHost(input) {
  for (let i = 0; i < input.length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    if (c < 0x80 && FORBIDDEN_HOST[c] === 1) return null;
  }
  return percentEncodeString(input, SET_C0);
}

// Host parser; returns the serialized host or null on failure.
function parseHost(input, isOpaque) {
  const len = input.length;
  if (len > 0 && StringPrototypeCharCodeAt(input, 0) === 0x5B) {
    if (StringPrototypeCharCodeAt(input, len - 1) !== 0x5D) return null;
    const address = parseIPv6(input, 1, len - 1);
    return address === null ? null : "[" + serializeIPv6(address) + "]";
  }
  if (isOpaque) return parseOpaqueHost(input);
  const domain = StringPrototypeIndexOf(input, "%") === -1 ? input : percentDecodeRange(input, 0, len, false);
  const asciiDomain = domainToASCII(domain);
  if (asciiDomain === null) return null;
  if (endsInANumber(asciiDomain)) return parseIPv4(asciiDomain);
  return asciiDomain;
}

// ---------------------------------------------------------------------------------------
// The basic URL parser

const SCHEME_START = 1;
const NO_SCHEME = 3;
const SPECIAL_RELATIVE_OR_AUTHORITY = 4;
const PATH_OR_AUTHORITY = 5;
const RELATIVE = 6;
const RELATIVE_SLASH = 7;
const SPECIAL_AUTHORITY_SLASHES = 8;
const SPECIAL_AUTHORITY_IGNORE_SLASHES = 9;
const AUTHORITY = 10;
const HOST = 11;
const HOSTNAME = 12;
const PORT = 13;
const FILE = 14;
const FILE_SLASH = 15;
const FILE_HOST = 16;
const PATH_START = 17;
const PATH = 18;
const OPAQUE_PATH = 19;
const QUERY = 20;
const FRAGMENT = 21;

function newURLRecord() {
  return {
    scheme: "",
    username: "",
    password: "",
    host: null,
    port: null,
    path: newList(),
    query: null,
    fragment: null,
  };
}

function copyURLRecord(to, from) {
  to.scheme = from.scheme;
  to.username = from.username;
  to.password = from.password;
  to.host = from.host;
  to.port = from.port;
  to.path = from.path;
  to.query = from.query;
  to.fragment = from.fragment;
}

function trimC0ControlOrSpace(s) {
  let start = 0;
  let end = s.length;
  while (start < end && StringPrototypeCharCodeAt(s, start) <= 0x20) start++;
  while (end > start && StringPrototypeCharCodeAt(s, end - 1) <= 0x20) end--;
  return (start === 0 && end === s.length) ? s : StringPrototypeSlice(s, start, end);
}

function removeTabAndNewline(s) {
  // Native single-character searches are much faster than a char-code loop here.
  if (StringPrototypeIndexOf(s, "\t") === -1 && StringPrototypeIndexOf(s, "\n") === -1 && StringPrototypeIndexOf(s, "\r") === -1) return s;
  const len = s.length;
  let i = 0;
  for (; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x09 || c === 0x0A || c === 0x0D) break;
  }
  let out = StringPrototypeSlice(s, 0, i);
  let run = i + 1;
  for (i++; i < len; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0x09 || c === 0x0A || c === 0x0D) {
      out += StringPrototypeSlice(s, run, i);
      run = i + 1;
    }
  }
  return out + StringPrototypeSlice(s, run, len);
}

// Runs the basic URL parser. Without `url` it returns a new URL record or null (failure).
// With `url` and `stateOverride` it modifies `url` and returns null on failure, or `url`.
function basicURLParse(input, base, url, stateOverride) {
  if (url === null) {
    url = newURLRecord();
    input = trimC0ControlOrSpace(input);
  }
  input = removeTabAndNewline(input);
  const len = input.length;
  let state = stateOverride || SCHEME_START;
  let buffer = "";
  let special = isSpecialScheme(url.scheme);
  let pointer = 0;

  for (;; pointer++) {
    const c = pointer < len ? StringPrototypeCharCodeAt(input, pointer) : EOF;
    switch (state) {
      case SCHEME_START: {
        // Scheme start state and scheme state combined: scan the scheme in one go.
        if (!isASCIIAlpha(c)) {
          if (stateOverride) return null;
          state = NO_SCHEME;
          pointer--;
          break;
        }
        let i = pointer + 1;
        let hasUpper = c <= 0x5A;
        for (; i < len; i++) {
          const d = StringPrototypeCharCodeAt(input, i);
          if ((d >= 0x61 && d <= 0x7A) || isASCIIDigit(d) || d === 0x2B || d === 0x2D || d === 0x2E) continue;
          if (d >= 0x41 && d <= 0x5A) {
            hasUpper = true;
            continue;
          }
          break;
        }
        if (i >= len || StringPrototypeCharCodeAt(input, i) !== 0x3A) {
          if (stateOverride) return null;
          state = NO_SCHEME;
          pointer = -1; // start over from the first code point
          break;
        }
        let scheme = StringPrototypeSlice(input, pointer, i);
        if (hasUpper) scheme = StringPrototypeToLowerCase(scheme);
        const canonical = specialSchemeOf(scheme);
        const newSpecial = canonical !== null;
        if (newSpecial) scheme = canonical;
        if (stateOverride) {
          if (special !== newSpecial) return url;
          if ((includesCredentials(url) || url.port !== null) && scheme === "file") return url;
          if (url.scheme === "file" && url.host === "") return url;
        }
        url.scheme = scheme;
        special = newSpecial;
        if (stateOverride) {
          if (url.port === defaultPortOf(scheme)) url.port = null;
          return url;
        }
        pointer = i;
        if (scheme === "file") {
          state = FILE;
        } else if (special && base !== null && base.scheme === scheme) {
          state = SPECIAL_RELATIVE_OR_AUTHORITY;
        } else if (special) {
          state = SPECIAL_AUTHORITY_SLASHES;
        } else if (i + 1 < len && StringPrototypeCharCodeAt(input, i + 1) === 0x2F) {
          state = PATH_OR_AUTHORITY;
          pointer = i + 1;
        } else {
          url.path = "";
          state = OPAQUE_PATH;
        }
        break;
      }

      case NO_SCHEME: {
        const baseOpaque = base !== null && typeof base.path === "string";
        if (base === null || (baseOpaque && c !== 0x23)) return null;
        if (baseOpaque) {
          url.scheme = base.scheme;
          special = isSpecialScheme(url.scheme);
          url.path = base.path;
          url.query = base.query;
          url.fragment = "";
          state = FRAGMENT;
        } else if (base.scheme !== "file") {
          state = RELATIVE;
          pointer--;
        } else {
          state = FILE;
          pointer--;
        }
        break;
      }

      case SPECIAL_RELATIVE_OR_AUTHORITY:
        if (c === 0x2F && pointer + 1 < len && StringPrototypeCharCodeAt(input, pointer + 1) === 0x2F) {
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
          pointer++;
        } else {
          state = RELATIVE;
          pointer--;
        }
        break;

      case PATH_OR_AUTHORITY:
        if (c === 0x2F) {
          state = AUTHORITY;
        } else {
          state = PATH;
          pointer--;
        }
        break;

      case RELATIVE:
        url.scheme = base.scheme;
        special = isSpecialScheme(url.scheme);
        if (c === 0x2F || (special && c === 0x5C)) {
          state = RELATIVE_SLASH;
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          url.path = copyList(base.path);
          url.query = base.query;
          if (c === 0x3F) {
            url.query = "";
            state = QUERY;
          } else if (c === 0x23) {
            url.fragment = "";
            state = FRAGMENT;
          } else if (c !== EOF) {
            url.query = null;
            shortenPath(url);
            state = PATH;
            pointer--;
          }
        }
        break;

      case RELATIVE_SLASH:
        if (special && (c === 0x2F || c === 0x5C)) {
          state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
        } else if (c === 0x2F) {
          state = AUTHORITY;
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          state = PATH;
          pointer--;
        }
        break;

      case SPECIAL_AUTHORITY_SLASHES:
        state = SPECIAL_AUTHORITY_IGNORE_SLASHES;
        if (c === 0x2F && pointer + 1 < len && StringPrototypeCharCodeAt(input, pointer + 1) === 0x2F) {
          pointer++;
        } else {
          pointer--;
        }
        break;

      case SPECIAL_AUTHORITY_IGNORE_SLASHES:
        if (c !== 0x2F && c !== 0x5C) {
          state = AUTHORITY;
          pointer--;
        }
        break;

      case AUTHORITY: {
        // Find the end of the authority and its last "@"; everything before that "@" is
        // userinfo (earlier "@"s become %40), split at its first ":".
        let end = pointer;
        let lastAt = -1;
        for (; end < len; end++) {
          const d = StringPrototypeCharCodeAt(input, end);
          if (d === 0x40) lastAt = end;
          else if (d === 0x2F || d === 0x3F || d === 0x23 || (special && d === 0x5C)) break;
        }
        let hostStart = pointer;
        if (lastAt !== -1) {
          if (lastAt + 1 === end) return null; // credentials without a host
          let colon = -1;
          for (let j = pointer; j < lastAt; j++) {
            if (StringPrototypeCharCodeAt(input, j) === 0x3A) {
              colon = j;
              break;
            }
          }
          if (colon === -1) {
            url.username += percentEncodeRange(input, pointer, lastAt, SET_USERINFO);
          } else {
            url.username += percentEncodeRange(input, pointer, colon, SET_USERINFO);
            url.password += percentEncodeRange(input, colon + 1, lastAt, SET_USERINFO);
          }
          hostStart = lastAt + 1;
        }
        state = HOST;
        pointer = hostStart - 1;
        break;
      }

      case HOST:
      case HOSTNAME: {
        if (stateOverride && url.scheme === "file") {
          pointer--;
          state = FILE_HOST;
          break;
        }
        let i = pointer;
        let insideBrackets = false;
        for (; i < len; i++) {
          const d = StringPrototypeCharCodeAt(input, i);
          if (d === 0x3A && !insideBrackets) break;
          if (d === 0x2F || d === 0x3F || d === 0x23 || (special && d === 0x5C)) break;
          if (d === 0x5B) insideBrackets = true;
          else if (d === 0x5D) insideBrackets = false;
        }
        const hostBuffer = StringPrototypeSlice(input, pointer, i);
        if (i < len && StringPrototypeCharCodeAt(input, i) === 0x3A) {
          if (hostBuffer === "") return null;
          if (stateOverride === HOSTNAME) return null;
          const host = parseHost(hostBuffer, !special);
          if (host === null) return null;
          url.host = host;
          state = PORT;
          pointer = i;
        } else {
          if (special && hostBuffer === "") return null;
          if (stateOverride && hostBuffer === "" && (includesCredentials(url) || url.port !== null)) return null;
          const host = parseHost(hostBuffer, !special);
          if (host === null) return null;
          url.host = host;
          state = PATH_START;
          if (stateOverride) return url;
          pointer = i - 1;
        }
        break;
      }

      case PORT: {
        let i = pointer;
        let port = 0;
        for (; i < len; i++) {
          const d = StringPrototypeCharCodeAt(input, i);
          if (!isASCIIDigit(d)) break;
          port = port * 10 + (d - 0x30);
          if (port > 65535) return null; // fails whatever follows
        }
        const d = i < len ? StringPrototypeCharCodeAt(input, i) : EOF;
        if (d === EOF || d === 0x2F || d === 0x3F || d === 0x23 || (special && d === 0x5C) || stateOverride) {
          if (i !== pointer) {
            url.port = port === defaultPortOf(url.scheme) ? null : port;
            if (stateOverride) return url;
          }
          if (stateOverride) return null;
          state = PATH_START;
          pointer = i - 1;
        } else {
          return null;
        }
        break;
      }

      case FILE:
        url.scheme = "file";
        special = true;
        url.host = "";
        if (c === 0x2F || c === 0x5C) {
          state = FILE_SLASH;
        } else if (base !== null && base.scheme === "file") {
          url.host = base.host;
          url.path = copyList(base.path);
          url.query = base.query;
          if (c === 0x3F) {
            url.query = "";
            state = QUERY;
          } else if (c === 0x23) {
            url.fragment = "";
            state = FRAGMENT;
          } else if (c !== EOF) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(input, pointer)) {
              shortenPath(url);
            } else {
              url.path = newList();
            }
            state = PATH;
            pointer--;
          }
        } else {
          state = PATH;
          pointer--;
        }
        break;

      case FILE_SLASH:
        if (c === 0x2F || c === 0x5C) {
          state = FILE_HOST;
        } else {
          if (base !== null && base.scheme === "file") {
            url.host = base.host;
            if (!startsWithWindowsDriveLetter(input, pointer) && base.path.length > 0 &&
                isNormalizedWindowsDriveLetter(base.path[0])) {
              append(url.path, base.path[0]);
            }
          }
          state = PATH;
          pointer--;
        }
        break;

      case FILE_HOST: {
        let i = pointer;
        for (; i < len; i++) {
          const d = StringPrototypeCharCodeAt(input, i);
          if (d === 0x2F || d === 0x5C || d === 0x3F || d === 0x23) break;
        }
        const hostBuffer = StringPrototypeSlice(input, pointer, i);
        pointer = i - 1;
        if (!stateOverride && isWindowsDriveLetter(hostBuffer)) {
          // Windows drive letter quirk: the buffer is kept and used by the path state.
          buffer = hostBuffer;
          state = PATH;
        } else if (hostBuffer === "") {
          url.host = "";
          if (stateOverride) return url;
          state = PATH_START;
        } else {
          let host = parseHost(hostBuffer, !special);
          if (host === null) return null;
          if (host === "localhost") host = "";
          url.host = host;
          if (stateOverride) return url;
          state = PATH_START;
        }
        break;
      }

      case PATH_START:
        if (special) {
          state = PATH;
          if (c !== 0x2F && c !== 0x5C) pointer--;
        } else if (!stateOverride && c === 0x3F) {
          url.query = "";
          state = QUERY;
        } else if (!stateOverride && c === 0x23) {
          url.fragment = "";
          state = FRAGMENT;
        } else if (c !== EOF) {
          state = PATH;
          if (c !== 0x2F) pointer--;
        } else if (stateOverride && url.host === null) {
          append(url.path, "");
        }
        break;

      case PATH: {
        // Scan one segment up to its delimiter, then run the delimiter step.
        let i = pointer;
        for (; i < len; i++) {
          const d = StringPrototypeCharCodeAt(input, i);
          if (d === 0x2F || (special && d === 0x5C) || (!stateOverride && (d === 0x3F || d === 0x23))) break;
        }
        let segment = percentEncodeRange(input, pointer, i, SET_PATH);
        if (buffer !== "") {
          segment = buffer + segment;
          buffer = "";
        }
        const d = i < len ? StringPrototypeCharCodeAt(input, i) : EOF;
        const slash = d === 0x2F || (special && d === 0x5C);
        const path = url.path;
        if (isDoubleDotSegment(segment)) {
          shortenPath(url);
          if (!slash) append(path, "");
        } else if (isSingleDotSegment(segment)) {
          if (!slash) append(path, "");
        } else {
          if (url.scheme === "file" && path.length === 0 && isWindowsDriveLetter(segment)) {
            segment = segment[0] + ":";
          }
          append(path, segment);
        }
        if (d === 0x3F) {
          url.query = "";
          state = QUERY;
        } else if (d === 0x23) {
          url.fragment = "";
          state = FRAGMENT;
        }
        pointer = i;
        break;
      }

      case OPAQUE_PATH: {
        let i = pointer;
        for (; i < len; i++) {
          const d = StringPrototypeCharCodeAt(input, i);
          if (d === 0x3F || d === 0x23) break;
        }
        // A space directly followed by "?" or "#" is written as "%20" so that the opaque
        // path can never end in a space.
        if (i < len && i > pointer && StringPrototypeCharCodeAt(input, i - 1) === 0x20) {
          url.path += percentEncodeRange(input, pointer, i - 1, SET_C0) + "%20";
        } else {
          url.path += percentEncodeRange(input, pointer, i, SET_C0);
        }
        if (i < len) {
          if (StringPrototypeCharCodeAt(input, i) === 0x3F) {
            url.query = "";
            state = QUERY;
          } else {
            url.fragment = "";
            state = FRAGMENT;
          }
        }
        pointer = i;
        break;
      }

      case QUERY: {
        let i = pointer;
        if (!stateOverride) {
          for (; i < len; i++) {
            if (StringPrototypeCharCodeAt(input, i) === 0x23) break;
          }
        } else {
          i = len;
        }
        url.query += percentEncodeRange(input, pointer, i, special ? SET_SPECIAL_QUERY : SET_QUERY);
        if (i < len) {
          url.fragment = "";
          state = FRAGMENT;
        }
        pointer = i;
        break;
      }

      case FRAGMENT:
        url.fragment += percentEncodeRange(input, pointer, len, SET_FRAGMENT);
        pointer = len;
        break;
    }
    if (pointer >= len) break;
  }
  return url;
}

// ---------------------------------------------------------------------------------------
// Serializers

function serializePath(url) {
  const path = url.path;
  if (typeof path === "string") return path;
  const n = path.length;
  if (n === 0) return "";
  let out = "/" + path[0];
  for (let i = 1; i < n; i++) out += "/" + path[i]; // faster than join() for short lists
  return out;
}

function serializeURL(url, excludeFragment) {
  let out = url.scheme + ":";
  const host = url.host;
  if (host !== null) {
    out += "//";
    if (url.username !== "" || url.password !== "") {
      out += url.username;
      if (url.password !== "") out += ":" + url.password;
      out += "@";
    }
    out += host;
    if (url.port !== null) out += ":" + url.port;
  } else if (typeof url.path !== "string" && url.path.length > 1 && url.path[0] === "") {
    out += "/.";
  }
  out += serializePath(url);
  if (url.query !== null) out += "?" + url.query;
  if (!excludeFragment && url.fragment !== null) out += "#" + url.fragment;
  return out;
}

function serializeOrigin(url) {
  switch (url.scheme) {
    case "blob": {
      const pathURL = basicURLParse(serializePath(url), null, null, 0);
      if (pathURL !== null && (pathURL.scheme === "http" || pathURL.scheme === "https")) {
        return serializeOrigin(pathURL);
      }
      return "null";
    }
    case "ftp":
    case "http":
    case "https":
    case "ws":
    case "wss":
      return url.port === null
        ? url.scheme + "://" + url.host
        : url.scheme + "://" + url.host + ":" + url.port;
    default:
      return "null";
  }
}

// ---------------------------------------------------------------------------------------
// application/x-www-form-urlencoded

function decodeFormComponent(s, start, end, hasPercent, hasPlus) {
  if (hasPercent) return percentDecodeRange(s, start, end, true);
  const part = StringPrototypeSlice(s, start, end);
  if (!hasPlus) return part;
  let out = "";
  for (let i = 0; i < part.length; i++) out += StringPrototypeCharCodeAt(part, i) === 0x2B ? " " : part[i];
  return out;
}

// Parses a scalar value string into a list of [name, value] pairs.
function parseURLEncoded(input) {
  const list = [];
  const len = input.length;
  let start = 0;
  let eq = -1;
  let pctName = false;
  let plusName = false;
  let pctValue = false;
  let plusValue = false;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? StringPrototypeCharCodeAt(input, i) : 0x26;
    if (c === 0x26) {
      if (i > start) {
        if (eq === -1) {
          ArrayPrototypePush(list, [decodeFormComponent(input, start, i, pctName, plusName), ""]);
        } else {
          ArrayPrototypePush(list, [
            decodeFormComponent(input, start, eq, pctName, plusName),
            decodeFormComponent(input, eq + 1, i, pctValue, plusValue),
          ]);
        }
      }
      start = i + 1;
      eq = -1;
      pctName = plusName = pctValue = plusValue = false;
    } else if (c === 0x3D) {
      if (eq === -1) eq = i;
      // a later "=" is part of the value and needs no flag
    } else if (c === 0x25) {
      if (eq === -1) pctName = true;
      else pctValue = true;
    } else if (c === 0x2B) {
      if (eq === -1) plusName = true;
      else plusValue = true;
    }
  }
  return list;
}

function serializeURLEncoded(list) {
  let out = "";
  for (let i = 0; i < list.length; i++) {
    const pair = list[i];
    if (i > 0) out += "&";
    out += formEncode(pair[0]) + "=" + formEncode(pair[1]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Errors

function describeInput(s) {
  return s.length > 512 ? JSONStringify(StringPrototypeSlice(s, 0, 512)) + "…" : JSONStringify(s);
}

function invalidURLError(input, base) {
  return new TypeError(base === undefined
    ? `Invalid URL: ${describeInput(input)}`
    : `Invalid URL: ${describeInput(input)} with base ${describeInput(base)}`);
}

function requireArguments(actual, required, method, iface) {
  if (actual < required) {
    const what = method === null ? `Failed to construct '${iface}'` : `Failed to execute '${method}' on '${iface}'`;
    throw new TypeError(`${what}: ${required} argument${required === 1 ? "" : "s"} required, but only ${actual} present.`);
  }
}

// API URL parser: returns a URL record or null.
function apiURLParse(url, base) {
  let parsedBase = null;
  if (base !== undefined) {
    parsedBase = basicURLParse(base, null, null, 0);
    if (parsedBase === null) return null;
  }
  return basicURLParse(url, parsedBase, null, 0);
}

// ---------------------------------------------------------------------------------------
// URLSearchParams

// Module-private hooks, assigned in the classes' static blocks.
let createLinkedSearchParams; // (record) -> URLSearchParams linked to that URL record
let resetSearchParamsList;    // (params, list) -> void
let getSearchParamsList;      // (params) -> list
let isURLSearchParams;        // (value) -> boolean brand check (exported for fetch bodies)

const ITERATOR_KEYS = 0;
const ITERATOR_VALUES = 1;
const ITERATOR_ENTRIES = 2;
const ITERATOR_TOKEN = {};

// Web IDL "create a sequence from an iterable": no IteratorClose on abrupt completion.
function iterableToArray(object, method, convert) {
  const iterator = method.call(object);
  if (iterator === null || (typeof iterator !== "object" && typeof iterator !== "function")) {
    throw new TypeError("Result of the Symbol.iterator method is not an object");
  }
  const next = iterator.next;
  const out = [];
  for (;;) {
    const result = next.call(iterator);
    if (result === null || (typeof result !== "object" && typeof result !== "function")) {
      throw new TypeError(`Iterator result ${result} is not an object`);
    }
    if (result.done) return out;
    out.push(convert(result.value));
  }
}

class URLSearchParams {
  #list = [];
  #url = null; // the linked URL record, or null

  constructor(init = undefined) {
    if (init === undefined) return;
    if (init !== null && (typeof init === "object" || typeof init === "function")) {
      const method = init[Symbol.iterator];
      if (method !== undefined && method !== null) {
        if (typeof method !== "function") {
          throw new TypeError("Failed to construct 'URLSearchParams': The provided value is not iterable.");
        }
        // sequence<sequence<USVString>>
        const pairs = iterableToArray(init, method, (inner) => {
          if (inner === null || (typeof inner !== "object" && typeof inner !== "function")) {
            throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          }
          const innerMethod = inner[Symbol.iterator];
          if (typeof innerMethod !== "function") {
            throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          }
          return iterableToArray(inner, innerMethod, toUSVString);
        });
        for (let i = 0; i < pairs.length; i++) {
          if (pairs[i].length !== 2) {
            throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
          }
        }
        this.#list = pairs;
        return;
      }
      // record<USVString, USVString>
      const record = new Map();
      const keys = Reflect.ownKeys(init);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const desc = Reflect.getOwnPropertyDescriptor(init, key);
        if (desc !== undefined && desc.enumerable) {
          const typedKey = toUSVString(key);
          record.set(typedKey, toUSVString(init[key]));
        }
      }
      const list = [];
      for (const entry of record) list.push(entry);
      this.#list = list;
      return;
    }
    let s = toUSVString(init);
    if (s.charCodeAt(0) === 0x3F) s = s.slice(1);
    this.#list = parseURLEncoded(s);
  }

  #update() {
    const url = this.#url;
    if (url === null) return;
    const serialized = serializeURLEncoded(this.#list);
    url.query = serialized === "" ? null : serialized;
  }

  get size() {
    return this.#list.length;
  }

  append(name, value) {
    requireArguments(arguments.length, 2, "append", "URLSearchParams");
    this.#list.push([toUSVString(name), toUSVString(value)]);
    this.#update();
  }

  delete(name, value = undefined) {
    requireArguments(arguments.length, 1, "delete", "URLSearchParams");
    name = toUSVString(name);
    const list = this.#list;
    let j = 0;
    if (value !== undefined) {
      value = toUSVString(value);
      for (let i = 0; i < list.length; i++) {
        const pair = list[i];
        if (pair[0] !== name || pair[1] !== value) list[j++] = pair;
      }
    } else {
      for (let i = 0; i < list.length; i++) {
        const pair = list[i];
        if (pair[0] !== name) list[j++] = pair;
      }
    }
    list.length = j;
    this.#update();
  }

  get(name) {
    requireArguments(arguments.length, 1, "get", "URLSearchParams");
    name = toUSVString(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) return list[i][1];
    }
    return null;
  }

  getAll(name) {
    requireArguments(arguments.length, 1, "getAll", "URLSearchParams");
    name = toUSVString(name);
    const list = this.#list;
    const out = [];
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) out.push(list[i][1]);
    }
    return out;
  }

  has(name, value = undefined) {
    requireArguments(arguments.length, 1, "has", "URLSearchParams");
    name = toUSVString(name);
    const list = this.#list;
    if (value !== undefined) {
      value = toUSVString(value);
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] === name && list[i][1] === value) return true;
      }
      return false;
    }
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === name) return true;
    }
    return false;
  }

  set(name, value) {
    requireArguments(arguments.length, 2, "set", "URLSearchParams");
    name = toUSVString(name);
    value = toUSVString(value);
    const list = this.#list;
    let found = false;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      if (pair[0] === name) {
        if (found) continue;
        found = true;
        list[j++] = [name, value];
      } else {
        list[j++] = pair;
      }
    }
    list.length = j;
    if (!found) list.push([name, value]);
    this.#update();
  }

  sort() {
    // Array.prototype.sort is stable; names compare by UTF-16 code units.
    this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.#update();
  }

  forEach(callback, thisArg = undefined) {
    requireArguments(arguments.length, 1, "forEach", "URLSearchParams");
    if (typeof callback !== "function") {
      throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': The callback provided as parameter 1 is not a function.");
    }
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const pair = list[i];
      callback.call(thisArg, pair[1], pair[0], this);
    }
  }

  entries() {
    this.#list; // brand check
    return new URLSearchParamsIterator(ITERATOR_TOKEN, this, ITERATOR_ENTRIES);
  }

  keys() {
    this.#list; // brand check
    return new URLSearchParamsIterator(ITERATOR_TOKEN, this, ITERATOR_KEYS);
  }

  values() {
    this.#list; // brand check
    return new URLSearchParamsIterator(ITERATOR_TOKEN, this, ITERATOR_VALUES);
  }

  toString() {
    return serializeURLEncoded(this.#list);
  }

  static {
    createLinkedSearchParams = (record) => {
      const params = new URLSearchParams();
      params.#url = record;
      params.#list = record.query === null ? [] : parseURLEncoded(record.query);
      return params;
    };
    resetSearchParamsList = (params, list) => {
      params.#list = list;
    };
    getSearchParamsList = (params) => params.#list;
    isURLSearchParams = (value) =>
      value !== null && typeof value === "object" && #list in value;
  }
}

class URLSearchParamsIterator {
  #params;
  #kind;
  #index = 0;

  constructor(token, params, kind) {
    if (token !== ITERATOR_TOKEN) throw new TypeError("Illegal constructor");
    this.#params = params;
    this.#kind = kind;
  }

  next() {
    const list = getSearchParamsList(this.#params);
    const index = this.#index;
    if (index >= list.length) return { value: undefined, done: true };
    this.#index = index + 1;
    const pair = list[index];
    const kind = this.#kind;
    const value = kind === ITERATOR_KEYS ? pair[0] : kind === ITERATOR_VALUES ? pair[1] : [pair[0], pair[1]];
    return { value, done: false };
  }
}

// ---------------------------------------------------------------------------------------
// URL

const FROM_RECORD_TOKEN = {};

class URL {
  #url;                 // URL record (never replaced; the href setter copies into it)
  #searchParams = null; // URLSearchParams, created on first access

  constructor(url, base = undefined) {
    if (url === FROM_RECORD_TOKEN) {
      // Internal path used by URL.parse: `base` is an already parsed URL record.
      this.#url = base;
      return;
    }
    requireArguments(arguments.length, 1, null, "URL");
    url = `${url}`;
    if (base !== undefined) base = `${base}`;
    const record = apiURLParse(url, base);
    if (record === null) throw invalidURLError(url, base);
    this.#url = record;
  }

  static parse(url, base = undefined) {
    requireArguments(arguments.length, 1, "parse", "URL");
    url = `${url}`;
    if (base !== undefined) base = `${base}`;
    const record = apiURLParse(url, base);
    if (record === null) return null;
    return new URL(FROM_RECORD_TOKEN, record);
  }

  static canParse(url, base = undefined) {
    requireArguments(arguments.length, 1, "canParse", "URL");
    url = `${url}`;
    if (base !== undefined) base = `${base}`;
    return apiURLParse(url, base) !== null;
  }

  get href() {
    return serializeURL(this.#url, false);
  }

  set href(value) {
    value = `${value}`;
    const record = basicURLParse(value, null, null, 0);
    if (record === null) throw invalidURLError(value, undefined);
    copyURLRecord(this.#url, record);
    const params = this.#searchParams;
    if (params !== null) {
      resetSearchParamsList(params, record.query === null ? [] : parseURLEncoded(record.query));
    }
  }

  get origin() {
    return serializeOrigin(this.#url);
  }

  get protocol() {
    return this.#url.scheme + ":";
  }

  set protocol(value) {
    value = `${value}`;
    basicURLParse(value + ":", null, this.#url, SCHEME_START);
  }

  get username() {
    return this.#url.username;
  }

  set username(value) {
    value = `${value}`;
    const url = this.#url;
    if (cannotHaveUsernamePasswordPort(url)) return;
    url.username = percentEncodeString(value, SET_USERINFO);
  }

  get password() {
    return this.#url.password;
  }

  set password(value) {
    value = `${value}`;
    const url = this.#url;
    if (cannotHaveUsernamePasswordPort(url)) return;
    url.password = percentEncodeString(value, SET_USERINFO);
  }

  get host() {
    const url = this.#url;
    if (url.host === null) return "";
    if (url.port === null) return url.host;
    return url.host + ":" + url.port;
  }

  set host(value) {
    value = `${value}`;
    const url = this.#url;
    if (hasOpaquePath(url)) return;
    basicURLParse(value, null, url, HOST);
  }

  get hostname() {
    const host = this.#url.host;
    return host === null ? "" : host;
  }

  set hostname(value) {
    value = `${value}`;
    const url = this.#url;
    if (hasOpaquePath(url)) return;
    basicURLParse(value, null, url, HOSTNAME);
  }

  get port() {
    const port = this.#url.port;
    return port === null ? "" : "" + port;
  }

  set port(value) {
    value = `${value}`;
    const url = this.#url;
    if (cannotHaveUsernamePasswordPort(url)) return;
    if (value === "") {
      url.port = null;
    } else {
      basicURLParse(value, null, url, PORT);
    }
  }

  get pathname() {
    return serializePath(this.#url);
  }

  set pathname(value) {
    value = `${value}`;
    const url = this.#url;
    if (hasOpaquePath(url)) return;
    url.path = newList();
    basicURLParse(value, null, url, PATH_START);
  }

  get search() {
    const query = this.#url.query;
    return query === null || query === "" ? "" : "?" + query;
  }

  set search(value) {
    value = `${value}`;
    const url = this.#url;
    const params = this.#searchParams;
    if (value === "") {
      url.query = null;
      if (params !== null) resetSearchParamsList(params, []);
      return;
    }
    const input = value.charCodeAt(0) === 0x3F ? value.slice(1) : value;
    url.query = "";
    basicURLParse(input, null, url, QUERY);
    if (params !== null) resetSearchParamsList(params, parseURLEncoded(toScalarValueString(input)));
  }

  get searchParams() {
    let params = this.#searchParams;
    if (params === null) {
      params = createLinkedSearchParams(this.#url);
      this.#searchParams = params;
    }
    return params;
  }

  get hash() {
    const fragment = this.#url.fragment;
    return fragment === null || fragment === "" ? "" : "#" + fragment;
  }

  set hash(value) {
    value = `${value}`;
    const url = this.#url;
    if (value === "") {
      url.fragment = null;
      return;
    }
    const input = value.charCodeAt(0) === 0x23 ? value.slice(1) : value;
    url.fragment = "";
    basicURLParse(input, null, url, FRAGMENT);
  }

  toString() {
    return serializeURL(this.#url, false);
  }

  toJSON() {
    return serializeURL(this.#url, false);
  }

}

// ---------------------------------------------------------------------------------------
// Web IDL-style property shapes

function makeIDLMembersEnumerable(proto, names) {
  for (let i = 0; i < names.length; i++) {
    const desc = Object.getOwnPropertyDescriptor(proto, names[i]);
    desc.enumerable = true;
    Object.defineProperty(proto, names[i], desc);
  }
}

makeIDLMembersEnumerable(URL.prototype, [
  "href", "origin", "protocol", "username", "password", "host", "hostname", "port",
  "pathname", "search", "searchParams", "hash", "toString", "toJSON",
]);
makeIDLMembersEnumerable(URL, ["parse", "canParse"]);
makeIDLMembersEnumerable(URLSearchParams.prototype, [
  "size", "append", "delete", "get", "getAll", "has", "set", "sort", "forEach",
  "entries", "keys", "values", "toString",
]);

Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: "URL", configurable: true });
Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, {
  value: "URLSearchParams",
  configurable: true,
});
Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
  value: URLSearchParams.prototype.entries,
  writable: true,
  configurable: true,
});

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
Object.setPrototypeOf(URLSearchParamsIterator.prototype, IteratorPrototype);
delete URLSearchParamsIterator.prototype.constructor;
makeIDLMembersEnumerable(URLSearchParamsIterator.prototype, ["next"]);
Object.defineProperty(URLSearchParamsIterator.prototype, Symbol.toStringTag, {
  value: "URLSearchParams Iterator",
  configurable: true,
});

// ---------------------------------------------------------------------------------------
// Exports

internals.URL = URL;
internals.URLSearchParams = URLSearchParams;
// Brand check that cannot be fooled by prototype tricks (used by 30_fetch.js body extraction).
internals.isURLSearchParams = isURLSearchParams;
// Web IDL's USVString conversion, for the classes of later files (File's name).
internals.toUSVString = toUSVString;
// The application/x-www-form-urlencoded parser and a URLSearchParams' serialization, for bodies
// (30_fetch.js, 29_formdata.js): not through URLSearchParams.prototype.toString, which a worker can replace.
internals.urlencoded = Object.freeze({
  __proto__: null,
  /// A scalar value string into a list of [name, value] pairs.
  parse: parseURLEncoded,
  serialize: (params) => serializeURLEncoded(getSearchParamsList(params)),
});
// The parser's pieces that URLPattern's canonicalize steps use (web/22_urlpattern.js): URL records,
// the basic URL parser with a state override, and the userinfo percent-encode set.
internals.urlRecords = Object.freeze({
  /// The basic URL parser: a new record, or null on failure (`base` is a record or null).
  parse: (input, base) => basicURLParse(input, base, null, 0),
  /// The basic URL parser run on `record` with a state override; null on failure.
  parseWithState: (input, record, state) => basicURLParse(input, null, record, state),
  states: Object.freeze({ HOSTNAME, PORT, PATH_START, OPAQUE_PATH, QUERY, FRAGMENT }),
  /// An empty path list for a record (the parser's lists have no prototype).
  newPath: newList,
  serializePath,
  isSpecialScheme,
  defaultPortOf,
  /// "Set the username / password": UTF-8 percent-encode with the userinfo set.
  encodeUserinfo: (value) => percentEncodeString(value, SET_USERINFO),
});
internals.defineGlobal("URL", URL);
internals.defineGlobal("URLSearchParams", URLSearchParams);
