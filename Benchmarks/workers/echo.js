// Benchmarks/streaming.sh (b): the upload streamed straight back.
export default {
  fetch(request) {
    return new Response(request.body, { headers: { "content-type": "application/octet-stream" } });
  },
};
