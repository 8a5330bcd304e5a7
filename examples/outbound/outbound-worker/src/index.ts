export default {
  async fetch(request: Request, env: Env) {
    // Intercept all fetch() from user workers
    console.log('User fetch:', request.url);
    console.log('Customer:', env.customerId);

    // Forward, modify, or block: this one blocks every host but api.example.com, and answers
    // for that one itself (a real platform would `return fetch(request)`).
    const url = new URL(request.url);
    if (url.hostname !== 'api.example.com') {
      return new Response(`blocked ${url.hostname} for ${env.customerId}`, { status: 403 });
    }
    return Response.json({ customer: env.customerId, path: url.pathname });
  }
};
