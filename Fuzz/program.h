// A fuzz program: what one fuzzer input does to a fresh isolate, in a form that can be printed
// as readable text (the format of Fuzz/regressions/*.js and Fuzz/corpus/*.js) and parsed back.
//
// Text format: directive lines start with "//@"; a section's content runs until the next
// directive line.
//
//   //@fuzz mode=eval|module|script heap=MB terminate=N fail=N memcheck=N watchdog=MS ops=0|1 polls=N
//   //@env "{\"A\":\"1\"}"                          (optional: internals.setEnv(json, isScript))
//   //@module "NAME" esm|text|data|json|wasm|commonjs [hex|repeat]
//   ...content (hex-encoded, or *N"unit" for N copies of unit, when the flag is given)...
//   //@source "NAME"                                   (eval: the script; script: the worker script;
//   ...JavaScript...                                   module: NAME is the main module, no content)
//   //@request method="GET" url="http://x/" headers="a\x00b" body=none|"..." cf="..."
//   (quoted fields take \\, \" and \xHH escapes; *N"unit" stands for N copies of unit)
//
// terminate=N: the harness calls cv8_isolate_terminate from inside the N-th host call (0: never);
// fail=N: the N-th host call fails (JavaScript sees an Error); memcheck=N: the N-th host call asks
// for a memory check. ops=1 exposes the raw `ops` object to the program as `globalThis.__ops`
// (tenant code cannot reach it in production: a crash that needs it is a defence-in-depth bug).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cv8.h"

namespace fuzz {

enum class Mode { eval = 0, module = 1, script = 2 };

struct ModuleSpec {
  std::string name;
  cv8_module_kind kind = CV8_MODULE_ESM;
  std::string content;
};

struct RequestSpec {
  std::string method = "GET";
  std::string url = "http://example.com/";
  std::string headers;
  bool has_body = false;
  std::string body;
  std::string cf;
};

struct Program {
  Mode mode = Mode::eval;
  int heap_mb = 128;
  int terminate_at = 0;
  int fail_at = 0;
  int memcheck_at = 0;
  int watchdog_ms = 1000;
  bool expose_ops = false;
  int polls = 2;
  bool set_env = false;
  std::string env_json;
  std::vector<ModuleSpec> modules;
  std::string source_name = "fuzz.js";
  std::string source;
  std::vector<RequestSpec> requests;
};

std::string Render(const Program &program);
/// Parses the text format; returns false (and leaves `program` partly filled) on a syntax error.
bool Parse(const std::string &text, Program *program);
/// Decodes arbitrary bytes into a program with a grammar of hostile building blocks.
Program Generate(const uint8_t *data, size_t size);

}  // namespace fuzz
