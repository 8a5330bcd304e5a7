// Answers with the request it received, as JSON: what a user worker behind the dispatcher sees.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    return Response.json({
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(request.headers),
      body: request.body === null ? null : await request.text(),
      cf: request.cf ?? null,
    });
  },
};
