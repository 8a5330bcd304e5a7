// Hello world: the per-request overhead of the platform.
export default {
  fetch(request) {
    return new Response("Hello from Switchyard, world!\n", {
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  },
};
