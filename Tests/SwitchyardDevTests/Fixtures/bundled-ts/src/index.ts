import shout, { flavour } from "tiny-shout";
import { pad } from "tiny-cjs";
import shim from "greeting-shim";
import { describe, type Part } from "./lib/describe";
import config from "./config.json";
import notes from "./notes.txt";
import page from "./page.html";
import readme from "./readme.md";
import blob from "./blob.bin";
import adder from "./add.wasm";

declare const __BUILD_MODE__: string;

interface Answer {
  greeting: string;
  flavour: string;
  padded: string;
  shim: string;
  mode: string;
  nodeEnv: string;
  parts: string;
  config: number;
  notes: string;
  page: string;
  readme: string;
  blob: number[];
  sum: number;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const parts: Part[] = [{ name: new URL(request.url).pathname, size: 1 }];
    const { add } = new WebAssembly.Instance(adder).exports as { add: (a: number, b: number) => number };
    const answer: Answer = {
      greeting: shout(env.GREETING),
      flavour,
      padded: pad("cjs"),
      shim,
      mode: __BUILD_MODE__,
      nodeEnv: process.env.NODE_ENV,
      parts: describe(parts),
      config: config.answer,
      notes: notes.trim(),
      page: page.trim(),
      readme: readme.trim(),
      blob: [...new Uint8Array(blob)],
      sum: add(2, 3),
    };
    return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
  },
};
