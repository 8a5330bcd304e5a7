// Rendering, parsing and generation of fuzz programs (see program.h).
#include "program.h"

#include <cstdio>
#include <cstring>

namespace fuzz {

// MARK: - Text format

namespace {

const char *KindName(cv8_module_kind kind) {
  switch (kind) {
    case CV8_MODULE_ESM: return "esm";
    case CV8_MODULE_TEXT: return "text";
    case CV8_MODULE_DATA: return "data";
    case CV8_MODULE_JSON: return "json";
    case CV8_MODULE_WASM: return "wasm";
    case CV8_MODULE_COMMONJS: return "commonjs";
  }
  return "esm";
}

bool KindFromName(const std::string &name, cv8_module_kind *kind) {
  static const cv8_module_kind all[] = {CV8_MODULE_ESM,  CV8_MODULE_TEXT, CV8_MODULE_DATA,
                                        CV8_MODULE_JSON, CV8_MODULE_WASM, CV8_MODULE_COMMONJS};
  for (cv8_module_kind k : all) {
    if (name == KindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

const char *ModeName(Mode mode) {
  switch (mode) {
    case Mode::eval: return "eval";
    case Mode::module: return "module";
    case Mode::script: return "script";
  }
  return "eval";
}

/// Quoted with \\, \" and \xHH for anything outside printable ASCII.
std::string Quote(const std::string &bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out + "\"";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Reads a quoted string at `text[*at]`; advances past it.
bool Unquote(const std::string &text, size_t *at, std::string *out) {
  size_t i = *at;
  if (i >= text.size() || text[i] != '"') return false;
  i++;
  out->clear();
  while (i < text.size() && text[i] != '"') {
    char c = text[i++];
    if (c != '\\') {
      *out += c;
      continue;
    }
    if (i >= text.size()) return false;
    char e = text[i++];
    if (e == 'x') {
      if (i + 2 > text.size() || HexValue(text[i]) < 0 || HexValue(text[i + 1]) < 0) return false;
      *out += static_cast<char>(HexValue(text[i]) * 16 + HexValue(text[i + 1]));
      i += 2;
    } else {
      *out += e;
    }
  }
  if (i >= text.size()) return false;
  *at = i + 1;
  return true;
}

std::string Hex(const std::string &bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); i++) {
    char hex[3];
    snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(bytes[i]));
    out += hex;
    if (i % 48 == 47 && i + 1 < bytes.size()) out += '\n';
  }
  return out;
}

std::string Unhex(const std::string &text) {
  std::string out;
  int high = -1;
  for (char c : text) {
    int v = HexValue(c);
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out += static_cast<char>(high * 16 + v);
      high = -1;
    }
  }
  return out;
}

/// Whether `s` is `count` copies of a short `unit` (huge generated fields print compactly).
bool Repetition(const std::string &s, size_t *count, std::string *unit) {
  for (size_t u = 1; u <= 8 && u <= s.size(); u++) {
    if (s.size() % u != 0 || s.size() / u < 16) continue;
    bool same = true;
    for (size_t i = u; i < s.size() && same; i += u) same = s.compare(i, u, s, 0, u) == 0;
    if (same) {
      *count = s.size() / u;
      *unit = s.substr(0, u);
      return true;
    }
  }
  return false;
}

/// A field: "quoted", or *N"unit" for N copies of unit.
std::string Field(const std::string &s) {
  size_t count;
  std::string unit;
  if (Repetition(s, &count, &unit)) return "*" + std::to_string(count) + Quote(unit);
  return Quote(s);
}

bool ParseField(const std::string &text, size_t *at, std::string *out) {
  if (*at < text.size() && text[*at] == '*') {
    size_t i = *at + 1;
    size_t count = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') count = count * 10 + static_cast<size_t>(text[i++] - '0');
    std::string unit;
    if (count > (1u << 26) || !Unquote(text, &i, &unit)) return false;
    out->clear();
    for (size_t k = 0; k < count; k++) *out += unit;
    *at = i;
    return true;
  }
  return Unquote(text, at, out);
}

/// Whether `content` can be shown as is between directive lines: valid UTF-8 text without
/// control characters (other than tab and newline) and without directive lines.
bool Printable(const std::string &content) {
  if (content.find("//@") != std::string::npos) return false;
  size_t i = 0;
  while (i < content.size()) {
    unsigned char c = static_cast<unsigned char>(content[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\n' && c != '\t') return false;
      if (c == 0x7f) return false;
      i++;
      continue;
    }
    size_t need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    if (c < 0xc2 || c > 0xf4 || i + need >= content.size()) return false;
    for (size_t k = 1; k <= need; k++) {
      if ((static_cast<unsigned char>(content[i + k]) & 0xc0) != 0x80) return false;
    }
    i += need + 1;
  }
  return true;
}

/// Reads `key=value` or `key="quoted"` attributes.
bool Attributes(const std::string &line, size_t start, std::vector<std::pair<std::string, std::string>> *out,
                std::vector<bool> *quoted) {
  size_t i = start;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') i++;
    if (i >= line.size()) break;
    size_t eq = line.find('=', i);
    if (eq == std::string::npos) return false;
    std::string key = line.substr(i, eq - i);
    i = eq + 1;
    std::string value;
    bool q = i < line.size() && (line[i] == '"' || line[i] == '*');
    if (q) {
      if (!ParseField(line, &i, &value)) return false;
    } else {
      size_t end = line.find(' ', i);
      if (end == std::string::npos) end = line.size();
      value = line.substr(i, end - i);
      i = end;
    }
    out->emplace_back(key, value);
    quoted->push_back(q);
  }
  return true;
}

}  // namespace

std::string Render(const Program &p) {
  std::string out = "//@fuzz mode=" + std::string(ModeName(p.mode)) + " heap=" + std::to_string(p.heap_mb) +
                    " terminate=" + std::to_string(p.terminate_at) + " fail=" + std::to_string(p.fail_at) +
                    " memcheck=" + std::to_string(p.memcheck_at) + " watchdog=" + std::to_string(p.watchdog_ms) +
                    " ops=" + (p.expose_ops ? "1" : "0") + " polls=" + std::to_string(p.polls) + "\n";
  if (p.set_env) out += "//@env " + Quote(p.env_json) + "\n";
  for (const ModuleSpec &m : p.modules) {
    size_t count;
    std::string unit;
    bool printable = Printable(m.content) && m.kind != CV8_MODULE_WASM && m.kind != CV8_MODULE_DATA;
    if (Repetition(m.content, &count, &unit)) {
      out += "//@module " + Quote(m.name) + " " + KindName(m.kind) + " repeat\n" + Field(m.content) + "\n";
    } else {
      out += "//@module " + Quote(m.name) + " " + KindName(m.kind) + (printable ? "" : " hex") + "\n";
      out += printable ? m.content : Hex(m.content);
      out += "\n";
    }
  }
  out += "//@source " + Quote(p.source_name) + "\n";
  if (p.mode != Mode::module) out += p.source + "\n";
  for (const RequestSpec &r : p.requests) {
    out += "//@request method=" + Field(r.method) + " url=" + Field(r.url) + " headers=" + Field(r.headers) +
           " body=" + (r.has_body ? Field(r.body) : std::string("none")) + " cf=" + Field(r.cf) + "\n";
  }
  return out;
}

bool Parse(const std::string &text, Program *p) {
  *p = Program();
  // Split into directive lines and the content that follows each.
  struct Section {
    std::string directive;
    std::string content;
  };
  std::vector<Section> sections;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find('\n', i);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(i, end - i);
    if (line.rfind("//@", 0) == 0) {
      sections.push_back({line, ""});
    } else if (!sections.empty()) {
      sections.back().content += line;
      sections.back().content += '\n';
    }
    i = end + 1;
  }
  if (sections.empty() || sections[0].directive.rfind("//@fuzz", 0) != 0) return false;
  for (Section &s : sections) {
    // Every section's content ends with the newline the renderer adds.
    if (!s.content.empty() && s.content.back() == '\n') s.content.pop_back();
    const std::string &d = s.directive;
    if (d.rfind("//@fuzz", 0) == 0) {
      std::vector<std::pair<std::string, std::string>> attrs;
      std::vector<bool> quoted;
      if (!Attributes(d, 7, &attrs, &quoted)) return false;
      for (auto &a : attrs) {
        int n = atoi(a.second.c_str());
        if (a.first == "mode") {
          if (a.second == "eval") p->mode = Mode::eval;
          else if (a.second == "module") p->mode = Mode::module;
          else if (a.second == "script") p->mode = Mode::script;
          else return false;
        } else if (a.first == "heap") p->heap_mb = n;
        else if (a.first == "terminate") p->terminate_at = n;
        else if (a.first == "fail") p->fail_at = n;
        else if (a.first == "memcheck") p->memcheck_at = n;
        else if (a.first == "watchdog") p->watchdog_ms = n;
        else if (a.first == "ops") p->expose_ops = n != 0;
        else if (a.first == "polls") p->polls = n;
        else return false;
      }
    } else if (d.rfind("//@env ", 0) == 0) {
      size_t at = 7;
      p->set_env = true;
      if (!Unquote(d, &at, &p->env_json)) return false;
    } else if (d.rfind("//@module ", 0) == 0) {
      ModuleSpec m;
      size_t at = 10;
      if (!Unquote(d, &at, &m.name)) return false;
      std::string rest = d.substr(at);
      while (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      std::string flag;
      size_t space = rest.find(' ');
      if (space != std::string::npos) {
        flag = rest.substr(space + 1);
        rest = rest.substr(0, space);
      }
      if (!KindFromName(rest, &m.kind)) return false;
      if (flag == "hex") {
        m.content = Unhex(s.content);
      } else if (flag == "repeat") {
        size_t field_at = 0;
        if (!ParseField(s.content, &field_at, &m.content)) return false;
      } else if (flag.empty()) {
        m.content = s.content;
      } else {
        return false;
      }
      p->modules.push_back(m);
    } else if (d.rfind("//@source ", 0) == 0) {
      size_t at = 10;
      if (!Unquote(d, &at, &p->source_name)) return false;
      p->source = s.content;
    } else if (d.rfind("//@request", 0) == 0) {
      std::vector<std::pair<std::string, std::string>> attrs;
      std::vector<bool> quoted;
      if (!Attributes(d, 10, &attrs, &quoted)) return false;
      RequestSpec r;
      for (size_t k = 0; k < attrs.size(); k++) {
        auto &a = attrs[k];
        if (a.first == "method") r.method = a.second;
        else if (a.first == "url") r.url = a.second;
        else if (a.first == "headers") r.headers = a.second;
        else if (a.first == "cf") r.cf = a.second;
        else if (a.first == "body") {
          r.has_body = quoted[k];
          r.body = quoted[k] ? a.second : "";
        } else return false;
      }
      p->requests.push_back(r);
    } else {
      return false;
    }
  }
  return true;
}

// MARK: - Generation

namespace {

using namespace std::string_literals;

/// Turns fuzzer bytes into choices. An exhausted input answers 0, so every choice lists its
/// simplest alternative first and short inputs make short programs.
class Reader {
 public:
  Reader(const uint8_t *data, size_t size) : data_(data), size_(size) {}
  bool more() const { return at_ < size_; }
  uint32_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  uint32_t pick(uint32_t count) {
    if (count <= 1) return 0;
    if (count <= 256) return byte() % count;
    uint32_t v = byte();
    v |= byte() << 8;
    return v % count;
  }
  template <size_t N>
  const char *from(const char *const (&items)[N]) {
    return items[pick(N)];
  }

