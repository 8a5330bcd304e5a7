export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    // example.com/customer-1/... -> customer-1 worker
    const pathParts = url.pathname.split('/').filter(Boolean);
    const workerName = pathParts[0];
    try {
      const userWorker = env.DISPATCHER.get(workerName);
      return await userWorker.fetch(request);
    } catch (e) {
      if (e.message.startsWith('Worker not found')) {
        return new Response('Not found', { status: 404 });
      }
      return new Response(e.message, { status: 500 });
    }
  }
};
