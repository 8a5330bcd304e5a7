/*---
{
  "requests": [
    {"path": "/200"}, {"path": "/201"}, {"path": "/202"}, {"path": "/203"}, {"path": "/206"},
    {"path": "/299"}, {"path": "/300"}, {"path": "/302"}, {"path": "/303"}, {"path": "/307"},
    {"path": "/308"}, {"path": "/400"}, {"path": "/401"}, {"path": "/403"}, {"path": "/404"},
    {"path": "/405"}, {"path": "/409"}, {"path": "/410"}, {"path": "/418"}, {"path": "/422"},
    {"path": "/429"}, {"path": "/451"}, {"path": "/499"}, {"path": "/500"}, {"path": "/501"},
    {"path": "/502"}, {"path": "/503"}, {"path": "/504"}, {"path": "/599"},
    {"path": "/204"}, {"path": "/304"},
    {"path": "/custom-text/200"}, {"path": "/custom-text/404"}, {"path": "/empty-text/200"}
  ]
}
---*/
// Status codes and the reason phrase on the wire: every class, codes without a registered
// phrase, null-body statuses, and a statusText the worker chose. (205 is left out: deno sends it
// with neither content-length nor transfer-encoding, so a client waits for the connection to close.)
export default {
  fetch(request) {
    const parts = new URL(request.url).pathname.split("/");
    const status = Number(parts[parts.length - 1]);
    if (parts[1] === "custom-text") return new Response("custom", { status, statusText: "My Own Words" });
    if (parts[1] === "empty-text") return new Response("empty", { status, statusText: "" });
    const nullBody = status === 204 || status === 205 || status === 304;
    const headers = status >= 300 && status < 400 ? { location: "/elsewhere" } : {};
    return new Response(nullBody ? null : `status ${status}`, { status, headers });
  },
};