 private:
  const uint8_t *data_;
  size_t size_;
  size_t at_ = 0;
};

const char *const kStrings[] = {
    "\"hi\"", "\"\"", "\"\\ud800\"", "\"\\udc00\\ud800x\"", "\"a\\u0000b\"", "\"\\u00ff\\u0100\"", "\"xn--\"",
    "\"xn--zz.com\"", "\"B\\u00fccher.example\"", "\"\\uff21\\uff22.com\"", "\"a..b\"", "\"%41%ff\"",
    "\"\\ufeffbom\"", "\"\\u{10ffff}\"", "\"\\u200d.\\u200c\"", "\"[::1]\"", "\"\\u0661.\\u0662\"",
    "\"xn--ls8h\"", "\"\\ud83d\\ude00\"", "\"\\u0300a\"", "\"http://\\u00e9.com/\"", "\"\\t\\n\\r\"",
    "\"\\u00df.de\"", "\"a\\ud800b\\udfffc\"",
};

const char *const kRepeatUnits[] = {"\"x\"", "\"\\u4e00\"", "\"\\ud800\"", "\"\\u00e9\"", "\"ab\\ud83d\\ude00\""};
const char *const kRepeatCounts[] = {"7", "1024", "65536", "1 << 20"};
/// Rarely chosen. Longer strings are left out: a non-interruptible builtin that copies one
/// (JSON.stringify of 64 M code units in a 16 MB isolate, or of V8's longest string in a 128 MB
/// one) outgrows the heap limit and V8 aborts the process, which swamps every other finding
/// (see Fuzz/README.md, "Known crashes").
const char *const kHugeRepeatCounts[] = {"1 << 21", "1 << 22"};

const char *const kNumbers[] = {"0",      "-0",    "1",        "-1",           "NaN",     "Infinity", "2 ** 31",
                                "2 ** 32", "2 ** 53", "-(2 ** 31)", "1e308",     "0.5",     "255",      "65536",
                                "4294967295", "-Infinity", "2 ** 31 - 1"};

const char *const kPlain[] = {
    "null", "undefined", "true", "Symbol(\"s\")", "1n", "globalThis", "[]", "{}", "Object.create(null)",
    "() => 1", "new Error(\"e\")", "new Date(NaN)", "/re/g", "new WeakMap()", "Promise.resolve(1)",
    "new Promise(() => {})", "new Map([[1, 2]])", "new Set([1])", "Math", "JSON", "new ArrayBuffer(8)",
    "new ArrayBuffer(0)", "new Uint8Array(8)", "new Uint8Array(0)", "new Uint16Array([0xd800, 0x41])",
    "new Float64Array(2)", "new DataView(new ArrayBuffer(4))", "new BigInt64Array(1)", "__detached()",
    "__detachedBuffer()", "__wview(1, 8)", "__wmem.buffer", "new Uint8Array(__wmem.buffer)",
    "new Uint8Array(new ArrayBuffer(16), 3, 5)", "new Uint8Array([0xef, 0xbb, 0xbf, 0x41])",
    "new Uint8Array([0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc0, 0x80, 0xf4, 0x90, 0x80, 0x80])", "new Uint8Array([0xe0])",
    "new Uint8Array([0xf0, 0x9f, 0x98])", "new Response(\"r\")", "new Headers({ a: \"b\" })",
    "new URL(\"http://x/\")", "__enc", "crypto", "new Proxy([], {})", "__revoked()", "__cyclic()",
    "__deep(10)", "__deep(100000)", "__deepObj(100000)", "typeof SharedArrayBuffer === \"function\" ? new SharedArrayBuffer(8) : 0",
    "new WebAssembly.Memory({ initial: 1 })", "Object(Symbol())", "new Number(1)", "new String(\"boxed\")",
    "function () {}", "class {}", "Symbol.iterator", "new Uint8ClampedArray(3)", "new Int32Array(__wmem.buffer, 4, 2)",
    "new Request(\"http://r/\")", "Response.error()", "new TextDecoder()", "[1, , 3]", "Array(5)",
    "new Uint8Array(new WebAssembly.Memory({ initial: 0 }).buffer)",
};

const char *const kTargets[] = {
    "Object.prototype", "Array.prototype", "Error.prototype", "Promise.prototype", "Function.prototype",
    "String.prototype", "Uint8Array.prototype", "Object.getPrototypeOf(Uint8Array.prototype)",
    "ArrayBuffer.prototype", "Symbol.prototype", "Map.prototype", "globalThis", "Promise", "Array", "Object",
    "JSON", "Reflect", "Error", "Response.prototype", "Headers.prototype", "Request.prototype",
    "TextEncoder.prototype", "TextDecoder.prototype", "URL.prototype", "TypeError.prototype", "RangeError.prototype",
    "Number.prototype", "Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))",
    "WebAssembly.Memory.prototype", "console", "crypto", "Symbol", "Set.prototype", "DataView.prototype",
    "SyntaxError.prototype", "ReferenceError.prototype", "WebAssembly.Module.prototype", "Boolean.prototype",
};

const char *const kKeys[] = {
    "\"0\"", "\"1\"", "\"2\"", "\"length\"", "\"then\"", "\"constructor\"", "\"name\"", "\"message\"", "\"stack\"",
    "\"toString\"", "\"valueOf\"", "\"toJSON\"", "\"done\"", "\"value\"", "\"next\"", "\"default\"", "\"exports\"",
    "\"status\"", "\"statusText\"", "\"headers\"", "\"body\"", "\"get\"", "\"set\"", "\"byteLength\"",
    "\"byteOffset\"", "\"buffer\"", "\"apply\"", "\"call\"", "\"prototype\"", "\"__proto__\"", "\"fetch\"",
    "\"catch\"", "\"finally\"", "\"read\"", "\"written\"", "\"url\"", "\"method\"", "Symbol.iterator",
    "Symbol.toPrimitive", "Symbol.toStringTag", "Symbol.species", "Symbol.hasInstance", "\"prepareStackTrace\"",
    "\"stackTraceLimit\"", "\"captureStackTrace\"", "\"cause\"", "\"resolve\"", "\"reject\"", "\"push\"",
    "\"join\"", "\"slice\"", "\"map\"", "\"includes\"", "\"indexOf\"", "\"charCodeAt\"", "\"3\"", "\"4294967294\"",
    "\"a\"", "\"self\"", "\"list\"", "\"o\"",
};

/// Specifiers; the module names below are what they resolve to.
const char *const kSpecifiers[] = {
    "\"./a.js\"", "\"./lib/b.js\"", "\"./c.cjs\"", "\"./d.json\"", "\"./e.txt\"", "\"./f.bin\"", "\"./g.wasm\"",
    "\"./lib/h.cjs\"", "\"./worker.js\"", "\"../a.js\"", "\"/a.js\"", "\"a.js\"", "\"./missing.js\"", "\"\"",
    "\".\"", "\"./lib/../c.cjs\"", "\"./lib/\"", "\"node:buffer\"", "\"./h.cjs\"", "\"../../../a.js\"",
    "\"./\\u0000\"", "\"./a.js?x\"", "\"fuzz.js\"",
};

const char *const kModuleNames[] = {"a.js",  "lib/b.js", "c.cjs",     "d.json",  "e.txt",
                                    "f.bin", "g.wasm",   "lib/h.cjs", "worker.js"};
const cv8_module_kind kNaturalKinds[] = {CV8_MODULE_ESM,  CV8_MODULE_ESM,      CV8_MODULE_COMMONJS,
                                         CV8_MODULE_JSON, CV8_MODULE_TEXT,     CV8_MODULE_DATA,
                                         CV8_MODULE_WASM, CV8_MODULE_COMMONJS, CV8_MODULE_ESM};

const char *const kJSON[] = {
    "{\"a\": 1}", "{", "\"\\ud800\"", "[]", "null", "1e999", "{\"__proto__\": {\"polluted\": 1}}", "",
    "{\"a\": [1, 2, {\"b\": \"\\u0000\"}]}", "[1,]", "\"x\"",
};

// (std::string literals, so that embedded NULs count.)
const std::string kWasm[] = {
    // An empty module; a module exporting a memory; bad version; truncated; garbage.
    "\x00\x61\x73\x6d\x01\x00\x00\x00"s,
    "\x00\x61\x73\x6d\x01\x00\x00\x00\x05\x03\x01\x00\x01\x07\x07\x01\x03mem\x02\x00"s,
    "\x00\x61\x73\x6d\x02\x00\x00\x00"s,
    "\x00\x61\x73\x6d\x01"s,
    "not wasm at all"s,
    // A function `() -> i32 { loop br 0 }` (spins) exported as "f".
    "\x00\x61\x73\x6d\x01\x00\x00\x00\x01\x05\x01\x60\x00\x01\x7f\x03\x02\x01\x00\x07\x05\x01\x01"
    "f\x00\x00\x0a\x09\x01\x07\x00\x03\x40\x0c\x00\x0b\x00\x0b"s,
};

const std::string kBytes[] = {"hello"s, ""s, "\xff\xfe\xfd"s, "\xed\xa0\x80"s, "\xef\xbb\xbf" "bom"s, "a\x00" "b"s,
                              "\xc0\x80"s, "\xf4\x90\x80\x80"s, "\xe2\x82"s};

/// Handler statements name `request`, `env` and `ctx`, as in a module worker's fetch().
const char kScriptHandlerNames[] = "  const request = event.request, env = {}, ctx = event;\n";

class Generator {
 public:
  explicit Generator(Reader &r) : r_(r) {}

