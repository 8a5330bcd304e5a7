// Switchyard's built-in dispatch worker, which `switchyard serve` runs when the operator brings
// none (`--dispatcher`). It serves the user workers of one dispatch namespace (the DISPATCHER
// binding) and picks the worker by, in order:
//   1. the custom hostname's metadata: request.cf.hostMetadata.worker_name;
//   2. the subdomain: acme.example.com and acme.localhost run "acme";
//   3. the first path segment: example.com/acme/... and 127.0.0.1:8787/acme/... run "acme".
// A subdomain naming no worker falls back to the path for requests without a body (a body can
// be sent once). Unknown workers get 404; a worker's failure is rethrown, so the edge answers
// with Cloudflare's 1101 / 1102 pages as if the worker ran alone.

const workerNotFound = "Worker not found";

function subdomainOf(hostname) {
  if (hostname.startsWith("[") || /^[0-9.]+$/.test(hostname)) return null;
  const labels = hostname.split(".");
  // acme.localhost, or three labels and more: acme.example.com (example.com alone is the apex).
  const enough = labels.length >= 3 || (labels.length === 2 && labels[1] === "localhost");
  return enough && labels[0] !== "" ? labels[0] : null;
}

function firstPathSegment(pathname) {
  const segment = pathname.split("/").filter(Boolean)[0];
  if (segment === undefined) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const named = request.cf?.hostMetadata?.worker_name;
    const candidates = [];
    if (typeof named === "string" && named !== "") {
      candidates.push(named);
    } else {
      const subdomain = subdomainOf(url.hostname);
      if (subdomain !== null) candidates.push(subdomain);
      const segment = firstPathSegment(url.pathname);
      if (segment !== null && (candidates.length === 0 || request.body === null)) candidates.push(segment);
    }
    for (const name of candidates) {
      try {
        return await env.DISPATCHER.get(name).fetch(request);
      } catch (e) {
        if (String(e?.message).startsWith(workerNotFound)) continue;
        // The user worker's failure reaches the eyeball as if it had no dispatcher in front:
        // Cloudflare's 1101 page, or 1102 for a limit.
        throw e;
      }
    }
    return new Response("No worker is deployed at this address.\n", {
      status: 404,
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  },
};
