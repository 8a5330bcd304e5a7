// Benchmarks/streaming.sh (c): a proxy to the loopback origin named by the x-origin-url header
// (deno has no env bindings, so the load generator passes it), answering the origin's response.
export default {
  fetch(request) {
    const url = new URL(request.url);
    return fetch(request.headers.get("x-origin-url") + "/payload" + url.search);
  },
};