  Program Make() {
    Program p;
    p.mode = static_cast<Mode>(r_.pick(3));
    uint32_t flags = r_.byte();
    p.expose_ops = flags & 1;
    p.heap_mb = (flags & 6) == 6 ? 16 : 128;
    p.polls = 1 + ((flags >> 3) & 3);
    p.watchdog_ms = (flags & 0x20) && (flags & 0x40) ? 20 : 1000;
    uint32_t t = r_.byte();
    p.terminate_at = t >= 224 ? static_cast<int>(t - 223) : 0;
    uint32_t f = r_.byte();
    p.fail_at = f >= 240 ? static_cast<int>(f - 239) : 0;
    p.memcheck_at = (flags & 0x80) ? 1 + static_cast<int>(r_.pick(4)) : 0;
    expose_ops_ = p.expose_ops;

    std::vector<std::string> prelude, top, handler;
    std::string handler_expr, response;
    bool async_handler = r_.pick(2) == 0;
    int commands = 0;
    while (r_.more() && commands++ < 40) {
      switch (r_.pick(9)) {
        case 0:
        case 1: top.push_back(Statement(2, false)); break;
        case 2: prelude.push_back(Pollution(2)); break;
        case 3: AddModule(&p); break;
        case 4: p.requests.push_back(Request()); break;
        case 5:
        case 6: handler.push_back(HandlerStatement(async_handler)); break;
        case 7: response = Response(2); break;
        case 8:
          if (r_.pick(4) == 0) {
            p.set_env = true;
            p.env_json = r_.from(kJSON);
          } else {
            top.push_back(Pollution(2));
          }
          break;
      }
    }
    if (response.empty()) response = "new Response(\"ok\")";
    if (p.requests.empty() && p.mode != Mode::eval) p.requests.push_back(RequestSpec());

    std::string body;
    for (const std::string &s : prelude) body += Wrap(s);
    for (const std::string &s : top) body += Wrap(s);
    std::string handler_body;
    for (const std::string &s : handler) handler_body += "    " + Wrap(s);
    handler_body += "    return " + response + ";\n";
    switch (p.mode) {
      case Mode::eval:
        p.source_name = "fuzz.js";
        p.source = body + "__r;";
        break;
      case Mode::module: {
        p.source_name = "worker.js";
        ModuleSpec main;
        main.name = "worker.js";
        main.kind = CV8_MODULE_ESM;
        std::string imports;
        for (int i = 0, n = static_cast<int>(r_.pick(3)); i < n; i++) imports += Import(i);
        std::string expr;
        switch (r_.pick(8)) {
          case 0:
          case 1:
          case 2:
            expr = std::string("{\n  ") + (async_handler ? "async " : "") + "fetch(request, env, ctx) {\n" +
                   handler_body + "  },\n}";
            break;
          case 3: expr = "{ get fetch() { " + Behavior(2) + " } }"; break;
          case 4: expr = "new Proxy({}, { get() { " + Behavior(2) + " } })"; break;
          case 5: expr = Value(1); break;
          case 6: expr = "class { static fetch(request, env, ctx) {\n" + (async_handler ? std::string() : handler_body) +
                         "    return " + response + ";\n  } }"; break;
          case 7: expr = "{ fetch: " + Value(1) + " }"; break;
        }
        main.content = imports + body + "export default " + expr + ";\n";
        if (r_.pick(3) == 0) main.content += Tail();
        // The main module goes first, unless the generator already defined one.
        bool has_main = false;
        for (const ModuleSpec &m : p.modules) has_main |= m.name == "worker.js";
        if (!has_main) p.modules.insert(p.modules.begin(), main);
        break;
      }
      case Mode::script: {
        p.source_name = "worker.js";
        std::string listener;
        switch (r_.pick(5)) {
          case 0:
          case 1:
            listener = std::string("addEventListener(\"fetch\", (event) => {\n") + kScriptHandlerNames + ScriptHandlerBody(handler) +
                       "  event.respondWith(" + response + ");\n});\n";
            break;
          case 2:
            listener = std::string("addEventListener(\"fetch\", async (event) => {\n") + kScriptHandlerNames + handler_body + "});\n";
            break;
          case 3: listener = "addEventListener(" + Value(1) + ", " + Value(1) + ");\n"; break;
          case 4: listener = ""; break;
        }
        p.source = body + listener;
        break;
      }
    }
    return p;
  }

