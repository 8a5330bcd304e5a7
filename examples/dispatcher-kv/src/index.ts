export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);

    // Lookup worker name from KV
    const workerName = await env.ROUTING.get(url.hostname);
    if (!workerName) {
      return new Response('Route not configured', { status: 404 });
    }

    const userWorker = env.DISPATCHER.get(workerName);
    return await userWorker.fetch(request);
  }
};