 private:
  Reader &r_;
  bool expose_ops_ = false;
  int next_id_ = 0;

  std::string Wrap(const std::string &statement) {
    int k = next_id_++;
    return "try { " + statement + "; __n(" + std::to_string(k) + "); } catch (e) { __n(" + std::to_string(k) +
           ", e); }\n";
  }

  std::string ScriptHandlerBody(const std::vector<std::string> &statements) {
    std::string out;
    for (const std::string &s : statements) {
      // Service-worker listeners are not async: drop statements that await.
      if (s.find("await") == std::string::npos) out += "  " + Wrap(s);
    }
    return out;
  }

  std::string String(int depth) {
    switch (r_.pick(depth > 0 ? 5 : 3)) {
      case 0: return r_.from(kStrings);
      case 1:
        return std::string(r_.from(kRepeatUnits)) + ".repeat(" +
               (r_.pick(16) == 0 ? r_.from(kHugeRepeatCounts) : r_.from(kRepeatCounts)) + ")";
      case 2: return std::string(r_.from(kStrings)) + " + " + r_.from(kStrings);
      case 3: return "String(" + Value(depth - 1) + ")";
      default: return "`${" + Value(depth - 1) + "}`";
    }
  }

  std::string Value(int depth) {
    uint32_t choice = r_.pick(depth > 0 ? 22 : 4);
    switch (choice) {
      case 0: return String(0);
      case 1: return r_.from(kNumbers);
      case 2:
      case 3: return r_.from(kPlain);
      case 4: return String(depth);
      case 5: return "{ toString() { " + Behavior(depth - 1) + " } }";
      case 6: return "{ valueOf() { " + Behavior(depth - 1) + " }, toString: undefined }";
      case 7: return "{ [Symbol.toPrimitive]() { " + Behavior(depth - 1) + " } }";
      case 8: return "{ toJSON() { " + Behavior(depth - 1) + " } }";
      case 9: return Proxy(depth - 1);
      case 10: return "[" + Value(depth - 1) + ", " + Value(depth - 1) + "]";
      case 11: return "{ a: " + Value(depth - 1) + ", get b() { " + Behavior(depth - 1) + " } }";
      case 12:
        return "new (class extends Uint8Array { get length() { " + Behavior(depth - 1) + " } })(" +
               r_.from(kNumbers) + " > 0 && " + r_.from(kNumbers) + " < 1e6 ? 4 : 8)";
      case 13: return "Object.setPrototypeOf(new Uint8Array(4), " + Value(depth - 1) + ")";
      case 14: return "new (class extends Response {})(" + Value(depth - 1) + ")";
      case 15: return std::string("new Uint8Array(") + r_.from(kNumbers) + " >>> 0 & 0xffff)";
      case 16: return "new Map([[" + Value(depth - 1) + ", " + Value(depth - 1) + "]])";
      case 17: return "(function () { return arguments; })(" + Value(depth - 1) + ")";
      case 18: return "function () { " + Behavior(depth - 1) + " }";
      case 19: return "Object.defineProperty({}, \"x\", { get() { " + Behavior(depth - 1) + " }, enumerable: true })";
      case 20: return "new Error(" + String(depth - 1) + ", { cause: " + Value(depth - 1) + " })";
      default: return "Promise.reject(" + Value(depth - 1) + ")";
    }
  }

  std::string Proxy(int depth) {
    static const char *const traps[] = {"get", "has", "ownKeys", "getOwnPropertyDescriptor", "getPrototypeOf",
                                        "set", "defineProperty", "deleteProperty", "apply", "construct"};
    static const char *const targets[] = {"{}", "[]", "function () {}", "new Uint8Array(4)", "new Response(\"p\")"};
    std::string handler;
    for (int i = 0, n = 1 + static_cast<int>(r_.pick(3)); i < n; i++) {
      handler += std::string(traps[r_.pick(10)]) + "() { " + Behavior(depth) + " }, ";
    }
    return std::string("new Proxy(") + r_.from(targets) + ", { " + handler + "})";
  }

  /// The body of a getter, setter, toString or trap.
  std::string Behavior(int depth) {
    uint32_t choice = r_.pick(depth > 0 ? 19 : 8);
    switch (choice) {
      case 0:
      case 6: return "throw new Error(\"b\");";
      case 1: return "return " + Value(0) + ";";
      // A host call (where the harness may terminate), then a call: the termination lands here.
      case 2:
      case 7: return "console.log(\"h\"); (() => 0)(); return " + Value(0) + ";";
      case 3: return "(function r() { r(); })();";
      case 4: return "throw " + Value(0) + ";";
      case 5: return "return __enc.encodeInto(\"re\", new Uint8Array(4));";
      case 16: return "throw " + Value(depth - 1) + ";";
      case 17: return "for (let i = 0; i < 1e5; i++) {} return 1;";
      case 18: return "return " + Value(depth - 1) + ";";
      case 8: return Statement(depth - 1, false) + "; return " + Value(0) + ";";
      case 9: return Pollution(depth - 1) + "; return 1;";
      case 10: return "__wmem.grow(1); return " + Value(0) + ";";
      case 11: return "return import(" + std::string(r_.from(kSpecifiers)) + ");";
      case 12: return r_.pick(4) == 0 ? "__spin();" : "return this;";
      case 13: return r_.pick(4) == 0 ? "__alloc();" : "return __allocExternal();";
      case 14: return "__nearStackLimit(() => { " + Statement(depth - 1, false) + "; }, " +
                      std::to_string(r_.pick(3) * 7) + "); return 2;";
      default: return "console.error(\"%s %d %j %o\", " + Value(0) + ", " + Value(0) + ", " + Value(0) + "); return 3;";
    }
  }

  std::string Pollution(int depth) {
    // Half the time one of the prototypes and keys that the host's own objects (arrays, errors,
    // promises, result objects) inherit from; a rarer one otherwise.
    static const char *const hot_targets[] = {"Object.prototype", "Array.prototype", "Error.prototype",
                                              "Promise.prototype", "Function.prototype"};
    static const char *const hot_keys[] = {"\"0\"", "\"1\"", "\"name\"", "\"message\"", "\"stack\"",
                                           "\"then\"", "\"constructor\"", "\"length\"", "\"default\"",
                                           "\"exports\"", "\"toString\"", "\"valueOf\""};
    bool hot = r_.pick(2) == 0;
    std::string target = hot ? r_.from(hot_targets) : r_.from(kTargets);
    std::string key = hot ? r_.from(hot_keys) : r_.from(kKeys);
    switch (r_.pick(9)) {
      case 0:
        return "Object.defineProperty(" + target + ", " + key + ", { set(v) { " + Behavior(depth) +
               " }, configurable: true })";
      case 1:
        return "Object.defineProperty(" + target + ", " + key + ", { get() { " + Behavior(depth) + " }, set(v) { " +
               Behavior(depth) + " }, configurable: true })";
      case 2:
        return "Object.defineProperty(" + target + ", " + key + ", { get() { " + Behavior(depth) +
               " }, configurable: true })";
      case 3:
        return "Object.defineProperty(" + target + ", " + key + ", { value: " + Value(depth) +
               ", writable: false, configurable: true })";
      case 4: return target + "[" + key + "] = " + Value(depth);
      case 5: return "delete " + target + "[" + key + "]";
      case 6: return target + "[" + key + "] = function () { " + Behavior(depth) + " }";
      case 7: return r_.pick(2) ? "Object.freeze(" + target + ")" : "Object.preventExtensions(" + target + ")";
      default: return "Object.setPrototypeOf(" + target + ", " + (r_.pick(2) ? "null" : Proxy(depth - 1)) + ")";
    }
  }

  std::string Uint8(int depth) {
    static const char *const views[] = {"new Uint8Array(8)", "new Uint8Array(0)", "__detached()", "__wview(0, 16)",
                                        "new Uint8Array(new ArrayBuffer(16), 5, 3)", "new Uint8Array(__wmem.buffer)",
                                        "new Uint8Array(1 << 20)"};
    return r_.pick(4) == 0 ? Value(depth) : r_.from(views);
  }

  std::string Url(int depth) {
    static const char *const urls[] = {"\"http://example.com/\"", "\"https://B\\u00fccher.de/p?q#f\"",
                                       "\"http://xn--a.com\"", "\"http://[::1]:99999/\"", "\"http://a b/\"",
                                       "\"http://\\u0000/\"", "\"http://\\ud800.com/\"", "\"file:///etc\"",
                                       "\"http://x/\" + \"%2e\".repeat(1000)", "\"http://\" + \"\\u00e9\".repeat(70000) + \".com/\"",
                                       "\"blob:x\"", "\"http://1.2.3.4.5/\"", "\"http://0x7f.1/\""};
    return r_.pick(3) == 0 ? Value(depth) : r_.from(urls);
  }

  std::string Callback(int depth) {
    return r_.pick(4) == 0 ? Value(depth) : "() => { " + Statement(depth, false) + "; }";
  }

  std::string OpsCall(int depth) {
    static const char *const names[] = {"utf8Encode",  "utf8EncodeInto", "utf8Decode", "domainToASCII",
                                        "randomFill",  "randomUUID",     "now",        "structuredClone",
                                        "host",        "respond",        "zlibCreate", "zlibProcess",
                                        "transferArrayBuffer"};
    std::string call = std::string("__ops.") + r_.from(names) + "(";
    for (int i = 0, n = static_cast<int>(r_.pick(7)); i < n; i++) {
      if (i) call += ", ";
      call += r_.pick(3) == 0 ? Uint8(depth) : Value(depth);
    }
    return call + ")";
  }

  /// A statement that calls into a native operation (directly or through a Web API), or sets up
  /// the conditions under which the next one runs.
  std::string Statement(int depth, bool in_async) {
    uint32_t choice = r_.pick(depth > 0 ? 35 : 22);
    switch (choice) {
      case 0: return "__enc.encodeInto(" + String(depth) + ", " + Uint8(depth) + ")";
      case 1: return "__enc.encode(" + Value(depth) + ")";
      case 2: return "__enc.encodeInto(" + Value(depth) + ", " + Uint8(depth) + ")";
      case 3: {
        static const char *const labels[] = {"undefined", "\"utf-8\"", "\"utf-16le\"", "\"latin1\"", "\"bogus\""};
        return std::string("new TextDecoder(") + r_.from(labels) + ", { fatal: " + (r_.pick(2) ? "true" : "false") +
               ", ignoreBOM: " + (r_.pick(2) ? "true" : "false") + " }).decode(" + Uint8(depth) + ", { stream: " +
               (r_.pick(2) ? "true" : "false") + " })";
      }
      case 4: return "new TextDecoder().decode(" + Value(depth) + ")";
      case 5: return "new URL(" + Url(depth) + ")";
      case 6: return "new URL(" + Value(depth) + ", " + Url(depth) + ")";
      case 7: {
        static const char *const setters[] = {"hostname", "host", "href", "protocol", "pathname", "search"};
        return std::string("(u => { u.") + r_.from(setters) + " = " + Value(depth) + "; return u.href; })(new URL(" +
               Url(0) + "))";
      }
      case 8: return "crypto.getRandomValues(" + Uint8(depth) + ")";
      case 9: return "crypto.randomUUID()";
      case 10: return "performance.now()";
      case 11: return "structuredClone(" + Value(depth) + ")";
      case 12: return "console.log(" + Value(depth) + ", " + Value(depth) + ")";
      case 13: return "setTimeout(" + Callback(depth - 1) + ", " + r_.from(kNumbers) + ")";
      case 14: return "import(" + std::string(r_.from(kSpecifiers)) + ")";
      case 15: return "new Response(" + Value(depth) + ", " + ResponseInit(depth) + ")";
      case 16: return "new Response(" + Value(depth) + ").text()";
      case 17: return "new Headers(" + Value(depth) + ")";
      case 18: return expose_ops_ ? OpsCall(depth) : "new TextEncoder().encode(" + String(depth) + ")";
      case 19: return expose_ops_ ? OpsCall(depth) : "crypto.getRandomValues(" + Value(depth) + ")";
      case 20: return "import(" + Value(depth) + ")";
      case 21: return "__wmem.grow(1)";
      case 22: return Pollution(depth - 1);
      case 23: return "__nearStackLimit(() => { " + Statement(depth - 1, false) + "; }, " +
                      std::to_string(r_.pick(3) * 7) + ")";
      case 24: return "Promise.resolve().then(() => { " + Statement(depth - 1, false) + "; })";
      case 25: return "queueMicrotask(" + Callback(depth - 1) + ")";
      case 26: return "setInterval(" + Callback(depth - 1) + ", 0)";
      case 27: return "clearTimeout(" + Value(depth - 1) + ")";
      case 28: return "new Request(" + Url(depth - 1) + ", { method: " + Value(depth - 1) + ", headers: " +
                      Value(depth - 1) + ", body: " + Value(depth - 1) + " })";
      case 29: return "Response.json(" + Value(depth - 1) + ")";
      case 30: return in_async ? "await import(" + std::string(r_.from(kSpecifiers)) + ")"
                               : "console.time(" + Value(depth - 1) + "), console.timeEnd(" + Value(depth - 1) + ")";
      case 31: return "for (let i = 0; i < 3; i++) { " + Statement(depth - 1, false) + "; }";
      case 32: return "new WebAssembly.Instance(" + Value(depth - 1) + ")";
      case 33: return "(async () => { " + Statement(depth - 1, true) + "; })()";
      default: {
        // Code generation, which the isolate refuses (strings) or allows only to the host (Wasm).
        static const char *const codegen[] = {
            "eval(\"1\")", "new Function(\"return 1\")", "setTimeout(\"globalThis.x = 1\", 0)",
            "WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))",
            "new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))",
            "WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))",
            "(function* () {}).constructor(\"yield 1\")", "import(\"data:text/javascript,1\")"};
        return r_.from(codegen);
      }
    }
  }

  std::string HandlerStatement(bool async) {
    static const char *const sync_statements[] = {
        "request.headers.get(\"content-type\")", "[...request.headers]", "request.url", "request.cf",
        "ctx.waitUntil(new Promise(r => setTimeout(r, 1)))", "request.clone()", "env.A", "request.method",
        "new URL(request.url).hostname", "request.headers.has(\"\\u00ff\")"};
    static const char *const async_statements[] = {
        "await request.text()", "await request.arrayBuffer()", "await request.json()",
        "await new Promise(r => setTimeout(r, 0))", "await import(\"./a.js\")", "await request.clone().text()"};
    switch (r_.pick(async ? 4 : 3)) {
      case 0: return Statement(2, async);
      case 1: return r_.from(sync_statements);
      case 2: return "ctx.waitUntil(" + Value(1) + ")";
      default: return r_.from(async_statements);
    }
  }

  std::string ResponseInit(int depth) {
    switch (r_.pick(5)) {
      case 0: return "undefined";
      case 1: return std::string("{ status: ") + r_.from(kNumbers) + " }";
      case 2: return "{ status: 200, statusText: " + Value(depth - 1) + ", headers: " + Headers(depth - 1) + " }";
      case 3: return "{ headers: " + Headers(depth - 1) + " }";
      default: return Value(depth - 1);
    }
  }

  std::string Headers(int depth) {
    switch (r_.pick(6)) {
      case 0: return "{ \"x-a\": " + Value(depth) + " }";
      case 1: return "[[\"x-b\", " + Value(depth) + "]]";
      case 2: return "new Headers([[\"set-cookie\", \"a\"], [\"set-cookie\", \"b\"]])";
      case 3: return "Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [\"h\" + i, \"v\"]))";
      case 4: return "{ \"\\u00ff\": \"\\u00fe\", \"x\": \"\\u0100\" }";
      default: return Value(depth);
    }
  }

  std::string Response(int depth) {
    switch (r_.pick(16)) {
      case 0: return "new Response(\"ok\")";
      case 1: return "new Response(" + Value(depth) + ", " + ResponseInit(depth) + ")";
      case 2: return "Response.json(" + Value(depth) + ")";
      case 3: return "Response.error()";
      case 4: return "Response.redirect(" + Url(depth - 1) + ", " + r_.from(kNumbers) + ")";
      case 5: return Value(depth);
      case 6: return "Promise.resolve(new Response(\"p\"))";
      case 7: return "new Promise(() => {})";
      case 8: return "new Promise(r => setTimeout(() => r(new Response(\"late\")), 0))";
      case 9: return "{ then(r) { " + Behavior(depth - 1) + " } }";
      case 10: return "Promise.reject(" + Value(depth - 1) + ")";
      case 11: return "new (class extends Response {})(\"sub\")";
      case 12: return "new Proxy(new Response(\"x\"), {})";
      case 13: return "(() => { const r = new Response(\"u\"); r.text(); return r; })()";
      case 14: return "new Response(new Uint8Array(__wmem.buffer))";
      default: return "new Response(" + String(depth) + ", { status: " + r_.from(kNumbers) +
                      ", headers: " + Headers(depth - 1) + " })";
    }
  }

  std::string Import(int index) {
    std::string spec = r_.from(kSpecifiers);
    std::string id = std::to_string(index);
    switch (r_.pick(5)) {
      case 0: return "import __i" + id + " from " + spec + ";\n";
      case 1: return "import * as __ns" + id + " from " + spec + ";\n";
      case 2: return "import { missing as __m" + id + " } from " + spec + ";\n";
      case 3: return "export * from " + spec + ";\n";
      default: return "export { default as __d" + id + " } from " + spec + ";\n";
    }
  }

  /// What may end an ES module, after its exports.
  std::string Tail() {
    switch (r_.pick(7)) {
      case 0: return "export const then = () => { " + Behavior(1) + " };\n";
      case 1: return "export function then(resolve) { " + Behavior(1) + " }\n";
      case 2: return "throw " + Value(1) + ";\n";
      case 3: return "await import(" + std::string(r_.from(kSpecifiers)) + ");\n";
      case 4: return "await new Promise(() => {});\n";
      case 5: return "export default (;\n";
      default: return "await Promise.reject(" + Value(1) + ");\n";
    }
  }

  void AddModule(Program *p) {
    uint32_t index = r_.pick(9);
    ModuleSpec m;
    m.name = kModuleNames[index];
    m.kind = r_.pick(4) == 0 ? static_cast<cv8_module_kind>(r_.pick(6)) : kNaturalKinds[index];
    switch (m.kind) {
      case CV8_MODULE_ESM: {
        for (int i = 0, n = static_cast<int>(r_.pick(3)); i < n; i++) m.content += Import(10 + i);
        for (int i = 0, n = static_cast<int>(r_.pick(3)); i < n; i++) m.content += Wrap(Statement(1, true));
        m.content += "export default " + Value(1) + ";\n";
        if (r_.pick(2) == 0) m.content += Tail();
        break;
      }
      case CV8_MODULE_COMMONJS: {
        static const char *const forms[] = {"module.exports = ", "exports.x = ", "module.exports.y = "};
        for (int i = 0, n = 1 + static_cast<int>(r_.pick(3)); i < n; i++) {
          switch (r_.pick(6)) {
            case 0: m.content += Wrap("require(" + std::string(r_.from(kSpecifiers)) + ")"); break;
            case 1: m.content += std::string(r_.from(forms)) + Value(1) + ";\n"; break;
            case 2: m.content += "Object.defineProperty(module, \"exports\", { get() { " + Behavior(1) + " } });\n"; break;
            case 3: m.content += Wrap(Statement(1, false)); break;
            case 4: m.content += Wrap("require(" + Value(1) + ")"); break;
            default: m.content += "throw " + Value(1) + ";\n"; break;
          }
        }
        break;
      }
      case CV8_MODULE_JSON:
        m.content = r_.pick(6) == 0 ? std::string(100000, '[') : r_.from(kJSON);
        break;
      case CV8_MODULE_WASM: {
        m.content = kWasm[r_.pick(6)];
        break;
      }
      default: {
        m.content = kBytes[r_.pick(9)];
        break;
      }
    }
    p->modules.push_back(m);
  }

  RequestSpec Request() {
    static const char *const methods[] = {"GET", "POST", "", "G\xff" "T", "PUT", "get", "CONNECT"};
    static const char *const urls[] = {"http://example.com/", "https://xn--bcher-kva.example/p?q#f", "", "not a url",
                                       "http://[::1]:99999/", "http://a b/", "http://\xff/", "http://x/%zz",
                                       "http://\xed\xa0\x80/"};
    static const std::string headers[] = {""s,
                                          "a\0b"s,
                                          "content-type\0text/plain\0x-a\0\xff\xfe"s,
                                          "a"s,
                                          "\0"s,
                                          "\0\0\0"s,
                                          "host\0x\0host\0y"s,
                                          "A\0\r\n"s,
                                          "set-cookie\0a\0set-cookie\0b"s};
    static const char *const cfs[] = {"", "{}", "{\"colo\":\"X\"}", "{", "[]", "null", "1", "\"\\ud800\"",
                                      "{\"__proto__\":{\"x\":1}}"};
    RequestSpec r;
    r.method = r_.from(methods);
    r.url = r_.from(urls);
    uint32_t h = r_.pick(10);
    if (h < 9) {
      r.headers = headers[h];
    } else {
      // Three thousand headers, and an odd field at the end.
      for (int i = 0; i < 3000; i++) r.headers += "a\0b\0"s;
    }
    switch (r_.pick(5)) {
      case 0: break;
      case 1: r.has_body = true; break;
      case 2: r.has_body = true; r.body = "{\"a\":1}"; break;
      case 3: r.has_body = true; r.body.assign("\xff\xfe\x00\xed\xa0\x80", 6); break;
      default: r.has_body = true; r.body.assign(1 << 20, 'b'); break;
    }
    uint32_t c = r_.pick(10);
    r.cf = c < 9 ? cfs[c] : std::string(50000, '[');
    return r;
  }
};

}  // namespace

Program Generate(const uint8_t *data, size_t size) {
  Reader reader(data, size);
  Generator generator(reader);
  return generator.Make();
}

}  // namespace fuzz
